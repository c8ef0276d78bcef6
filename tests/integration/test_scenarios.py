"""Bad messages and faults on demand (S17, S20), met by the bank's own checks,
and CI's header layer (X-Simulator-Persona, X-Simulator-Pin, X-Simulator-Fault)."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from mynaportal.client import sealing
from mynaportal.client.models import Retrieval
from tests.conftest import Portal, queue
from tests.httpflow import WebFlow, callback_params
from tests.integration.test_simulator_protocol import CLIENT_ID, push


@pytest.fixture(autouse=True)
def nothing_left_queued(portal: Portal) -> Iterator[None]:
    yield
    requests.post(
        f"{portal.url}/api/v1/control/faults", json={"clear": True}, timeout=10
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError("the condition did not come true in time")


@pytest.mark.parametrize("message", ["iss_wrong", "iss_missing", "state_wrong"])
def test_a_spoiled_authorization_response_makes_no_token_call(
    flow_signed_in: WebFlow, portal: Portal, portal_calls: list[str], message: str
) -> None:
    queue(portal, "authorize", message)

    page = flow_signed_in.authorize()

    assert page.status_code == 400
    assert 'data-testid="callback-error"' in page.text
    assert "token" not in portal_calls


@pytest.mark.parametrize(
    "message",
    [
        "id_token_iss_wrong",
        "id_token_aud_wrong",
        "id_token_expired",
        "id_token_nonce_wrong",
        "id_token_alg_none",
        "id_token_bad_signature",
        "id_token_unknown_kid",
    ],
)
def test_a_bad_id_token_fails_the_retrieval_with_no_data_call(
    flow_signed_in: WebFlow, portal: Portal, portal_calls: list[str], message: str
) -> None:
    queue(portal, "token", message)

    flow_signed_in.authorize()

    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.FAILED
    assert retrieval.access_token_sealed == ""
    assert "request" not in portal_calls
    assert "result" not in portal_calls


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("result_other_person", "result_other_person"),
        ("result_aud_wrong", "claim_aud"),
        ("result_iss_wrong", "claim_iss"),
        ("result_expired", "claim_exp"),
        ("result_alg_none", "signature_no_kid"),
        ("result_bad_signature", "signature"),
        ("result_unknown_kid", "signature"),
        ("result_unknown_field", "result_item"),
    ],
)
def test_a_bad_result_is_rejected_and_nothing_is_filled(
    flow_signed_in: WebFlow, portal: Portal, message: str, code: str
) -> None:
    queue(portal, "result", message)

    flow_signed_in.authorize()

    wait_for(lambda: Retrieval.objects.filter(state=Retrieval.State.FAILED).exists())
    retrieval = Retrieval.objects.get()
    assert retrieval.error_code == code
    assert retrieval.result_sealed == ""


def test_an_individual_number_in_a_result_is_dropped_before_it_is_stored(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    queue(portal, "result", "result_individual_number")

    flow_signed_in.authorize()

    wait_for(lambda: Retrieval.objects.filter(state=Retrieval.State.COMPLETED).exists())
    stored = sealing.unseal(Retrieval.objects.get().result_sealed)
    assert "individual_number" not in stored
    assert "5670000" in stored


def test_ci_gets_a_code_through_the_header_layer(
    portal: Portal, client_keys: Path, bank: str
) -> None:
    params = _par_params(bank)
    request_uri = push(portal, client_keys, params).json()["request_uri"]

    answer = requests.get(
        f"{portal.url}/oauth/authorize",
        params={"client_id": CLIENT_ID, "request_uri": request_uri},
        headers={"X-Simulator-Persona": "yamada-hanako", "X-Simulator-Pin": "1234"},
        allow_redirects=False,
        timeout=10,
    )

    query = callback_params(answer)
    assert set(query) == {"code", "state", "iss"}
    assert query["state"] == params["state"]


def test_a_wrong_pin_by_header_is_refused_and_counted(
    portal: Portal, client_keys: Path, bank: str
) -> None:
    request_uri = push(portal, client_keys, _par_params(bank)).json()["request_uri"]

    answer = requests.get(
        f"{portal.url}/oauth/authorize",
        params={"client_id": CLIENT_ID, "request_uri": request_uri},
        headers={"X-Simulator-Persona": "matsumoto-tsubasa", "X-Simulator-Pin": "0000"},
        allow_redirects=False,
        timeout=10,
    )

    location = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert location["error"] == ["access_denied"]
    assert location["error_description"] == ["identity_verification_failed:card_locked"]


def test_a_fault_by_header_answers_that_request_only(portal: Portal) -> None:
    faulty = requests.post(
        f"{portal.url}/request", headers={"X-Simulator-Fault": "503"}, timeout=10
    )
    plain = requests.post(f"{portal.url}/request", timeout=10)

    assert faulty.status_code == 503
    assert faulty.headers["Retry-After"] == "1"
    assert plain.status_code == 401


def _par_params(bank: str) -> dict[str, str]:
    from tests.integration.test_simulator_protocol import challenge

    return {
        "response_type": "code",
        "redirect_uri": f"{bank}/mynaportal/callback/",
        "state": f"state-{time.time_ns()}",
        "nonce": f"nonce-{time.time_ns()}",
        "code_challenge": challenge("v" * 64),
        "code_challenge_method": "S256",
        "tm_codes": "TM02010000000001",
    }


def test_a_partial_record_fills_nothing_and_says_why(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    queue(portal, "result", "result_partial_record")

    flow_signed_in.authorize()

    wait_for(lambda: Retrieval.objects.filter(state=Retrieval.State.COMPLETED).exists())
    form = flow_signed_in.http.get(f"{flow_signed_in.bank}/loans/apply/").text
    assert 'data-testid="incomplete-record"' in form
    assert 'name="annual_income_man_yen"' in form
    assert 'value="567"' not in form


def test_a_long_processing_is_polled_until_ready(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    queue(portal, "request", "long_processing")

    flow_signed_in.authorize()

    time.sleep(5)
    assert Retrieval.objects.get().state == Retrieval.State.REQUESTED
    wait_for(
        lambda: Retrieval.objects.filter(state=Retrieval.State.COMPLETED).exists(),
        timeout=60,
    )


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "value": 429},
        {"kind": "status", "value": 503},
        {"kind": "malformed"},
        {"kind": "reset"},
    ],
)
def test_a_transient_fault_is_retried_and_the_retrieval_completes(
    flow_signed_in: WebFlow, portal: Portal, fault: dict[str, Any]
) -> None:
    answer = requests.post(
        f"{portal.url}/api/v1/control/faults",
        json={"endpoint": "result", **fault},
        timeout=10,
    )
    assert answer.status_code == 200

    flow_signed_in.authorize()

    wait_for(lambda: Retrieval.objects.filter(state=Retrieval.State.COMPLETED).exists())
    assert Retrieval.objects.get().attempts == 1


def test_a_hang_past_the_timeout_is_retried(
    flow_signed_in: WebFlow, portal: Portal, celery_worker: Any
) -> None:
    celery_worker.start(MYNAPORTAL_TIMEOUT_SECONDS="2")
    requests.post(
        f"{portal.url}/api/v1/control/faults",
        json={"endpoint": "result", "kind": "delay", "value": 4},
        timeout=10,
    )

    try:
        flow_signed_in.authorize()
        wait_for(
            lambda: Retrieval.objects.filter(state=Retrieval.State.COMPLETED).exists(),
            timeout=40,
        )
    finally:
        celery_worker.start()

    retrieval = Retrieval.objects.get()
    assert retrieval.attempts == 1
    assert retrieval.error_code == ""


def test_a_rotated_portal_key_keeps_flows_working(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    before = requests.get(f"{portal.url}/jwks.json", timeout=10).json()["keys"]
    rotated = requests.post(
        f"{portal.url}/api/v1/control/keys", json={"rotate": True}, timeout=10
    ).json()["keys"]

    flow_signed_in.authorize()

    wait_for(lambda: Retrieval.objects.filter(state=Retrieval.State.COMPLETED).exists())
    assert len(rotated) == len(before) + 1
    assert {key["kid"] for key in before} < {key["kid"] for key in rotated}
