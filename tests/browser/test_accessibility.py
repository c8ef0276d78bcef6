"""Every page of the web flow, on both sites, under axe-core, at a phone's width
and a desktop's, with screenshots of the flow for the README.

One walk per screen size covers every page: the bank's top, sign-in (and a wrong
password), form (empty, with errors, filled, in English), the status page of a
planned stop, the result, the mailbox, the demo guide and the developer page; the
simulator's consent (and its missing agreement), identity (and a wrong PIN, and
a locked card), home, operating status, control panel, error codes, inspector,
personas and clients; then the error pages a flow can end on. Each page is
checked for serious or critical axe violations and for horizontal scrolling;
all problems are listed together at the end. The last consent and identity are
done with the keyboard alone. A second walk checks every screen of the branch
kiosk (guideline §3) by touch.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.test_kiosk import tap_pin
from tests.browser.test_planned_stop import set_clock
from tests.browser.test_web_flow import enter_pin
from tests.conftest import CUSTOMER_PASSWORD, ROOT, Portal

pytestmark = pytest.mark.browser
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Served by the browser itself at the page's own origin, so that the pages'
# Content Security Policy (script-src 'self') needs no exception for the test.
AXE_PATH = "/__axe-core__/axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
BLOCKING = ("serious", "critical")
SIZES: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
# The branch kiosk's portrait touch screen (guideline §3), walked on its own.
KIOSK: dict[str, Any] = {"viewport": {"width": 1080, "height": 1920}, "has_touch": True}

# What the focused element shows: an outline or a ring drawn by a box shadow.
FOCUS_SHOWN = """() => {
  const style = getComputedStyle(document.activeElement);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  return outline || style.boxShadow !== "none";
}"""


@dataclass
class Audit:
    """Checks pages as the walk reaches them and keeps every problem found."""

    size: str
    problems: list[str] = field(default_factory=list)
    shots: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str, *, shot: bool = False) -> None:
        page.wait_for_load_state("load")
        # A status page refreshes itself; check what is on screen right away.
        self._axe(page, name)
        self._width(page, name)
        if shot:
            self._screenshot(page, name)

    def _axe(self, page: Page, name: str) -> None:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(url=page_origin(page) + AXE_PATH)
        results = page.evaluate(
            "() => axe.run(document, {resultTypes: ['violations']})"
        )
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING:
                targets = [" ".join(node["target"]) for node in violation["nodes"]]
                self.problems.append(
                    f"{self.size} {name} ({page.url}): {violation['impact']} "
                    f"{violation['id']}: {violation['help']} at {targets[:5]}"
                )

    def _width(self, page: Page, name: str) -> None:
        wide = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        expected = SIZES.get(self.size, KIOSK)["viewport"]["width"]
        if wide[0] > wide[1] or wide[1] != expected:
            self.problems.append(
                f"{self.size} {name} ({page.url}): {wide[0]} px wide content in a "
                f"{wide[1]} px window ({expected} px expected), scrolls sideways"
            )

    def _screenshot(self, page: Page, name: str) -> None:
        self.shots.append(name)
        path = SCREENSHOTS / f"{self.size}-{len(self.shots):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)


@pytest.fixture(params=sorted(SIZES))
def sized_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A browser context in Japanese at a phone's or a desktop's size."""
    yield from _audited_page(browser, SIZES[request.param])


@pytest.fixture
def kiosk_page(browser: Browser) -> Iterator[Page]:
    """The kiosk's touch screen, in Japanese."""
    yield from _audited_page(browser, KIOSK)


