"""Display of protocol messages for the inspectors of both sides.

Tokens are decoded without trust, for people to read; every personal value
below the protocol's own claims is masked.
"""

import base64
import json
from typing import Any

MASK = "•••"
SECRET_FIELDS = {"code", "code_verifier", "client_assertion", "refresh_token"}
SHOWN_CLAIMS = {"iss", "aud", "exp", "iat", "auth_time", "jti", "event", "process_id"}


def masked_params(params: dict[str, str]) -> dict[str, str]:
    """Form parameters with secrets cut short."""
    return {
        name: _short(value) if name in SECRET_FIELDS else value
        for name, value in params.items()
    }


def _short(value: str) -> str:
    return value[:4] + "…" if len(value) > 4 else MASK


def decoded(token: str) -> dict[str, Any]:
    """A JWS's header and claims, decoded without trust, for display only."""
    parts = token.split(".")
    if len(parts) != 3:
        return {"error": "not a compact JWS"}
    try:
        header, claims = (json.loads(_b64decode(part)) for part in parts[:2])
    except (ValueError, UnicodeDecodeError):
        return {"error": "not decodable"}
    return {"header": header, "claims": masked_claims(claims)}


def jwe_header(token: str) -> dict[str, Any]:
    try:
        header: dict[str, Any] = json.loads(_b64decode(token.split(".")[0]))
    except (ValueError, UnicodeDecodeError, IndexError):
        return {"error": "not decodable"}
    return header


def masked_claims(claims: object) -> object:
    """Keep the protocol's claims; mask every personal value below them."""
    if not isinstance(claims, dict):
        return MASK
    return {
        name: value if name in SHOWN_CLAIMS else _masked(name, value)
        for name, value in claims.items()
    }


def _masked(name: str, value: object) -> object:
    if name in {"sub", "nonce"} and isinstance(value, str):
        return _short(value)
    if name == "selfPersonalData" and isinstance(value, list):
        return [_masked_entry(entry) for entry in value]
    return MASK


def _masked_entry(entry: object) -> object:
    if not isinstance(entry, dict):
        return MASK

    records = entry.get("records")
    records = records if isinstance(records, list) else []
    items = {
        key
        for record in records
        if isinstance(record, dict) and isinstance(record.get("items"), dict)
        for key in record["items"]
    }
    return {
        "tm_code": entry.get("tm_code"),
        "name": entry.get("name"),
        "records": len(records),
        "items": sorted(items),
    }


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
