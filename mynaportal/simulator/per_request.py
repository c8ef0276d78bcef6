"""Values read once per HTTP request: the clock, the forced servers, queued faults.

One back-channel call asks for the simulator's time several times (token
expiry, the calendar, the result's readiness); each used to be a database
round trip. Inside a request the first answer is kept and reused; the control
functions that change a value forget it, so a request that moves the clock
sees the new time. Outside a request (management commands, tests calling the
functions directly) nothing is kept and every call reads the database.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from django.http import HttpRequest
from django.http.response import HttpResponseBase

T = TypeVar("T")

_values: ContextVar[dict[str, object] | None] = ContextVar(
    "simulator_per_request", default=None
)


def remembered(name: str, read: Callable[[], T]) -> T:
    """``read()`` once per request; every call outside a request reads anew."""
    values = _values.get()
    if values is None:
        return read()

    if name not in values:
        values[name] = read()
    return values[name]  # type: ignore[return-value]


def forget(name: str) -> None:
    """Drop a kept value after changing what it was read from."""
    values = _values.get()
    if values is not None:
        values.pop(name, None)


class Memo:
    """Middleware: a fresh set of kept values for each request, dropped after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _values.set({})
        try:
            return self.get_response(request)
        finally:
            _values.reset(token)
