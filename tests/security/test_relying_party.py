"""The bank as a relying party, case by case (SECURITY.md R1–R35).

A client case passes only if the bank shows an error and makes no further
call to the portal. Cases covered elsewhere are named there after their id
where they are whole tests (e.g. tests/integration/test_data_protection.py);
the rest are here.
"""

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest
import requests
from pytest_django.fixtures import Settings

from mynaportal.client import portal as seam
from mynaportal.client import sealing
from mynaportal.client.models import Retrieval
from mynaportal.simulator.personas import invalid_individual_number
from tests.conftest import CUSTOMER_PASSWORD, ROOT, Portal, queue
from tests.httpflow import (
    HOLDER,
    PIN,
    TYPED,
    WebFlow,
    callback_params,
    csrf_of,
    field_value,
)


@pytest.fixture(autouse=True)
def no_fault_left(portal: Portal) -> Iterator[None]:
    yield
    requests.post(
        f"{portal.url}/api/v1/control/faults", json={"clear": True}, timeout=10
    )


def redirect_back(flow: WebFlow, holder: str = HOLDER, pin: str = PIN) -> Any:
    identity = flow.consent(flow.start(**TYPED))
    return flow.identify(identity, holder, pin, follow=False)


def test_r1_metadata_naming_another_issuer_stops_before_par(
    flow_signed_in: WebFlow, portal: Portal, settings: Settings, portal_calls: list[str]
) -> None:
    settings.MYNAPORTAL_ISSUER = portal.url.replace("127.0.0.1", "localhost")

    page = flow_signed_in.start(**TYPED)

    assert page.url == f"{flow_signed_in.bank}/loans/apply/"
    assert "マイナポータルに接続できませんでした" in page.text
    assert portal_calls == ["metadata"]
    assert Retrieval.objects.count() == 0


def test_r3_a_cross_site_start_without_csrf_token_is_refused(
    flow_signed_in: WebFlow, portal_calls: list[str]
) -> None:
    answer = flow_signed_in.http.post(
        f"{flow_signed_in.bank}/loans/apply/",
        data={"fetch_income": "1", **TYPED},
        headers={"Origin": "https://evil.example"},
    )

    assert answer.status_code == 403
    assert portal_calls == []


def test_r4_the_browser_redirect_carries_only_client_id_and_request_uri(
    flow_signed_in: WebFlow,
) -> None:
    form = flow_signed_in.http.get(f"{flow_signed_in.bank}/loans/apply/")
    answer = flow_signed_in.http.post(
        f"{flow_signed_in.bank}/loans/apply/",
        data={"csrfmiddlewaretoken": csrf_of(form.text), "fetch_income": "1", **TYPED},
        headers={"Referer": f"{flow_signed_in.bank}/loans/apply/"},
        allow_redirects=False,
    )

    query = callback_params_of(answer.headers["Location"])
    assert set(query) == {"client_id", "request_uri"}


def callback_params_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_r5_two_transactions_share_no_state_nonce_or_verifier(
    flow_signed_in: WebFlow,
) -> None:
    flow_signed_in.start(**TYPED)
    flow_signed_in.start(**TYPED)

    first, second = Retrieval.objects.order_by("created_at")
    assert first.oauth_state != second.oauth_state
    assert first.nonce != second.nonce
    assert first.code_verifier_sealed != second.code_verifier_sealed


def test_r9_a_callback_without_the_banks_session_is_rejected(
    flow_signed_in: WebFlow, portal_calls: list[str]
) -> None:
    params = callback_params(redirect_back(flow_signed_in))
    stranger = requests.Session()

    answer = stranger.get(f"{flow_signed_in.bank}/mynaportal/callback/", params=params)

    assert answer.status_code == 400
    assert "token" not in portal_calls
    assert Retrieval.objects.get().state == Retrieval.State.STARTED


def test_r10_another_persons_code_fails_pkce_and_stores_nothing(
    flow_signed_in: WebFlow, portal: Portal, other_customer: Any
) -> None:
    victim = callback_params(redirect_back(flow_signed_in))
    attacker = WebFlow(bank=flow_signed_in.bank, portal=portal.url)
    attacker.sign_in("taro@example.com", CUSTOMER_PASSWORD)
    own = callback_params(redirect_back(attacker, "佐藤 美咲", "4567"))

    injected = {**own, "code": victim["code"]}
    attacker.http.get(f"{attacker.bank}/mynaportal/callback/", params=injected)

    attacked = Retrieval.objects.get(owner=other_customer)
    assert attacked.state == Retrieval.State.FAILED
    assert attacked.error_code == "invalid_grant"
    assert attacked.access_token_sealed == ""


