"""The kiosk flow of guideline §3.3, walked in Chromium by touch, as at a branch.

The kiosk is the client: consent on its own screen, the card read by its
(virtual) reader, the PIN on its on-screen pad, the values shown for 「確認」,
and only then the income handed to the loan service.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, ViewportSize, expect

from loans.models import KioskApplication
from mynaportal.client.models import Retrieval
from tests.browser.test_planned_stop import set_clock
from tests.conftest import ROOT, Portal

pytestmark = pytest.mark.browser
SCREENSHOTS = ROOT / "docs" / "screenshots"
PORTRAIT: ViewportSize = {"width": 1080, "height": 1920}
LANDSCAPE: ViewportSize = {"width": 1920, "height": 1080}
CONSENT_LEAD = (
    "〇〇銀行が住宅ローンの事前審査のためにマイナポータルを通じて、"
    "以下の情報を取得します。"
)


@pytest.fixture
def kiosk_at(browser: Browser) -> Iterator[Callable[[ViewportSize], Page]]:
    """A touch screen of the given size, with no keyboard in the test's hands."""
    contexts = []

    def open_screen(viewport: ViewportSize) -> Page:
        context = browser.new_context(
            locale="ja-JP",
            viewport=viewport,
            has_touch=True,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_screen
    for context in contexts:
        context.close()


def walk_to_the_pin_pad(
    page: Page, bank: str, holder: str, *, shots: bool = False
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{bank}/kiosk/")
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "kiosk-start.png"))
    page.get_by_role("link", name="マイナポータルからの情報提出").tap()
    expect(page.get_by_test_id("kiosk-title")).to_have_text("マイナポータル連携")
    page.get_by_role("button", name="住宅ローンサービスへの所得情報の提出").tap()

    expect(page.get_by_test_id("kiosk-title")).to_have_text("本人同意と本人確認")
    expect(page.get_by_test_id("kiosk-consent-lead")).to_have_text(CONSENT_LEAD)
    expect(page.get_by_test_id("kiosk-consent-items")).to_have_text("地方税関係情報")
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "kiosk-consent.png"))
    page.get_by_role("button", name="確認", exact=True).tap()

    expect(page.get_by_test_id("kiosk-title")).to_have_text(
        "マイナンバーカードの読み取り"
    )
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "kiosk-card.png"))
    page.get_by_role("button", name=f"{holder} のカード").tap()
    expect(page.get_by_test_id("kiosk-title")).to_have_text("パスワード入力")


def tap_pin(page: Page, pin: str) -> None:
    expect(page.get_by_test_id("pin-ok")).to_be_disabled()
    for digit in pin:
        page.locator(f"[data-key='{digit}']").tap()
    page.get_by_test_id("pin-ok").tap()


def reach_the_confirm_screen(page: Page, bank: str, *, shots: bool = False) -> None:
    walk_to_the_pin_pad(page, bank, "鈴木 一郎", shots=shots)
    tap_pin(page, "2345")
    expect(page.get_by_test_id("kiosk-title")).to_have_text(
        "情報提供可否の確認", timeout=30_000
    )


def test_the_resident_of_fig_3_3_confirms_and_the_application_holds_650(
    bank: str, portal: Portal, kiosk_at: Callable[[ViewportSize], Page]
) -> None:
    page = kiosk_at(PORTRAIT)
    reach_the_confirm_screen(page, bank, shots=True)

    expect(page.get_by_test_id("item-taxable_year")).to_have_text("2022")
    expect(page.get_by_test_id("item-salary_revenue")).to_have_text("6,000,000円")
    expect(page.get_by_test_id("item-public_pension_revenue")).to_have_text("500,000円")
    expect(page.get_by_test_id("item-business_income")).to_have_text("0円")
    assert KioskApplication.objects.count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kiosk-confirm.png"))

    page.get_by_test_id("kiosk-confirm").tap()

    expect(page.get_by_test_id("kiosk-title")).to_have_text("取引完了")
    reference = page.get_by_test_id("kiosk-reference").inner_text()
    application = KioskApplication.objects.get()
    assert application.reference == reference
    assert application.annual_income_man_yen == 650
    assert application.income_taxable_year == 2022
    assert application.service == KioskApplication.Service.HOUSING_LOAN
    retrieval = Retrieval.objects.get()
    assert retrieval.channel == Retrieval.Channel.KIOSK
    assert retrieval.owner_id is None
    assert retrieval.result_sealed == ""
    assert retrieval.refresh_token_sealed == ""


def test_cancel_at_the_confirm_screen_leaves_nothing_stored(
    bank: str, portal: Portal, kiosk_at: Callable[[ViewportSize], Page]
) -> None:
    page = kiosk_at(PORTRAIT)
    reach_the_confirm_screen(page, bank)

    page.get_by_test_id("kiosk-cancel").tap()

    expect(page.get_by_test_id("kiosk-begin")).to_be_visible()
    assert KioskApplication.objects.count() == 0
    retrieval = Retrieval.objects.get()
    assert retrieval.purged_at is not None
    assert retrieval.result_sealed == ""
    assert retrieval.access_token_sealed == ""
    assert retrieval.refresh_token_sealed == ""
    page.go_back()
    expect(page.get_by_test_id("kiosk-record")).to_have_count(0)


