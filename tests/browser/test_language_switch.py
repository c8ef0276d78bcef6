"""The language switch pressed in Chromium, on each site, with the other untouched."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import Portal

pytestmark = pytest.mark.browser


def test_each_site_switches_language_by_its_own_switch(
    page: Page, bank: str, portal: Portal
) -> None:
    page.goto(f"{bank}/accounts/login/")
    expect(page.locator("h1")).to_have_text("ログイン")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(f"{bank}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign In")
    expect(page.get_by_role("button", name="English")).to_have_attribute(
        "aria-current", "true"
    )
    expect(page).to_have_title("Sign In | XX Bank")

    page.goto(f"{portal.url}/operating-status/")
    expect(page.locator("h1")).to_have_text("システムの稼働状況")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Operating status of the systems")
    expect(
        page.get_by_role("rowheader", name="Mynaportal", exact=True).first
    ).to_be_visible()

    page.get_by_role("button", name="日本語").click()
    expect(page.locator("h1")).to_have_text("システムの稼働状況")
    page.goto(f"{bank}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Demo guide")).to_be_visible()