def test_r12_token_endpoint_down_offers_a_fresh_start_and_no_half_record(
    flow_signed_in: WebFlow, portal: Portal, portal_calls: list[str]
) -> None:
    requests.post(
        f"{portal.url}/api/v1/control/faults",
        json={"endpoint": "token", "kind": "status", "value": 503},
        timeout=10,
    )

    status = flow_signed_in.http.get(redirect_back(flow_signed_in).headers["Location"])

    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.FAILED
    assert retrieval.access_token_sealed == ""
    assert "申込画面に戻る" in status.text
    assert portal_calls.count("token") == 1
    assert "request" not in portal_calls


def wait_for_state(state: str, timeout: float = 30) -> Retrieval:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        retrieval = Retrieval.objects.filter(state=state).first()
        if retrieval is not None:
            return retrieval
        time.sleep(0.3)
    states = list(Retrieval.objects.values_list("state", "error_code"))
    raise AssertionError(f"no retrieval reached {state} in time: {states}")


def settled_calls(retrieval: Retrieval) -> list[str]:
    """The bank's calls to the portal for a retrieval, once nothing more comes.

    Calls made by the worker are in another process: the bank notes each one
    on the retrieval, so the notes are the record of every call it made.
    """
    before = list(retrieval.events.values_list("step", flat=True))
    time.sleep(2)
    after = list(retrieval.events.values_list("step", flat=True))
    assert after == before, "the bank went on calling the portal"
    return after


def _without_state(params: dict[str, str], flow: WebFlow) -> dict[str, str]:
    return {name: value for name, value in params.items() if name != "state"}


def _wrong_state(params: dict[str, str], flow: WebFlow) -> dict[str, str]:
    return {**params, "state": params["state"] + "x"}


@pytest.mark.parametrize("tamper", [_without_state, _wrong_state])
def test_r6_callback_with_missing_or_wrong_state_makes_no_token_call(
    flow_signed_in: WebFlow, portal_calls: list[str], tamper: Any
) -> None:
    params = tamper(callback_params(redirect_back(flow_signed_in)), flow_signed_in)

    answer = flow_signed_in.http.get(
        f"{flow_signed_in.bank}/mynaportal/callback/", params=params
    )

    assert answer.status_code == 400
    assert 'data-testid="callback-error"' in answer.text
    assert "token" not in portal_calls
    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.STARTED
    assert retrieval.access_token_sealed == ""


def test_r6_callback_from_another_session_makes_no_token_call(
    flow_signed_in: WebFlow, portal: Portal, portal_calls: list[str]
) -> None:
    params = callback_params(redirect_back(flow_signed_in))
    same_customer_elsewhere = WebFlow(bank=flow_signed_in.bank, portal=portal.url)
    same_customer_elsewhere.sign_in("hanako@example.com", CUSTOMER_PASSWORD)

    answer = same_customer_elsewhere.http.get(
        f"{flow_signed_in.bank}/mynaportal/callback/", params=params
    )

    assert answer.status_code == 400
    assert 'data-testid="callback-error"' in answer.text
    assert "token" not in portal_calls
    assert Retrieval.objects.get().access_token_sealed == ""


def test_r6_callback_with_replayed_state_makes_no_token_call(
    flow_signed_in: WebFlow, portal_calls: list[str]
) -> None:
    params = callback_params(redirect_back(flow_signed_in))
    callback = f"{flow_signed_in.bank}/mynaportal/callback/"
    flow_signed_in.http.get(callback, params=params)
    calls_after_first = list(portal_calls)

    answer = flow_signed_in.http.get(callback, params=params)

    assert answer.status_code == 400
    assert 'data-testid="callback-error"' in answer.text
    assert calls_after_first.count("token") == 1
    assert portal_calls == calls_after_first


@pytest.mark.parametrize("issuer", [None, "https://evil.example", "trailing-slash"])
def test_r7_callback_with_missing_or_wrong_iss_makes_no_token_call(
    flow_signed_in: WebFlow, portal: Portal, portal_calls: list[str], issuer: Any
) -> None:
    params = callback_params(redirect_back(flow_signed_in))
    if issuer is None:
        del params["iss"]
    else:
        params["iss"] = portal.url + "/" if issuer == "trailing-slash" else issuer

    answer = flow_signed_in.http.get(
        f"{flow_signed_in.bank}/mynaportal/callback/", params=params
    )

    assert answer.status_code == 400
    assert "応答の発行元がマイナポータルであることを確認できませんでした" in answer.text
    assert "token" not in portal_calls
    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.STARTED
    assert retrieval.access_token_sealed == ""


