"""The web flow walked in Chromium, as an applicant would."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from loans.models import LoanApplication
from mynaportal.client.models import Retrieval
from tests.conftest import CUSTOMER_PASSWORD, ROOT, Portal

pytestmark = pytest.mark.browser
SCREENSHOTS = ROOT / "docs" / "screenshots"


def sign_in(page: Page, bank: str) -> None:
    page.goto(f"{bank}/")
    page.get_by_role("link", name="ログイン").click()
    page.locator("input[name=login]").fill("hanako@example.com")
    page.locator("input[name=password]").fill(CUSTOMER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_text("hanako@example.com")


def fill_loan_wishes(page: Page) -> None:
    page.get_by_test_id("apply-link").click()
    page.get_by_label("お借入希望年月日").fill("20301001")
    page.get_by_label("お借入希望金額").fill("3000")
    page.get_by_label("お借入希望期間").fill("35")


def go_to_identity_step(page: Page, portal: Portal) -> None:
    page.get_by_role("button", name="マイナポータルから所得情報を取得する").click()
    expect(page).to_have_url(re.compile(re.escape(portal.url) + "/oauth/consent"))
    page.get_by_label("情報の提供に同意する").check()
    page.get_by_role("button", name="本人確認へ進む").click()
    expect(page).to_have_url(re.compile(re.escape(portal.url) + "/oauth/identity"))


def enter_pin(page: Page, holder: str, pin: str) -> None:
    page.get_by_label(holder).check()
    page.get_by_label("暗証番号").fill(pin)
    page.get_by_role("button", name="本人確認する").click()


def test_applicant_gets_income_from_mynaportal_and_a_decision(
    bank: str, portal: Portal, customer: Any, page: Page
) -> None:
    sign_in(page, bank)
    fill_loan_wishes(page)
    go_to_identity_step(page, portal)

    enter_pin(page, "山田 花子", "1234")

    expect(page.get_by_test_id("retrieval-status")).to_be_visible()
    expect(page).to_have_url(f"{bank}/loans/apply/", timeout=30_000)
    expect(page.get_by_label("あなたの年収")).to_have_value("567")
    expect(page.get_by_label("お借入希望金額")).to_have_value("3000")
    expect(page.get_by_label("お借入希望年月日")).to_have_value("20301001")
    expect(page.get_by_test_id("taxable-year")).to_have_text("2026")
    expect(page.get_by_test_id("income-source")).to_contain_text("5,670,000円")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "filled-form.png"), full_page=True)

    page.get_by_role("button", name="事前審査を申し込む").click()

    expect(page.get_by_test_id("decision")).to_contain_text("承認")
    expect(page.get_by_test_id("result-income")).to_contain_text("567 万円")
    application = LoanApplication.objects.get()
    assert application.annual_income_man_yen == 567
    assert application.income_source == LoanApplication.IncomeSource.MYNAPORTAL
    assert application.income_taxable_year == 2026
    assert application.decision == LoanApplication.Decision.APPROVE


def test_consent_page_names_provider_purpose_and_items(
    bank: str, portal: Portal, customer: Any, page: Page
) -> None:
    sign_in(page, bank)
    fill_loan_wishes(page)

    page.get_by_role("button", name="マイナポータルから所得情報を取得する").click()

    expect(page.get_by_test_id("consent-lead")).to_have_text(
        "〇〇銀行が住宅ローンの事前審査のためにマイナポータルを通じて、以下の情報を取得します。"
    )
    expect(page.get_by_test_id("consent-items")).to_have_text("地方税関係情報")
    expect(page.get_by_role("link", name="利用規約")).to_be_visible()


def test_cancel_at_consent_returns_to_the_form_with_typed_values(
    bank: str, portal: Portal, customer: Any, page: Page
) -> None:
    sign_in(page, bank)
    fill_loan_wishes(page)
    page.get_by_role("button", name="マイナポータルから所得情報を取得する").click()

    page.get_by_role("button", name="キャンセル").click()

    expect(page).to_have_url(f"{bank}/loans/apply/")
    expect(page.get_by_test_id("message")).to_contain_text("キャンセルされました")
    expect(page.get_by_label("お借入希望金額")).to_have_value("3000")
    expect(page.get_by_label("お借入希望期間")).to_have_value("35")
    expect(page.get_by_label("あなたの年収")).to_have_value("")
    assert Retrieval.objects.get().state == Retrieval.State.CANCELLED


def test_three_wrong_pins_lock_the_card_for_good(
    bank: str, portal: Portal, customer: Any, page: Page, browser: Any
) -> None:
    sign_in(page, bank)
    fill_loan_wishes(page)
    go_to_identity_step(page, portal)

    enter_pin(page, "高橋 翔", "0000")
    expect(page.get_by_test_id("identity-error")).to_contain_text("あと2回")
    enter_pin(page, "高橋 翔", "1111")
    expect(page.get_by_test_id("identity-error")).to_contain_text("あと1回")
    enter_pin(page, "高橋 翔", "2222")

    expect(page.get_by_test_id("identity-failed")).to_contain_text("ロックされました")
    page.get_by_test_id("back-to-provider").click()
    expect(page).to_have_url(f"{bank}/loans/apply/")
    expect(page.get_by_test_id("message")).to_contain_text("本人確認ができませんでした")

    # The lock is the card's, not the session's: a new flow with the right PIN
    # still fails.
    go_to_identity_step(page, portal)
    enter_pin(page, "高橋 翔", "5678")
    expect(page.get_by_test_id("identity-failed")).to_contain_text("ロックされました")
