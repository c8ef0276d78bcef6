"""The simulator reads its clock, what is forced or queued and which signing key is
current in one statement per call.

Run inside the simulator's own settings and database (``manage.py shell``), the
way a call runs: one request through the per-request middleware, with the
statements it sends to the database counted.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import Portal

ONE_CALL = """
import json
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext
from mynaportal.simulator import clock, faults, per_request

seen = {}

def view(request):
    seen["now"] = clock.now().isoformat()
    seen["forced"] = clock.forced_states()
    seen["queued"] = sorted(map(list, faults.queued()))
    clock.now(), clock.forced_states(), faults.queued()
    return HttpResponse()

with CaptureQueriesContext(connection) as statements:
    per_request.Memo(view)(HttpRequest())
print(json.dumps({**seen, "statements": len(statements.captured_queries)}))
"""


SIGNING_CALLS = """
import json
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext
from mynaportal.simulator import keys, per_request

kids = []

def signs(request):
    kids.append(keys.current_signing_key().kid)
    kids.append(keys.current_signing_key().kid)
    return HttpResponse()

def rotates(request):
    keys.rotate_signing_key()
    kids.append(keys.current_signing_key().kid)
    return HttpResponse()

counted = []
for view in (signs, signs, rotates, signs):
    with CaptureQueriesContext(connection) as statements:
        per_request.Memo(view)(HttpRequest())
    counted.append(len(statements.captured_queries))
print(json.dumps({"kids": kids, "statements": counted[1:]}))
"""


def _control(portal: Portal, what: str, body: dict[str, Any]) -> None:
    answer = requests.post(f"{portal.url}/api/v1/control/{what}", json=body, timeout=10)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def calm_portal(portal: Portal) -> Iterator[Portal]:
    """Real time, every server on its calendar, nothing queued; and so after."""

    def calm() -> None:
        _control(portal, "clock", {"reset": True})
        _control(portal, "servers", {"server": "municipal", "state": "calendar"})
        _control(portal, "faults", {"clear": True})

    calm()
    yield portal
    calm()


def test_a_call_with_nothing_forced_or_queued_reads_one_statement(
    calm_portal: Portal,
) -> None:
    call = calm_portal.shell_json(ONE_CALL)

    assert call["statements"] == 1
    assert call["forced"] == {}
    assert call["queued"] == []


def test_the_same_statement_brings_the_frozen_clock(calm_portal: Portal) -> None:
    at = "2026-12-19T23:00:00+09:00"
    _control(calm_portal, "clock", {"at": at, "frozen": True})

    call = calm_portal.shell_json(ONE_CALL)

    assert call["now"] == "2026-12-19T14:00:00+00:00"
    assert call["statements"] == 1


def test_a_forced_server_and_a_queued_fault_are_read_once_each(
    calm_portal: Portal,
) -> None:
    _control(calm_portal, "servers", {"server": "municipal", "state": "down"})
    fault = {"endpoint": "result", "kind": "status", "value": 503, "times": 2}
    _control(calm_portal, "faults", fault)

    call = calm_portal.shell_json(ONE_CALL)

    assert call["forced"] == {"municipal": False}
    assert call["queued"] == [["result", "status"]]
    assert call["statements"] == 3


def test_a_call_that_signs_reads_a_key_row_only_the_first_time_it_meets_the_key(
    calm_portal: Portal,
) -> None:
    calls = calm_portal.shell_json(SIGNING_CALLS)

    before, rotated = calls["kids"][:4], calls["kids"][4:]
    assert len(set(before)) == 1
    assert len(set(rotated)) == 1
    assert rotated[0] != before[0]
    # Signing again: the state alone. Rotating: the state, the new row, the
    # state again (the change made it stale) and the new key, once; then the
    # state alone again.
    assert calls["statements"] == [1, 4, 1]
    published = requests.get(f"{calm_portal.url}/jwks.json", timeout=10).json()
    assert rotated[0] in [key["kid"] for key in published["keys"]]