def test_r8_consent_declined_leaves_no_data_and_no_job(
    flow_signed_in: WebFlow, portal_calls: list[str]
) -> None:
    consent_page = flow_signed_in.start(**TYPED)

    form = flow_signed_in.cancel_consent(consent_page)

    assert form.url == f"{flow_signed_in.bank}/loans/apply/"
    assert "マイナポータルでの情報提供がキャンセルされました" in form.text
    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.CANCELLED
    assert retrieval.error_code == "access_denied"
    assert retrieval.access_token_sealed == ""
    assert retrieval.result_sealed == ""
    assert settled_calls(retrieval)[-1] == "par"
    assert "token" not in portal_calls


def test_r11_callback_replayed_after_success_leaves_the_first_result_intact(
    flow_signed_in: WebFlow, portal_calls: list[str]
) -> None:
    params = callback_params(redirect_back(flow_signed_in))
    callback = f"{flow_signed_in.bank}/mynaportal/callback/"
    status = flow_signed_in.http.get(callback, params=params)
    flow_signed_in.wait_until_filled(status.url)
    first = Retrieval.objects.get()

    replay = flow_signed_in.http.get(callback, params=params)

    assert replay.status_code == 400
    assert 'data-testid="callback-error"' in replay.text
    assert portal_calls.count("token") == 1
    again = Retrieval.objects.get()
    assert again.state == Retrieval.State.COMPLETED
    assert again.result_sealed == first.result_sealed
    assert again.access_token_sealed == first.access_token_sealed


@pytest.mark.parametrize(
    "address",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_r13_return_addresses_off_the_site_are_ignored(
    address: str, client: Any, customer: Any
) -> None:
    from mynaportal.client.authorization import safe_return_path

    login = client.post(
        f"/accounts/login/?next={quote(address)}",
        {"login": "hanako@example.com", "password": CUSTOMER_PASSWORD},
    )

    assert safe_return_path(address, "/loans/apply/") == "/loans/apply/"
    assert login.status_code == 302
    assert login["Location"] == "/"


def failed_in_the_callback(flow: WebFlow) -> Retrieval:
    """Run the journey; the bank must stop at the token answer, with no data call."""
    page = flow.authorize()

    assert 'data-state="failed"' in page.text
    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.FAILED
    assert retrieval.access_token_sealed == ""
    assert "request" not in settled_calls(retrieval)
    return retrieval


def failed_at_the_result(flow: WebFlow) -> Retrieval:
    """Run the journey; the bank must refuse the result and fill nothing."""
    flow.authorize()

    retrieval = wait_for_state(Retrieval.State.FAILED)
    assert retrieval.result_sealed == ""
    assert settled_calls(retrieval)[-1] in {"result", "jwks"}
    form = flow.http.get(f"{flow.bank}/loans/apply/").text
    assert 'data-testid="income-source"' not in form
    return retrieval


def failed_on_bad(flow: WebFlow, portal: Portal, step: str, flaw: str) -> Retrieval:
    """Queue the bad ID token (``token``) or result (``result``) and run the journey."""
    prefix = "id_token" if step == "token" else "result"
    queue(portal, step, f"{prefix}_{flaw}")

    if step == "token":
        return failed_in_the_callback(flow)
    return failed_at_the_result(flow)


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("id_token_iss_wrong", "claim_iss"),
        ("id_token_iss_missing", "claim_iss"),
        ("id_token_aud_wrong", "claim_aud"),
        ("id_token_aud_missing", "claim_aud"),
        ("id_token_expired", "claim_exp"),
        ("id_token_exp_missing", "claim_exp"),
        ("id_token_iat_missing", "claim_iat"),
        ("id_token_iat_future", "claim_iat"),
        ("id_token_nonce_wrong", "id_token_nonce"),
        ("id_token_nonce_missing", "id_token_nonce"),
        ("id_token_sub_missing", "claim_sub"),
    ],
)
def test_r15_an_id_token_with_a_wrong_or_missing_claim_is_rejected(
    flow_signed_in: WebFlow, portal: Portal, message: str, code: str
) -> None:
    queue(portal, "token", message)

    assert failed_in_the_callback(flow_signed_in).error_code == code


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("result_iss_wrong", "claim_iss"),
        ("result_aud_wrong", "claim_aud"),
        ("result_expired", "claim_exp"),
        ("result_sub_missing", "claim_sub"),
    ],
)
def test_r15_a_result_with_a_wrong_or_missing_claim_is_rejected(
    flow_signed_in: WebFlow, portal: Portal, message: str, code: str
) -> None:
    queue(portal, "result", message)

    assert failed_at_the_result(flow_signed_in).error_code == code


