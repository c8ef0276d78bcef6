"""The protocol inspector: every step of a flow, with timing, HTTP status and the
decoded JOSE headers and claims, personal values masked.

A flow is one pushed authorization request and everything that follows from
it: the screens, the code, the tokens, the requests, results and notices.
"""

import base64
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mynaportal.simulator.models import TraceEvent

MASK = "•••"
SECRET_FIELDS = {"code", "code_verifier", "client_assertion", "refresh_token"}
SHOWN_CLAIMS = {"iss", "aud", "exp", "iat", "auth_time", "jti", "event", "process_id"}


def new_flow_key() -> str:
    return secrets.token_hex(8)


def record(
    flow_key: str, name: str, status: int, started: float, **summary: Any
) -> None:
    """Store one step of a flow (nothing when the flow is unknown)."""
    if not flow_key:
        return

    TraceEvent.objects.create(
        flow_key=flow_key,
        step=name,
        status=status,
        duration_ms=int((time.monotonic() - started) * 1000),
        summary=summary,
    )


@contextmanager
def step(flow_key: str, name: str) -> Iterator[dict[str, Any]]:
    """Time a step and record it; the body fills in ``status`` and details."""
    started = time.monotonic()
    summary: dict[str, Any] = {"status": 200}
    try:
        yield summary
    finally:
        status = int(summary.pop("status", 200))
        record(flow_key, name, status, started, **summary)


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


def flows(limit: int = 50) -> list[dict[str, Any]]:
    """The most recent flows, newest first, with their last step."""
    keys: list[str] = []
    for key in TraceEvent.objects.order_by("-at").values_list("flow_key", flat=True):
        if key not in keys:
            keys.append(key)
        if len(keys) >= limit:
            break
    return [{"flow_key": key, "events": timeline(key)} for key in keys]


def timeline(flow_key: str) -> list[dict[str, Any]]:
    """The steps of one flow, in order, as JSON."""
    return [
        {
            "step": event.step,
            "at": event.at.isoformat(),
            "status": event.status,
            "duration_ms": event.duration_ms,
            "summary": event.summary,
        }
        for event in TraceEvent.objects.filter(flow_key=flow_key)
    ]