def test_the_idle_timeout_wipes_the_screen_and_the_data(
    bank: str,
    portal: Portal,
    kiosk_at: Callable[[ViewportSize], Page],
    settings: Any,
) -> None:
    settings.BANK_KIOSK_IDLE_SECONDS = 6
    page = kiosk_at(LANDSCAPE)
    reach_the_confirm_screen(page, bank)
    expect(page.get_by_test_id("item-salary_revenue")).to_have_text("6,000,000円")

    expect(page.get_by_test_id("kiosk-begin")).to_be_visible(timeout=20_000)

    expect(page.get_by_test_id("kiosk-record")).to_have_count(0)
    assert KioskApplication.objects.count() == 0
    retrieval = Retrieval.objects.get()
    assert retrieval.purged_at is not None
    assert retrieval.result_sealed == ""


def test_a_wrong_pin_counts_and_the_right_one_goes_on(
    bank: str, portal: Portal, kiosk_at: Callable[[ViewportSize], Page]
) -> None:
    page = kiosk_at(LANDSCAPE)
    walk_to_the_pin_pad(page, bank, "佐藤 美咲")

    tap_pin(page, "0000")
    expect(page.get_by_test_id("pin-error")).to_contain_text("あと2回")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kiosk-pin.png"))
    tap_pin(page, "4567")

    expect(page.get_by_test_id("kiosk-title")).to_have_text(
        "情報提供可否の確認", timeout=30_000
    )


@pytest.mark.parametrize(
    "viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"]
)
def test_the_screens_are_touch_sized_and_fit_either_orientation(
    bank: str,
    portal: Portal,
    kiosk_at: Callable[[ViewportSize], Page],
    viewport: ViewportSize,
) -> None:
    page = kiosk_at(viewport)
    walk_to_the_pin_pad(page, bank, "鈴木 一郎")

    keys = page.locator("[data-key]")
    expect(keys).to_have_count(12)
    for index in range(12):
        _assert_reachable(keys.nth(index), viewport)
    _assert_reachable(page.get_by_test_id("kiosk-cancel"), viewport)
    tap_pin(page, "2345")
    expect(page.get_by_test_id("kiosk-record")).to_be_visible(timeout=30_000)
    _assert_reachable(page.get_by_test_id("kiosk-confirm"), viewport)


def _assert_reachable(target: Any, viewport: ViewportSize) -> None:
    """On screen without scrolling, and big enough for a finger."""
    box = target.bounding_box()
    assert box is not None
    assert box["height"] >= 80
    assert box["width"] >= 80
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_a_locked_card_ends_the_transaction_in_plain_words(
    bank: str, portal: Portal, kiosk_at: Callable[[ViewportSize], Page]
) -> None:
    page = kiosk_at(PORTRAIT)
    walk_to_the_pin_pad(page, bank, "加藤 由美")

    tap_pin(page, "2468")

    expect(page.get_by_test_id("kiosk-failed")).to_contain_text("ロックされました")
    assert Retrieval.objects.count() == 0


@pytest.fixture
def card_at_two_wrong_pins(portal: Portal) -> str:
    """A fresh persona whose card is one wrong PIN from the lock."""
    persona = {
        "slug": "kiosk-lock-test",
        "name": "窓口 試験",
        "name_kana": "マドグチ シケン",
        "birth_date": "1980-01-01",
        "municipality": "東京都千代田区",
        "pin": "1470",
        "card": "two_wrong_pins",
    }
    answer = requests.post(
        f"{portal.url}/api/v1/personas", json={"personas": [persona]}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return "窓口 試験"


def test_the_third_wrong_pin_locks_the_card_for_the_web_too(
    bank: str,
    portal: Portal,
    kiosk_at: Callable[[ViewportSize], Page],
    card_at_two_wrong_pins: str,
) -> None:
    page = kiosk_at(PORTRAIT)
    walk_to_the_pin_pad(page, bank, card_at_two_wrong_pins)

    tap_pin(page, "0000")

    expect(page.get_by_test_id("kiosk-failed")).to_contain_text("ロックされました")
    state = requests.get(f"{portal.url}/api/v1/personas", timeout=10).json()
    cards = {p["slug"]: p["card"] for p in state["personas"]}
    assert cards["kiosk-lock-test"] == "locked"
    page.get_by_role("button", name="はじめに戻る").tap()
    expect(page.get_by_test_id("kiosk-begin")).to_be_visible()
    walk_to_the_pin_pad(page, bank, card_at_two_wrong_pins)
    tap_pin(page, "1470")
    expect(page.get_by_test_id("kiosk-failed")).to_contain_text("ロックされました")


@pytest.fixture
def third_saturday_night(portal: Portal) -> Iterator[None]:
    set_clock(portal, {"at": "2026-12-19T23:00:00+09:00", "frozen": True})
    yield
    set_clock(portal, {"reset": True})


def test_a_planned_stop_is_told_with_the_time_and_not_waited_for(
    bank: str,
    portal: Portal,
    kiosk_at: Callable[[ViewportSize], Page],
    third_saturday_night: None,
) -> None:
    page = kiosk_at(PORTRAIT)
    walk_to_the_pin_pad(page, bank, "鈴木 一郎")

    tap_pin(page, "2345")

    expect(page.get_by_test_id("kiosk-stopped")).to_contain_text(
        "計画停止", timeout=30_000
    )
    expect(page.get_by_test_id("kiosk-resume-at")).to_contain_text(
        "2026年12月21日 00:00"
    )
    expect(page.get_by_test_id("kiosk-web-offer")).to_contain_text(
        f"{bank}/loans/apply/"
    )
    page.screenshot(path=str(SCREENSHOTS / "kiosk-planned-stop.png"))
    retrieval = Retrieval.objects.get()
    assert retrieval.purged_at is not None
    assert retrieval.state == Retrieval.State.CANCELLED