def test_r15_an_audience_as_a_one_element_list_is_accepted(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    queue(portal, "token", "id_token_aud_list")

    status = flow_signed_in.authorize()

    form = flow_signed_in.wait_until_filled(status.url)
    assert field_value(form.text, "annual_income_man_yen") == "567"


@pytest.mark.parametrize("step", ["token", "result"])
def test_r16_an_unsigned_token_is_rejected(
    flow_signed_in: WebFlow, portal: Portal, step: str
) -> None:
    retrieval = failed_on_bad(flow_signed_in, portal, step, "alg_none")

    assert retrieval.error_code == "signature_no_kid"


@pytest.mark.parametrize("step", ["token", "result"])
def test_r17_an_algorithm_outside_the_allowed_list_is_rejected(
    flow_signed_in: WebFlow, portal: Portal, step: str
) -> None:
    retrieval = failed_on_bad(flow_signed_in, portal, step, "alg_not_allowed")

    assert retrieval.error_code == "signature"


@pytest.mark.parametrize("step", ["token", "result"])
def test_r18_hs256_keyed_with_the_public_key_is_rejected(
    flow_signed_in: WebFlow, portal: Portal, step: str
) -> None:
    retrieval = failed_on_bad(flow_signed_in, portal, step, "alg_hs256")

    assert retrieval.error_code == "signature"


@pytest.mark.parametrize(
    "message",
    ["id_token_bad_signature", "result_bad_signature", "result_unknown_kid"],
)
def test_r19_a_tampered_signature_or_unknown_key_is_rejected(
    flow_signed_in: WebFlow, portal: Portal, message: str
) -> None:
    queue(portal, "token" if message.startswith("id_token") else "result", message)

    if message.startswith("id_token"):
        retrieval = failed_in_the_callback(flow_signed_in)
    else:
        retrieval = failed_at_the_result(flow_signed_in)
    assert retrieval.error_code == "signature"


def test_r19_an_unknown_kid_causes_one_jwks_refetch_then_rejection(
    flow_signed_in: WebFlow, portal: Portal, portal_calls: list[str]
) -> None:
    seam._cache.clear()
    queue(portal, "token", "id_token_unknown_kid")

    retrieval = failed_in_the_callback(flow_signed_in)

    assert retrieval.error_code == "signature"
    assert portal_calls.count("jwks") == 2
    assert portal_calls[-2:] == ["jwks", "jwks"]


def test_r20_a_result_for_another_person_is_rejected_and_nothing_filled(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    queue(portal, "result", "result_other_person")

    retrieval = failed_at_the_result(flow_signed_in)

    assert retrieval.error_code == "result_other_person"
    form = flow_signed_in.http.get(f"{flow_signed_in.bank}/loans/apply/").text
    assert field_value(form, "annual_income_man_yen") in {None, ""}


@pytest.mark.parametrize("step", ["token", "result"])
def test_r22_keys_offered_in_jku_x5u_or_jwk_headers_are_ignored(
    flow_signed_in: WebFlow, portal: Portal, step: str
) -> None:
    retrieval = failed_on_bad(flow_signed_in, portal, step, "embedded_jwk")

    assert retrieval.error_code == "signature"


def _fail_next(portal: Portal, endpoint: str, status: int, times: int) -> None:
    answer = requests.post(
        f"{portal.url}/api/v1/control/faults",
        json={"endpoint": endpoint, "kind": "status", "value": status, "times": times},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def test_r24_a_401_on_a_data_call_is_met_by_one_refresh(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    _fail_next(portal, "request", 401, times=1)

    flow_signed_in.authorize()

    retrieval = wait_for_state(Retrieval.State.COMPLETED)
    calls = settled_calls(retrieval)
    assert calls.count("token") == 2
    assert calls.count("request") == 2


def test_r24_a_401_after_the_refresh_asks_for_consent_again_and_stops(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    _fail_next(portal, "request", 401, times=5)

    page = flow_signed_in.authorize()

    retrieval = wait_for_state(Retrieval.State.EXPIRED)
    assert retrieval.error_code == "consent_again"
    calls = settled_calls(retrieval)
    assert calls.count("token") == 2
    assert calls.count("request") == 2
    again = flow_signed_in.http.get(page.url)
    assert "もう一度マイナポータルで同意してください" in again.text


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("result_unknown_field", "result_item"),
        ("result_wrong_shape", "result_shape"),
        ("result_oversized", "answer_oversized"),
    ],
)
def test_r25_a_result_of_the_wrong_shape_or_size_is_rejected(
    flow_signed_in: WebFlow, portal: Portal, message: str, code: str
) -> None:
    queue(portal, "result", message)

    assert failed_at_the_result(flow_signed_in).error_code == code


def test_r27_an_individual_number_in_a_payload_is_dropped_before_storing_or_logging(
    flow_signed_in: WebFlow, portal: Portal, celery_worker: Any
) -> None:
    queue(portal, "result", "result_individual_number")

    flow_signed_in.authorize()

    retrieval = wait_for_state(Retrieval.State.COMPLETED)
    stored = sealing.unseal(retrieval.result_sealed)
    assert "individual_number" not in stored
    assert "5670000" in stored
    number = invalid_individual_number("yamada-hanako")
    noted = json.dumps(list(retrieval.events.values_list("summary", flat=True)))
    assert number not in stored
    assert number not in noted
    assert number not in celery_worker.log.read_text()


def test_r32_another_customer_gets_404_for_an_application_or_retrieval(
    flow_signed_in: WebFlow, portal: Portal, other_customer: Any
) -> None:
    status = flow_signed_in.authorize()
    form = flow_signed_in.wait_until_filled(status.url)
    submitted = flow_signed_in.http.post(
        f"{flow_signed_in.bank}/loans/apply/",
        data={
            "csrfmiddlewaretoken": csrf_of(form.text),
            **TYPED,
            "annual_income_man_yen": "567",
        },
        headers={"Referer": f"{flow_signed_in.bank}/loans/apply/"},
    )
    assert "/loans/applications/" in submitted.url
    retrieval = Retrieval.objects.get()
    intruder = WebFlow(bank=flow_signed_in.bank, portal=portal.url)
    intruder.sign_in("taro@example.com", CUSTOMER_PASSWORD)
    token = csrf_of(intruder.http.get(f"{intruder.bank}/loans/apply/").text)
    retrieval_url = f"{intruder.bank}/mynaportal/retrievals/{retrieval.pk}/"

    answers = [
        intruder.http.get(submitted.url),
        intruder.http.get(retrieval_url),
        *(
            intruder.http.post(
                retrieval_url + action,
                data={"csrfmiddlewaretoken": token},
                headers={"Referer": f"{intruder.bank}/loans/apply/"},
            )
            for action in ("cancel/", "withdraw/")
        ),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    assert Retrieval.objects.get().state == Retrieval.State.COMPLETED
    assert Retrieval.objects.get().result_sealed == retrieval.result_sealed


def test_r33_pages_with_personal_data_are_not_stored_and_urls_carry_none(
    flow_signed_in: WebFlow,
) -> None:
    status = flow_signed_in.authorize()
    form = flow_signed_in.wait_until_filled(status.url)
    submitted = flow_signed_in.http.post(
        f"{flow_signed_in.bank}/loans/apply/",
        data={
            "csrfmiddlewaretoken": csrf_of(form.text),
            **TYPED,
            "annual_income_man_yen": "567",
        },
        headers={"Referer": f"{flow_signed_in.bank}/loans/apply/"},
    )
    visited = [
        answer.url
        for page in (status, form, submitted)
        for answer in (*page.history, page)
    ]

    assert "567" in form.text
    for page in (status, form, submitted):
        assert "no-store" in page.headers["Cache-Control"]
    assert len(visited) >= 5
    for url in visited:
        assert "567" not in url
        assert "5670000" not in url
        assert "山田" not in unquote(url)
        assert "hanako" not in url


def _production_env() -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "bankdemo.settings.bank_production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "bank.example",
    }


def test_r34_production_settings_pass_the_deployment_checklist() -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
    )

    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


def test_r35_production_cookies_hsts_and_debug_are_safe() -> None:
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    ]
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(done.stdout) == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }


def test_r35_the_session_key_is_rotated_at_login(client: Any, customer: Any) -> None:
    client.get("/accounts/login/")
    anonymous = client.session.session_key
    client.session.save()

    client.post(
        "/accounts/login/",
        {"login": "hanako@example.com", "password": CUSTOMER_PASSWORD},
    )

    assert anonymous is not None
    assert client.session.session_key != anonymous
    assert client.session["_auth_user_id"] == str(customer.pk)


@pytest.mark.urls("tests.security.failing_urls")
def test_r35_an_error_page_shows_no_stack_trace(
    client: Any, db: None, settings: Settings
) -> None:
    settings.DEBUG = False
    client.raise_request_exception = False

    answer = client.get("/fails/")

    assert answer.status_code == 500
    body = answer.content.decode()
    assert "Traceback" not in body
    assert "RuntimeError" not in body
    assert "failing_urls" not in body
