"""Encryption at rest for retrieved data and tokens (guideline §4.2).

Sealed values carry the id of the key that sealed them, so keys can be rotated:
the newest key seals, every configured key opens.
"""

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "sealed:v1"


class UnsealError(Exception):
    """A sealed value cannot be opened with any configured key."""


def _keys() -> list[tuple[str, Fernet]]:
    configured = str(settings.BANK_DATA_KEYS).strip()
    if not configured:
        return [("derived", Fernet(_derived_key()))]

    keys = []
    for entry in configured.split(","):
        kid, _, secret = entry.strip().partition(":")
        try:
            keys.append((kid, Fernet(secret.encode())))
        except ValueError:
            raise ImproperlyConfigured(
                f"BANK_DATA_KEYS: key {kid!r} is malformed"
            ) from None
    return keys


def _derived_key() -> bytes:
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"bank-data-at-rest"
    )
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def seal(value: str) -> str:
    """Encrypt text with the newest key."""
    kid, fernet = _keys()[0]
    return f"{PREFIX}:{kid}:{fernet.encrypt(value.encode()).decode()}"


def unseal(sealed: str) -> str:
    """Decrypt text sealed with any configured key."""
    prefix, _, rest = sealed.partition(f"{PREFIX}:")
    kid, _, token = rest.partition(":")
    fernet = dict(_keys()).get(kid)
    if prefix or fernet is None:
        raise UnsealError(f"No key {kid!r} to open this value")

    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnsealError("The sealed value was altered or the key is wrong") from None


def seal_json(value: Any) -> str:
    return seal(json.dumps(value, ensure_ascii=False))


def unseal_json(sealed: str) -> Any:
    return json.loads(unseal(sealed))