def _audited_page(browser: Browser, size: dict[str, Any]) -> Iterator[Page]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make axe` (npm ci)")

    context = browser.new_context(locale="ja-JP", **size)
    context.set_default_timeout(20_000)
    context.route(
        "**" + AXE_PATH,
        lambda route: route.fulfill(path=AXE, content_type="text/javascript"),
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def clock_reset(portal: Portal) -> Iterator[None]:
    yield
    set_clock(portal, {"reset": True})


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the selector has the focus; each stop must show it."""
    page.wait_for_load_state("load")
    for _ in range(40):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_SHOWN) is True, page.evaluate(
            "() => document.activeElement.outerHTML.slice(0, 200)"
        )
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def sign_in(page: Page, bank: str, audit: Audit) -> None:
    page.goto(f"{bank}/")
    audit.check(page, "top", shot=True)
    page.get_by_role("link", name="ログイン").click()
    audit.check(page, "login", shot=True)
    page.locator("input[name=login]").fill("hanako@example.com")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_have_text("入力内容を確認してください。")
    audit.check(page, "login-wrong-password")
    page.locator("input[name=password]").fill(CUSTOMER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_test_id("signed-in-as")).to_have_text("hanako@example.com")


def fill_form(page: Page, bank: str, audit: Audit) -> None:
    page.goto(f"{bank}/loans/apply/")
    audit.check(page, "form", shot=True)
    page.get_by_role("button", name="事前審査を申し込む").click()
    expect(page).to_have_title(re.compile("^エラー: "))
    expect(page.get_by_test_id("error-summary")).to_have_attribute("role", "alert")
    amount = page.get_by_label("お借入希望金額")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(amount).to_have_accessible_description(re.compile("必須"))
    page.get_by_test_id("error-summary").get_by_role("link").nth(1).click()
    expect(amount).to_be_focused()
    audit.check(page, "form-errors", shot=True)
    page.get_by_label("お借入希望年月日").fill("20301001")
    page.get_by_label("お借入希望金額").fill("3000")
    page.get_by_label("お借入希望期間").fill("35")


def fail_identity(page: Page, portal: Portal, audit: Audit) -> None:
    """Consent without agreeing, then a wrong PIN, then a locked card."""
    page.get_by_role("button", name="マイナポータルから所得情報を取得する").click()
    expect(page.get_by_test_id("consent-lead")).to_be_visible()
    audit.check(page, "consent", shot=True)
    page.get_by_role("button", name="本人確認へ進む").click()
    expect(page.get_by_role("alert")).to_contain_text("情報の提供に同意する")
    audit.check(page, "consent-missing-agreement")
    page.get_by_label("情報の提供に同意する").check()
    page.get_by_role("button", name="本人確認へ進む").click()
    audit.check(page, "identity", shot=True)
    enter_pin(page, "山田 花子", "0000")
    expect(page.get_by_test_id("identity-error")).to_contain_text("暗証番号が違います")
    audit.check(page, "identity-wrong-pin")
    enter_pin(page, "加藤 由美", "2468")
    expect(page.get_by_test_id("identity-failed")).to_contain_text("ロック")
    audit.check(page, "identity-locked")
    page.get_by_test_id("back-to-provider").click()
    expect(page.get_by_test_id("message")).to_contain_text("本人確認ができませんでした")


def page_origin(page: Page) -> str:
    return str(page.evaluate("() => location.origin"))


def consent_by_keyboard(page: Page, portal: Portal) -> None:
    """From the bank's form through the simulator's two screens, keys only."""
    tab_to(page, "[data-testid=fetch-income]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("consent-lead")).to_be_visible()
    tab_to(page, "#agree")
    page.keyboard.press("Space")
    tab_to(page, "[data-testid=consent-next]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(portal.url) + "/oauth/identity"))

    tab_to(page, "input[name=card]")
    while not page.get_by_label("山田 花子").is_checked():
        page.keyboard.press("ArrowDown")
    tab_to(page, "#pin")
    page.keyboard.type("1234")
    page.keyboard.press("Enter")


def look_at_simulator(page: Page, portal: Portal, audit: Audit) -> None:
    """The simulator's own pages, in a second tab of the same browser."""
    tab = page.context.new_page()
    for name, path in (
        ("simulator-home", "/"),
        ("operating-status", "/operating-status/"),
        ("control-panel", "/control/"),
        ("error-codes", "/errors/"),
        ("inspector", "/inspector/"),
        ("personas", "/control/personas/"),
        ("clients", "/control/clients/"),
    ):
        tab.goto(portal.url + path)
        audit.check(tab, name)
    tab.get_by_role("button", name="English").click()
    expect(tab.locator("html")).to_have_attribute("lang", "en")
    audit.check(tab, "clients-in-english")
    tab.goto(portal.url + "/errors/")
    audit.check(tab, "error-codes-in-english")
    tab.close()


def look_at_error_pages(page: Page, bank: str, portal: Portal, audit: Audit) -> None:
    """The pages a flow ends on when something goes wrong, on both sites."""
    tab = page.context.new_page()
    for name, url in (
        ("callback-error", f"{bank}/mynaportal/callback/?code=x&state=forged-state"),
        ("bank-not-found", f"{bank}/no-such-page/"),
        ("portal-without-par", f"{portal.url}/oauth/authorize?client_id=x"),
        ("portal-not-found", f"{portal.url}/no-such-page/"),
    ):
        answer = tab.goto(url)
        assert answer is not None and answer.status >= 400, name
        audit.check(tab, name)
    tab.close()


def test_every_page_of_both_sites_is_accessible_and_fits_the_screen(
    bank: str,
    portal: Portal,
    customer: Any,
    sized_page: Page,
    clock_reset: None,
    request: pytest.FixtureRequest,
) -> None:
    page = sized_page
    audit = Audit(size=request.node.callspec.params["sized_page"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page, bank, audit)
    fill_form(page, bank, audit)
    fail_identity(page, portal, audit)

    set_clock(portal, {"at": "2026-12-19T23:00:00+09:00", "frozen": True})
    consent_by_keyboard(page, portal)
    status = page.get_by_test_id("retrieval-status")
    expect(status).to_have_attribute("data-state", "waiting", timeout=30_000)
    audit.check(page, "waiting", shot=True)
    look_at_simulator(page, portal, audit)

    set_clock(portal, {"at": "2026-12-21T00:01:00+09:00", "frozen": True})
    expect(page.get_by_label("あなたの年収")).to_have_value("567", timeout=30_000)
    audit.check(page, "filled-form", shot=True)
    page.get_by_role("button", name="事前審査を申し込む").click()
    expect(page.get_by_test_id("decision")).to_contain_text("承認")
    audit.check(page, "result", shot=True)
    page.get_by_role("link", name="メール（デモ）").click()
    expect(page.get_by_test_id("mail")).to_have_count(1)
    audit.check(page, "mailbox", shot=True)
    page.get_by_role("link", name="デモのご案内").click()
    audit.check(page, "demo-guide")
    page.goto(f"{bank}/developer/")
    audit.check(page, "developer")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    audit.check(page, "developer-in-english")
    page.goto(f"{bank}/loans/apply/")
    audit.check(page, "form-in-english")
    look_at_error_pages(page, bank, portal, audit)

    assert audit.problems == [], "\n".join(audit.problems)


def test_every_kiosk_screen_is_accessible(
    bank: str, portal: Portal, kiosk_page: Page
) -> None:
    page, audit = kiosk_page, Audit(size="kiosk")
    title = page.get_by_test_id("kiosk-title")
    page.goto(f"{bank}/kiosk/")
    audit.check(page, "kiosk-start")

    page.get_by_role("link", name="マイナポータルからの情報提出").tap()
    expect(title).to_have_text("マイナポータル連携")
    audit.check(page, "kiosk-services")
    page.get_by_role("button", name="住宅ローンサービスへの所得情報の提出").tap()
    expect(title).to_have_text("本人同意と本人確認")
    audit.check(page, "kiosk-consent")
    page.get_by_role("button", name="確認", exact=True).tap()
    expect(title).to_have_text("マイナンバーカードの読み取り")
    audit.check(page, "kiosk-card")
    page.get_by_role("button", name="鈴木 一郎 のカード").tap()
    expect(title).to_have_text("パスワード入力")
    audit.check(page, "kiosk-pin-pad")
    page.locator("[data-key='7']").tap()
    display = page.get_by_test_id("pin-display")
    expect(display).to_have_attribute("aria-label", re.compile(r": 1/4$"))
    page.locator("[data-key='clear']").tap()
    expect(display).to_have_attribute("aria-label", re.compile(r": 0/4$"))
    tap_pin(page, "2345")
    expect(title).to_have_text("情報提供可否の確認", timeout=30_000)
    audit.check(page, "kiosk-confirm")
    page.get_by_test_id("kiosk-confirm").tap()
    expect(title).to_have_text("取引完了")
    audit.check(page, "kiosk-done")

    assert audit.problems == [], "\n".join(audit.problems)
