"""The bank against the real simulator over real HTTP, with a real worker."""

from collections.abc import Callable
from typing import Any

import pytest
import requests

from mynaportal.client import portal as portal_seam
from mynaportal.client.models import Retrieval
from tests.conftest import CUSTOMER_PASSWORD, Portal
from tests.httpflow import TYPED, WebFlow, callback_params, field_value


@pytest.fixture
def portal_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call the bank makes to the portal, by endpoint name."""
    calls: list[str] = []
    original: Callable[..., Any] = portal_seam.PortalSession._send

    def recording(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(portal_seam.PortalSession, "_send", recording)
    return calls


@pytest.fixture
def flow(flow_signed_in: WebFlow) -> WebFlow:
    return flow_signed_in


def test_income_fills_itself_from_the_latest_taxable_year(flow: WebFlow) -> None:
    status_page = flow.http.get(flow.authorize(follow=False).headers["Location"])
    assert "/mynaportal/retrievals/" in status_page.url

    form = flow.wait_until_filled(status_page.url)

    assert field_value(form.text, "annual_income_man_yen") == "567"
    assert field_value(form.text, "amount_man_yen") == "3000"
    assert field_value(form.text, "desired_date") == "20301001"
    assert 'data-testid="taxable-year">2026<' in form.text
    assert "5,670,000円" in form.text
    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.COMPLETED
    assert "5670000" not in retrieval.result_sealed


def test_callback_with_wrong_state_shows_error_and_makes_no_token_call(
    flow: WebFlow, portal_calls: list[str]
) -> None:
    params = callback_params(flow.authorize(follow=False))
    params["state"] = "forged-state-value-000000"

    answer = flow.http.get(f"{flow.bank}/mynaportal/callback/", params=params)

    assert answer.status_code == 400
    assert 'data-testid="callback-error"' in answer.text
    assert "token" not in portal_calls
    assert Retrieval.objects.get().state == Retrieval.State.STARTED


def test_callback_with_wrong_issuer_makes_no_token_call(
    flow: WebFlow, portal_calls: list[str]
) -> None:
    params = callback_params(flow.authorize(follow=False))
    params["iss"] = "https://evil.example"

    answer = flow.http.get(f"{flow.bank}/mynaportal/callback/", params=params)

    assert answer.status_code == 400
    assert "token" not in portal_calls


def test_replayed_callback_fails_and_the_first_result_stays(flow: WebFlow) -> None:
    params = callback_params(flow.authorize(follow=False))
    first = flow.http.get(f"{flow.bank}/mynaportal/callback/", params=params)
    flow.wait_until_filled(first.url)

    replay = flow.http.get(f"{flow.bank}/mynaportal/callback/", params=params)

    assert replay.status_code == 400
    assert Retrieval.objects.get().state == Retrieval.State.COMPLETED


def test_cancel_at_consent_returns_to_the_form_with_what_was_typed(
    flow: WebFlow, portal_calls: list[str]
) -> None:
    back = flow.cancel_consent(flow.start(**TYPED))

    assert back.url == f"{flow.bank}/loans/apply/"
    assert "情報提供がキャンセルされました" in back.text
    assert field_value(back.text, "amount_man_yen") == "3000"
    assert field_value(back.text, "term_years") == "35"
    assert Retrieval.objects.get().state == Retrieval.State.CANCELLED
    assert "token" not in portal_calls


def test_another_customer_cannot_see_the_retrieval(
    flow: WebFlow, other_customer: Any, portal: Portal
) -> None:
    status_url = flow.http.get(flow.authorize(follow=False).headers["Location"]).url
    intruder = WebFlow(bank=flow.bank, portal=portal.url)
    intruder.sign_in("taro@example.com", CUSTOMER_PASSWORD)

    assert intruder.http.get(status_url).status_code == 404


def test_the_inspector_shows_every_step_with_personal_values_masked(
    flow: WebFlow, portal: Portal
) -> None:
    status_page = flow.http.get(flow.authorize(follow=False).headers["Location"])
    flow.wait_until_filled(status_page.url)

    page = requests.get(f"{portal.url}/inspector/", timeout=10).text

    latest = page[page.index('data-testid="flow-') :].split("</section>")[0]
    steps = ["par", "authorize", "consent", "identity", "callback", "token"]
    for step in [*steps, "request", "result"]:
        assert f'data-testid="step-{step}"' in latest
    assert "ES256" in latest
    assert "5670000" not in page
    assert "山田" not in page
