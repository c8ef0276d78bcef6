"""Faults on demand (SECURITY S17), so a client's error handling can be tested.

A fault applies to the next calls of one endpoint, as many times as asked.
"""

import errno
import socket
import struct
import time
from collections.abc import Iterator, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from mynaportal.simulator import control_state, per_request
from mynaportal.simulator.models import Fault

ENDPOINTS = {"par", "token", "revoke", "request", "result"}
MAX_DELAY_SECONDS = 120
QUEUED = "queued_faults"


def add(endpoint: object, kind: object, value: object, times: object) -> Fault:
    """Queue a fault; raise ValueError with a clear reason for bad input."""
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {sorted(ENDPOINTS)}")
    if kind not in {Fault.DELAY, Fault.STATUS, Fault.MALFORMED, Fault.RESET}:
        raise ValueError("kind must be delay, status, malformed or reset")
    if not isinstance(value, int | float) or not 0 <= value <= 600:
        raise ValueError("value must be a number from 0 to 600")
    if not isinstance(times, int) or not 1 <= times <= 10_000:
        raise ValueError("times must be a whole number from 1 to 10000")
    if kind == Fault.STATUS and not 400 <= value <= 599:
        raise ValueError("a status fault needs an HTTP status from 400 to 599")

    forget_queued()
    return Fault.objects.create(
        endpoint=endpoint, kind=kind, value=float(value), remaining=times
    )


def clear() -> None:
    forget_queued()
    Fault.objects.all().delete()


def forget_queued() -> None:
    """After queuing or clearing: this request reads the queue again."""
    per_request.forget(QUEUED)
    control_state.forget()


def queued() -> set[tuple[str, str]]:
    """(endpoint, kind) of every fault and bad message still to be played.

    Read once per request, without a lock, and only when the control state
    says something is queued: only an endpoint with something queued takes the
    locked path that plays it exactly once.
    """
    if not control_state.current().faults_queued:
        return set()

    return per_request.remembered(
        QUEUED,
        lambda: set(
            Fault.objects.filter(remaining__gt=0).values_list("endpoint", "kind")
        ),
    )


def _take(endpoint: str) -> Fault | None:
    waiting = {kind for name, kind in queued() if name == endpoint}
    if not waiting - {Fault.BAD_MESSAGE}:
        return None

    with transaction.atomic():
        fault = (
            Fault.objects.select_for_update()
            .filter(endpoint=endpoint, remaining__gt=0)
            .exclude(kind=Fault.BAD_MESSAGE)
            .first()
        )
        if fault is None:
            return None
        Fault.objects.filter(pk=fault.pk).update(
            remaining=F("remaining") - 1, hits=F("hits") + 1
        )
    return fault


HEADER = "X-Simulator-Fault"


def from_header(value: str) -> Fault | None:
    """A fault for this one request: ``503``, ``delay=5``, ``malformed``, ``reset``."""
    value = value.strip()
    if not value:
        return None
    if value in {Fault.MALFORMED, Fault.RESET}:
        return Fault(kind=value)
    if value.startswith("delay="):
        seconds = value.removeprefix("delay=")
        if seconds.replace(".", "", 1).isdigit():
            return Fault(kind=Fault.DELAY, value=float(seconds))
    if value.isdigit() and 400 <= int(value) <= 599:
        return Fault(kind=Fault.STATUS, value=float(value))
    raise ValueError(f"{HEADER} must be a status, delay=<seconds>, malformed or reset")


def apply(
    endpoint: str, header: str = "", environ: Mapping[str, Any] | None = None
) -> HttpResponseBase | None:
    """Play this request's fault, or the endpoint's next queued one."""
    fault = from_header(header) or _take(endpoint)
    if fault is None:
        return None

    if fault.kind == Fault.DELAY:
        time.sleep(min(fault.value, MAX_DELAY_SECONDS))
        return None
    if fault.kind == Fault.MALFORMED:
        return HttpResponse(b'{"status": "compl', content_type="application/json")
    if fault.kind == Fault.RESET:
        return _reset(environ or {})

    status = int(fault.value)
    if status == 401:
        return _invalid_token()

    response = JsonResponse(
        {"error": "temporarily_unavailable", "error_description": "Injected fault"},
        status=status,
    )
    if status in {429, 503}:
        response["Retry-After"] = "1"
    return response


def _invalid_token() -> HttpResponse:
    """What a real resource server says (RFC 6750 §3.1), to test a refresh (R24)."""
    response = JsonResponse(
        {"error": "invalid_token", "error_description": "Injected fault"}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response


def _reset(environ: Mapping[str, Any]) -> HttpResponseBase:
    """Drop the connection with a TCP reset, before any byte of an answer.

    Only a server that hands the application its socket (gunicorn, which runs
    the simulator in ``make demo``, ``make simulator`` and the tests) can do
    this; elsewhere the answer is a 502 that says why.
    """
    connection = environ.get("gunicorn.socket")
    if not isinstance(connection, socket.socket):
        return JsonResponse(
            {
                "error": "temporarily_unavailable",
                "error_description": "A reset needs the simulator under gunicorn",
            },
            status=502,
        )
    return StreamingHttpResponse(_cut(connection), status=502)


def _cut(connection: socket.socket) -> Iterator[bytes]:
    """Close the socket when the server starts on the answer's first byte.

    A zero linger time makes close() send RST instead of FIN; the error raised
    then tells gunicorn the connection is gone, so it writes nothing more.
    """
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()
    raise ConnectionResetError(errno.ECONNRESET, "Injected connection reset")
    yield b""  # a generator, so that nothing runs before the server iterates
