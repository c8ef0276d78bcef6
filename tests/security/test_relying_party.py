"""The bank as a relying party, case by case (SECURITY.md R1–R35).

A client case passes only if the bank shows an error and makes no further
call to the portal. Cases covered elsewhere are named there after their id
where they are whole tests (e.g. tests/integration/test_data_protection.py);
the rest are here.
"""

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from pytest_django.fixtures import Settings

from mynaportal.client import portal as seam
from mynaportal.client.models import Retrieval
from tests.conftest import CUSTOMER_PASSWORD, Portal
from tests.httpflow import WebFlow, callback_params, csrf_of

TYPED = {"desired_date": "20301001", "amount_man_yen": "3000", "term_years": "35"}


@pytest.fixture(autouse=True)
def no_fault_left(portal: Portal) -> Iterator[None]:
    yield
    requests.post(
        f"{portal.url}/api/v1/control/faults", json={"clear": True}, timeout=10
    )


@pytest.fixture
def portal_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original: Callable[..., Any] = seam.PortalSession._send

    def recording(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(seam.PortalSession, "_send", recording)
    return calls


def redirect_back(flow: WebFlow, holder: str = "山田 花子", pin: str = "1234") -> Any:
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
