"""Checks on everything signed or sealed by the portal, before any use.

Keys come only from the portal's configured JWKS (never from ``jku``, ``x5u``
or an embedded ``jwk`` header); algorithms come from an allow-list; an unknown
``kid`` causes one refetch of the JWKS and no more.
"""

import re
import time
from typing import Any, Protocol

from joserfc import jwe, jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from mynaportal import catalog
from mynaportal.client import conf
from mynaportal.client.keys import ENCRYPTION_ALGORITHM, decryption_keys
from mynaportal.client.portal import PermanentPortalError

SIGNATURE_ALGORITHMS = ["ES256", "PS256"]
CONTENT_ENCRYPTION = "A256GCM"
CLOCK_SKEW = 60
MAX_RECORDS = 50
INDIVIDUAL_NUMBER = re.compile(r"\d{12}")


class VerificationError(PermanentPortalError):
    """A token or result from the portal failed a check; nothing may be used."""


class KeySource(Protocol):
    """Where the portal's published keys come from (the portal seam)."""

    def jwks(self, *, refresh: bool = False) -> KeySet: ...


def verify_id_token(session: KeySource, id_token: str, nonce: str) -> str:
    """Check an ID token from the token endpoint; return its ``sub``."""
    claims = _verified_claims(session, id_token)
    if claims.get("nonce") != nonce:
        raise VerificationError("id_token_nonce")
    return _subject(claims)


def verify_notice(session: KeySource, notice: str) -> str:
    """Check a portal's result-ready notice; return the process it names."""
    claims = _verified_claims(session, notice)
    process_id = claims.get("process_id")
    if claims.get("event") != "result_ready" or not isinstance(process_id, str):
        raise VerificationError("notice_malformed")
    return process_id


def open_result(
    session: KeySource, sealed: str, *, subject: str, tm_codes: list[str]
) -> list[dict[str, Any]]:
    """Decrypt and verify a result; return its checked ``selfPersonalData``."""
    try:
        signed = jwe.decrypt_compact(
            sealed,
            decryption_keys(),
            algorithms=[ENCRYPTION_ALGORITHM, CONTENT_ENCRYPTION],
        ).plaintext
    except (JoseError, ValueError, TypeError):
        raise VerificationError("result_decryption") from None

    claims = _verified_claims(session, (signed or b"").decode("utf-8", "replace"))
    if _subject(claims) != subject:
        raise VerificationError("result_other_person")
    return checked_personal_data(claims.get("selfPersonalData"), tm_codes)


def _verified_claims(session: KeySource, token: str) -> dict[str, Any]:
    try:
        decoded = _decode(session, token)
    except (JoseError, ValueError, TypeError, KeyError):
        raise VerificationError("signature") from None

    claims = dict(decoded.claims)
    _check_registered_claims(claims)
    return claims


def _decode(session: KeySource, token: str) -> jwt.Token:
    header = jws.extract_compact(token.encode()).headers() if token else {}
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise VerificationError("signature_no_kid")

    keys = session.jwks()
    if not any(key.kid == kid for key in keys.keys):
        keys = session.jwks(refresh=True)
    return jwt.decode(token, keys, algorithms=SIGNATURE_ALGORITHMS)


def _check_registered_claims(claims: dict[str, Any]) -> None:
    now = int(time.time())
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if claims.get("iss") != conf.issuer():
        raise VerificationError("claim_iss")
    if audiences != [conf.client_id()]:
        raise VerificationError("claim_aud")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now - CLOCK_SKEW:
        raise VerificationError("claim_exp")
    if not isinstance(claims.get("iat"), int) or claims["iat"] > now + CLOCK_SKEW:
        raise VerificationError("claim_iat")


def _subject(claims: dict[str, Any]) -> str:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 200:
        raise VerificationError("claim_sub")
    return subject


def checked_personal_data(data: object, tm_codes: list[str]) -> list[dict[str, Any]]:
    """Validate the shape of ``selfPersonalData`` against the catalog.

    Any 12-digit value is dropped first: it may be an individual number, which
    a loan pre-screening may not hold (My Number Act).
    """
    if not isinstance(data, list) or not data or len(data) > len(tm_codes):
        raise VerificationError("result_shape")

    return [_checked_entry(entry, tm_codes) for entry in data]


def _checked_entry(entry: object, tm_codes: list[str]) -> dict[str, Any]:
    expected = {"tm_code", "name", "provider", "records"}
    if not isinstance(entry, dict) or set(entry) != expected:
        raise VerificationError("result_shape")
    if entry["tm_code"] not in tm_codes:
        raise VerificationError("result_unrequested")
    if not isinstance(entry["provider"], str) or not isinstance(entry["name"], str):
        raise VerificationError("result_shape")

    records = entry["records"]
    if not isinstance(records, list) or not 0 < len(records) <= MAX_RECORDS:
        raise VerificationError("result_shape")
    category = catalog.category(entry["tm_code"])
    return {**entry, "records": [_checked_record(r, category) for r in records]}


def _checked_record(record: object, category: catalog.Category) -> dict[str, Any]:
    if not isinstance(record, dict) or set(record) != {
        "valid_from",
        "valid_to",
        "items",
    }:
        raise VerificationError("result_shape")
    if not isinstance(record["items"], dict):
        raise VerificationError("result_shape")

    items = {
        key: value
        for key, value in record["items"].items()
        if not INDIVIDUAL_NUMBER.fullmatch(str(value))
    }
    known = {item.key: item for item in category.items}
    for key, value in items.items():
        item = known.get(key)
        if item is None or not _value_fits(item, value):
            raise VerificationError("result_item")
    return {**record, "items": items}


def _value_fits(item: catalog.Item, value: object) -> bool:
    if item.kind in {"yen", "year", "count"}:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str) and len(value) <= 200
