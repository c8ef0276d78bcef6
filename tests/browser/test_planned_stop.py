"""The waiting page of a planned stop: turning into a filled form by itself, or
left for the income typed by hand."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from loans.models import LoanApplication
from mynaportal.client.models import Retrieval
from tests.browser.test_web_flow import (
    enter_pin,
    fill_loan_wishes,
    go_to_identity_step,
    sign_in,
)
from tests.conftest import ROOT, Portal

pytestmark = pytest.mark.browser


def set_clock(portal: Portal, body: dict[str, Any]) -> None:
    answer = requests.post(f"{portal.url}/api/v1/control/clock", json=body, timeout=30)
    assert answer.status_code == 200, answer.text


@pytest.fixture
def third_saturday_night(portal: Portal) -> Iterator[None]:
    set_clock(portal, {"at": "2026-12-19T23:00:00+09:00", "frozen": True})
    yield
    set_clock(portal, {"reset": True})


def consent_in_the_stop(page: Page, bank: str, portal: Portal) -> None:
    """Sign in, fill the form, consent and enter the PIN: the status page waits."""
    sign_in(page, bank)
    fill_loan_wishes(page)
    go_to_identity_step(page, portal)

    enter_pin(page, "山田 花子", "1234")

    status = page.get_by_test_id("retrieval-status")
    expect(status).to_have_attribute("data-state", "waiting", timeout=30_000)


def test_the_waiting_page_says_when_and_turns_into_the_filled_form(
    bank: str, portal: Portal, customer: Any, page: Page, third_saturday_night: None
) -> None:
    consent_in_the_stop(page, bank, portal)

    expect(page.get_by_test_id("waiting-explanation")).to_contain_text("計画停止")
    expect(page.get_by_test_id("resume-at")).to_contain_text("2026年12月21日 00:00")
    expect(page.get_by_test_id("type-income-instead")).to_be_visible()
    page.screenshot(path=str(ROOT / "docs" / "screenshots" / "waiting.png"))

    set_clock(portal, {"at": "2026-12-21T00:01:00+09:00", "frozen": True})

    expect(page.get_by_label("あなたの年収")).to_have_value("567", timeout=30_000)
    expect(page.get_by_label("お借入希望金額")).to_have_value("3000")
    page.get_by_role("link", name="メール（デモ）").click()
    expect(page.get_by_test_id("mail")).to_have_count(1)
    expect(page.get_by_test_id("mail")).to_contain_text("取得が完了しました")


def test_waiting_customer_stops_the_retrieval_and_applies_with_a_typed_income(
    bank: str, portal: Portal, customer: Any, page: Page, third_saturday_night: None
) -> None:
    consent_in_the_stop(page, bank, portal)

    page.get_by_test_id("type-income-instead").click()

    expect(page).to_have_url(f"{bank}/loans/apply/")
    expect(page.get_by_test_id("message")).to_contain_text("取得を中止しました")
    expect(page.get_by_label("お借入希望金額")).to_have_value("3000")
    expect(page.get_by_label("あなたの年収")).to_have_value("")
    retrieval = Retrieval.objects.get()
    assert retrieval.state == Retrieval.State.CANCELLED
    assert retrieval.refresh_token_sealed == ""

    page.get_by_label("あなたの年収").fill("600")
    page.get_by_role("button", name="事前審査を申し込む").click()

    expect(page.get_by_test_id("result-income")).to_contain_text("600 万円")
    application = LoanApplication.objects.get()
    assert application.income_source == LoanApplication.IncomeSource.SELF_DECLARED
