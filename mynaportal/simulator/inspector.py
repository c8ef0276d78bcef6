"""The simulator's protocol inspector: every step of a flow, with timing, HTTP
status and the decoded JOSE headers and claims, personal values masked.

A flow is one pushed authorization request and everything that follows from
it: the screens, the code, the tokens, the requests, results and notices.
"""

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Max

from mynaportal.jose_display import decoded, jwe_header, masked_params
from mynaportal.simulator.models import TraceEvent

__all__ = ["decoded", "flows", "jwe_header", "masked_params", "record", "timeline"]


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
        summary=_storable(summary),
    )


def _storable(value: Any) -> Any:
    """The summary with text any database's JSON column accepts.

    A request may carry NUL characters or lone surrogates; they are shown
    replaced rather than failing the step being recorded.
    """
    if isinstance(value, str):
        text = value.replace("\x00", "\ufffd")
        return text.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


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


def flows(limit: int = 50) -> list[dict[str, Any]]:
    """The most recent flows, newest first, with their steps: two queries, however
    many events are stored."""
    keys = list(
        TraceEvent.objects.values("flow_key")
        .annotate(last=Max("at"))
        .order_by("-last", "-flow_key")
        .values_list("flow_key", flat=True)[:limit]
    )
    steps: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    for event in TraceEvent.objects.filter(flow_key__in=keys):
        steps[event.flow_key].append(_as_json(event))
    return [{"flow_key": key, "events": events} for key, events in steps.items()]


def timeline(flow_key: str) -> list[dict[str, Any]]:
    """The steps of one flow, in order, as JSON."""
    return [_as_json(event) for event in TraceEvent.objects.filter(flow_key=flow_key)]


def _as_json(event: TraceEvent) -> dict[str, Any]:
    return {
        "step": event.step,
        "at": event.at.isoformat(),
        "status": event.status,
        "duration_ms": event.duration_ms,
        "summary": event.summary,
    }
