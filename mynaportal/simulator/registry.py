"""The client registry: registration, keys, and the lifecycle of guideline §5–§6.

A provider registers itself without touching code (control panel or JSON
API); a suspended (利用停止) or ended (利用終了) client is refused on every
endpoint from its effective date, with a clear error.
"""

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from joserfc.jwk import KeySet

from mynaportal import catalog
from mynaportal.simulator import clock
from mynaportal.simulator.models import Client

JWKS_TIMEOUT_SECONDS = 5
FIELDS = {
    "name",
    "purpose",
    "environment",
    "redirect_uris",
    "jwks",
    "jwks_uri",
    "tm_codes",
    "consent_days",
    "notification_url",
}


class RegistrationError(ValueError):
    """A registration that cannot be accepted, and why."""


class ClientRefused(Exception):
    """The client may not use the API now (``client_suspended`` or ``client_ended``)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def register(data: dict[str, Any]) -> Client:
    """Register a new client from the fields of ``FIELDS``; returns it with its id."""
    fields = _checked(data, partial=False)
    return Client.objects.create(
        client_id=_new_client_id(), sector_salt=secrets.token_hex(16), **fields
    )


def update(client: Client, data: dict[str, Any]) -> Client:
    """Change some fields of a registration (利用内容の変更, §6.1)."""
    for name, value in _checked(data, partial=True).items():
        setattr(client, name, value)
    client.save()
    return client


def _new_client_id() -> str:
    while True:
        digits = "".join(secrets.choice("0123456789") for _ in range(8))
        letters = "".join(
            secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(2)
        )
        tail = "".join(secrets.choice("0123456789") for _ in range(4))
        client_id = f"SP{digits}_{letters}{tail}"
        if not Client.objects.filter(client_id=client_id).exists():
            return client_id


def _checked(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    unknown = set(data) - FIELDS
    if unknown:
        raise RegistrationError(f"Unknown field: {sorted(unknown)[0]}")
    required = {"name", "purpose", "redirect_uris", "tm_codes"}
    missing = set() if partial else required - set(data)
    if missing:
        raise RegistrationError(f"Missing field: {sorted(missing)[0]}")
    if not partial and not (data.get("jwks") or data.get("jwks_uri")):
        raise RegistrationError("Give the client's public keys: jwks or jwks_uri")

    checks = {
        "name": _text,
        "purpose": _text,
        "environment": _environment,
        "redirect_uris": _redirect_uris,
        "jwks": _jwks,
        "jwks_uri": _url_or_empty,
        "tm_codes": _tm_codes,
        "consent_days": _consent_days,
        "notification_url": _url_or_empty,
    }
    return {name: checks[name](value) for name, value in data.items()}


def _text(value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value.strip()) <= 100:
        raise RegistrationError("name and purpose must be text of 1 to 100 characters")
    return value.strip()


def _environment(value: object) -> str:
    if value not in {Client.STAGING, Client.PRODUCTION}:
        raise RegistrationError("environment must be staging or production")
    return str(value)


def _redirect_uris(value: object) -> list[str]:
    if not isinstance(value, list) or not 0 < len(value) <= 10:
        raise RegistrationError("redirect_uris must list 1 to 10 URLs")
    for uri in value:
        parts = urlsplit(uri) if isinstance(uri, str) else None
        if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
            raise RegistrationError(f"Not an absolute http(s) URL: {uri!r}")
        if parts.fragment:
            raise RegistrationError("A redirect URI may not have a fragment")
    return list(value)


def _jwks(value: object) -> dict[str, Any]:
    if value in ({}, None, ""):
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise RegistrationError('jwks must be a JWK Set: {"keys": [...]}')
    if any(not isinstance(key, dict) or "d" in key for key in value["keys"]):
        raise RegistrationError("jwks must hold public keys only")

    try:
        keys = KeySet.import_key_set(value)  # type: ignore[arg-type]
    except (ValueError, KeyError, TypeError) as error:
        raise RegistrationError(f"jwks is not usable: {error}") from None
    uses = {key.get("use") for key in keys.keys}
    if not {"sig", "enc"} <= uses:
        raise RegistrationError("jwks needs a signing key (use=sig) and an enc key")
    return value


def _url_or_empty(value: object) -> str:
    if value == "":
        return ""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
        raise RegistrationError(f"Not an absolute http(s) URL: {value!r}")
    return str(value)


def _tm_codes(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise RegistrationError("tm_codes must list the categories the client asks for")
    unknown = [code for code in value if code not in catalog.CATEGORIES]
    if unknown:
        raise RegistrationError(f"Unknown TM code: {unknown[0]!r}")
    return list(value)


def _consent_days(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365:
        raise RegistrationError("consent_days must be a whole number from 1 to 365")
    return value


def change_lifecycle(client: Client, action: object, effective_at: datetime) -> Client:
    """利用停止 (suspend), 利用再開 (resume) or 利用終了 (end) from a date."""
    if action == "suspend":
        client.suspended_from, client.resumed_from = effective_at, None
    elif action == "resume":
        if client.suspended_from is None:
            raise RegistrationError("The client is not suspended")
        client.resumed_from = effective_at
    elif action == "end":
        client.ended_from = effective_at
    else:
        raise RegistrationError("action must be suspend, resume or end")

    client.save()
    return client


def status(client: Client, at: datetime | None = None) -> str:
    """``active``, ``suspended`` or ``ended`` at a moment (the simulator's now)."""
    moment = at or clock.now()
    if client.ended_from is not None and client.ended_from <= moment:
        return "ended"
    suspended = client.suspended_from is not None and client.suspended_from <= moment
    resumed = client.resumed_from is not None and client.resumed_from <= moment
    return "suspended" if suspended and not resumed else "active"


def ensure_usable(client: Client) -> None:
    """Refuse a client that is suspended or ended now."""
    current = status(client)
    if current == "suspended":
        raise ClientRefused("client_suspended", "The client is suspended (利用停止)")
    if current == "ended":
        raise ClientRefused("client_ended", "The client's use has ended (利用終了)")


def public_keys(client: Client) -> dict[str, Any]:
    """The client's JWKS: registered by value, or fetched from its ``jwks_uri``."""
    if not client.jwks_uri:
        return dict(client.jwks)

    try:
        answer = requests.get(client.jwks_uri, timeout=JWKS_TIMEOUT_SECONDS)
        keys = answer.json()
    except (requests.RequestException, ValueError):
        return {"keys": []}
    return keys if isinstance(keys, dict) else {"keys": []}


def as_json(client: Client) -> dict[str, Any]:
    """The registration as the control API shows it (no secrets: it holds none)."""
    return {
        "client_id": client.client_id,
        "name": client.name,
        "purpose": client.purpose,
        "environment": client.environment,
        "redirect_uris": client.redirect_uris,
        "jwks": client.jwks,
        "jwks_uri": client.jwks_uri,
        "tm_codes": client.tm_codes,
        "consent_days": client.consent_days,
        "notification_url": client.notification_url,
        "status": status(client),
        "suspended_from": _iso(client.suspended_from),
        "resumed_from": _iso(client.resumed_from),
        "ended_from": _iso(client.ended_from),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
