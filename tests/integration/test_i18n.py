"""Both sites in Japanese and in English, switched by their language switch.

The bank runs in the live server and the simulator in its own process; each keeps
its own language cookie. Amounts read 5,670,000円 in Japanese and ¥5,670,000 in
English, dates 2026年12月21日 00:00 and December 21, 2026, 00:00.
"""

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from loans.models import DemoMail
from mynaportal.client.models import Retrieval
from tests.conftest import Portal
from tests.httpflow import HOLDER, PIN, TYPED, WebFlow, csrf_of, field_value

TITLE = re.compile(r"<title>\s*(.*?)\s*\|\s*(.*?)\s*</title>", re.S)
ENGLISH_DATETIME = re.compile(
    r"(January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{1,2}, \d{4}, \d{2}:\d{2}"
)
JAPANESE_DATETIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")


def control(portal: Portal, what: str, body: dict[str, Any]) -> None:
    answer = requests.post(f"{portal.url}/api/v1/control/{what}", json=body, timeout=30)
    assert answer.status_code == 200, answer.text


@pytest.fixture(autouse=True)
def clock_restored(portal: Portal) -> Iterator[None]:
    """Each test leaves the simulator on real time."""
    yield
    control(portal, "clock", {"reset": True})


def wait_until_waiting(timeout: float = 30) -> None:
    """Until the worker has found the planned stop and parked the retrieval."""
    deadline = time.monotonic() + timeout
    while not Retrieval.objects.filter(state=Retrieval.State.WAITING).exists():
        assert time.monotonic() < deadline, "the retrieval did not start waiting"
        time.sleep(0.3)


def wait_for_mail(timeout: float = 10) -> DemoMail:
    """The completion mail, which the worker sends just after the retrieval."""
    deadline = time.monotonic() + timeout
    while (mail := DemoMail.objects.first()) is None:
        assert time.monotonic() < deadline, "no completion mail was sent"
        time.sleep(0.3)
    return mail


def switch_language(http: requests.Session, site: str, language: str) -> None:
    """Press the language switch on the site's top page, as a visitor would."""
    top = http.get(f"{site}/")
    answer = http.post(
        f"{site}/i18n/setlang/",
        data={"csrfmiddlewaretoken": csrf_of(top.text), "language": language},
        headers={"Referer": f"{site}/"},
    )
    assert answer.status_code == 200, answer.status_code
    assert f'<html lang="{language}">' in answer.text


def in_language(flow: WebFlow, language: str) -> WebFlow:
    switch_language(flow.http, flow.bank, language)
    switch_language(flow.http, flow.portal, language)
    return flow


def assert_page(page: str, language: str, site: str) -> None:
    """The page is in the language, has a real title and the language switch."""
    assert f'<html lang="{language}">' in page
    title = TITLE.search(page)
    assert title is not None and title.group(1), "the page has no title"
    assert title.group(2) == site
    assert 'action="/i18n/setlang/"' in page
    assert '<button type="submit" name="language" value="ja" lang="ja"' in page
    assert ">日本語</button>" in page
    assert ">English</button>" in page


def test_the_flow_reads_in_english_with_amounts_and_dates_per_language(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    flow = in_language(flow_signed_in, "en")
    control(portal, "clock", {"at": "2026-12-19T23:00:00+09:00", "frozen": True})

    form = flow.http.get(f"{flow.bank}/loans/apply/").text
    assert_page(form, "en", "XX Bank")
    assert "New pre-screening application" in form
    assert '<label for="id_amount_man_yen">Desired loan amount</label>' in form
    assert "Retrieve income information from Mynaportal" in form

    consent = flow.start(**TYPED)
    assert_page(consent.text, "en", "Mynaportal (simulator)")
    assert "STEP 1: Consent and identity verification" in consent.text
    assert (
        "XX Bank will obtain the following information through Mynaportal, for this"
        " purpose: Housing-loan pre-screening." in consent.text
    )
    assert "<li>Local tax</li>" in consent.text
    assert "I consent to providing the information" in consent.text

    identity = flow.consent(consent)
    assert_page(identity.text, "en", "Mynaportal (simulator)")
    assert "Identity verification with your My Number Card" in identity.text
    wrong = flow.identify(identity, HOLDER, "9999", follow=True)
    assert "Wrong PIN. 2 more wrong attempts will lock the card." in wrong.text

    status = flow.identify(wrong, HOLDER, PIN, follow=True)
    wait_until_waiting()
    waiting = flow.http.get(status.url).text
    assert_page(waiting, "en", "XX Bank")
    assert "Income information retrieval status" in waiting
    assert "“Information Provision Network System”, which holds it" in waiting
    assert "This is a planned stop set out in the Mynaportal" in waiting
    assert "<strong>December 21, 2026, 00:00</strong>" in waiting

    operating = flow.http.get(f"{flow.portal}/operating-status/").text
    assert_page(operating, "en", "Mynaportal (simulator)")
    assert "As of December 19, 2026, 23:00 on the simulator's clock" in operating
    assert '<th scope="row">Information Provision Network System</th>' in operating
    assert "Planned stop" in operating

    in_language(flow, "ja")
    japanese = flow.http.get(status.url).text
    assert "<strong>2026年12月21日 00:00</strong>" in japanese
    assert "「情報提供ネットワークシステム」" in japanese
    operating = flow.http.get(f"{flow.portal}/operating-status/").text
    assert "シミュレーターの時計で 2026年12月19日 23:00 現在" in operating

    control(portal, "clock", {"at": "2026-12-21T00:01:00+09:00", "frozen": True})
    filled = flow.wait_until_filled(status.url)
    assert field_value(filled.text, "annual_income_man_yen") == "567"
    assert "<dd>5,670,000円</dd>" in filled.text
    assert JAPANESE_DATETIME.search(filled.text)

    in_language(flow, "en")
    english = flow.http.get(f"{flow.bank}/loans/apply/").text
    assert "<dd>¥5,670,000</dd>" in english
    assert "円" not in english
    assert "Retrieved at" in english
    assert ENGLISH_DATETIME.search(english)

    mail = wait_for_mail()
    assert mail.subject == (
        "【〇〇銀行】所得情報の取得が完了しました"
        " / [XX Bank] Your income information has been retrieved"
    )
    assert mail.body.startswith("マイナポータルからの所得情報の取得が完了しました。")
    assert "Your income information has been retrieved from Mynaportal." in mail.body
    assert mail.body.count(status.url.split("/mynaportal/")[0]) == 2


def test_a_callback_error_reads_in_english(flow_signed_in: WebFlow) -> None:
    flow = in_language(flow_signed_in, "en")

    answer = flow.http.get(
        f"{flow.bank}/mynaportal/callback/",
        params={"code": "x" * 20, "state": "not-a-state-of-this-browser", "iss": "x"},
    )

    assert answer.status_code == 400
    assert_page(answer.text, "en", "XX Bank")
    assert "The procedure cannot continue" in answer.text
    assert "does not belong to a procedure started in this browser" in answer.text


def test_the_result_page_formats_its_amount_and_date_per_language(
    flow_signed_in: WebFlow,
) -> None:
    flow = in_language(flow_signed_in, "en")
    form = flow.http.get(f"{flow.bank}/loans/apply/")

    result = flow.http.post(
        f"{flow.bank}/loans/apply/",
        data={
            "csrfmiddlewaretoken": csrf_of(form.text),
            **TYPED,
            "annual_income_man_yen": "800",
        },
        headers={"Referer": form.url},
    )

    assert "/loans/applications/" in result.url
    assert_page(result.text, "en", "XX Bank")
    assert "<dd>October 1, 2030</dd>" in result.text
    assert re.search(r"<dd>¥\d{1,3}(,\d{3})+</dd>", result.text)
    in_language(flow, "ja")
    japanese = flow.http.get(result.url).text
    assert "<dd>2030年10月1日</dd>" in japanese
    assert re.search(r"<dd>\d{1,3}(,\d{3})+円</dd>", japanese)


BANK_PAGES = [
    "/",
    "/demo/",
    "/loans/apply/",
    "/mail/",
    "/developer/",
    "/accounts/logout/",
    "/accounts/password/change/",
    "/accounts/email/",
]
BANK_ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
]
PORTAL_PAGES = [
    "/",
    "/errors/",
    "/operating-status/",
    "/control/",
    "/control/clients/",
    "/control/personas/",
    "/inspector/",
]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_page_of_both_sites_has_a_title_and_the_language_switch(
    flow_signed_in: WebFlow, language: str
) -> None:
    flow = in_language(flow_signed_in, language)
    bank = "〇〇銀行" if language == "ja" else "XX Bank"
    portal = (
        "マイナポータル（シミュレーター）"
        if language == "ja"
        else ("Mynaportal (simulator)")
    )

    for path in BANK_PAGES:
        answer = flow.http.get(flow.bank + path)
        assert answer.status_code == 200, path
        assert_page(answer.text, language, bank)
    for path in PORTAL_PAGES:
        answer = flow.http.get(flow.portal + path)
        assert answer.status_code == 200, path
        assert_page(answer.text, language, portal)

    anonymous = requests.Session()
    switch_language(anonymous, flow.bank, language)
    for path in BANK_ANONYMOUS_PAGES:
        answer = anonymous.get(flow.bank + path)
        assert answer.status_code == 200, path
        assert_page(answer.text, language, bank)
        assert 'class="bank-card bank-account-form"' in answer.text
    kiosk = anonymous.get(f"{flow.bank}/kiosk/")
    assert kiosk.status_code == 200
    assert_page(kiosk.text, language, bank)


@pytest.mark.parametrize("language", ["ja", "en"])
def test_error_pages_are_each_sites_own(
    bank: str, portal: Portal, language: str
) -> None:
    http = requests.Session()
    switch_language(http, bank, language)
    switch_language(http, portal.url, language)
    english = language == "en"

    missing = http.get(f"{bank}/no-such-page/")
    assert missing.status_code == 404
    assert 'class="bank-header"' in missing.text
    assert_page(missing.text, language, "XX Bank" if english else "〇〇銀行")
    assert ("Page not found" if english else "ページが見つかりません") in missing.text

    missing = http.get(f"{portal.url}/no-such-page/")
    assert missing.status_code == 404
    assert 'class="portal-header"' in missing.text
    assert ("Page not found" if english else "ページが見つかりません") in missing.text

    forged = requests.post(
        f"{bank}/loans/apply/",
        data={"amount_man_yen": "1"},
        cookies={"bank_language": language},
        timeout=30,
    )
    assert forged.status_code == 403
    assert 'class="bank-header"' in forged.text
    assert_page(forged.text, language, "XX Bank" if english else "〇〇銀行")
    assert (
        "The form could not be accepted"
        if english
        else "送信を受け付けられませんでした"
    ) in forged.text

    forged = requests.post(
        f"{portal.url}/oauth/consent",
        data={"agree": "on"},
        cookies={"portal_language": language},
        timeout=30,
    )
    assert forged.status_code == 403
    assert 'class="portal-header"' in forged.text
    assert_page(
        forged.text,
        language,
        "Mynaportal (simulator)" if english else "マイナポータル（シミュレーター）",
    )
    assert "Django" not in forged.text


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_form_only_page_opened_by_its_address_shows_each_sites_page(
    flow_signed_in: WebFlow, language: str
) -> None:
    flow = in_language(flow_signed_in, language)
    english = language == "en"
    html = {"Accept": "text/html,application/xhtml+xml"}

    bank = flow.http.get(f"{flow.bank}/demo/normal/", headers=html)
    portal = flow.http.get(f"{flow.portal}/control/clock", headers=html)
    api = flow.http.get(f"{flow.portal}/control/clock")

    assert bank.status_code == 405
    assert bank.headers["Allow"] == "POST"
    assert_page(bank.text, language, "XX Bank" if english else "〇〇銀行")
    assert (
        "This page cannot be opened directly" if english else "直接開くことができません"
    ) in bank.text
    assert portal.status_code == 405
    assert 'class="portal-header"' in portal.text
    assert (api.status_code, api.content) == (405, b"")  # not a browser: as it was


def test_the_portal_refuses_an_unpushed_request_in_english(
    bank: str, portal: Portal
) -> None:
    http = requests.Session()
    switch_language(http, portal.url, "en")

    answer = http.get(f"{portal.url}/oauth/authorize", params={"client_id": "x"})

    assert answer.status_code == 400
    assert_page(answer.text, "en", "Mynaportal (simulator)")
    assert "The authorization request must be pushed (PAR) beforehand." in answer.text


@pytest.mark.parametrize(
    ("language", "title"),
    [("ja", "システムエラーが発生しました"), ("en", "A system error occurred")],
)
def test_the_simulators_500_page_is_its_own(
    portal: Portal, language: str, title: str
) -> None:
    """Rendered by the simulator's own settings, in its own process."""
    script = (
        "from django.test import RequestFactory\n"
        "from django.utils import translation\n"
        "from sitewide.error_pages import server_error\n"
        f"translation.activate({language!r})\n"
        "request = RequestFactory().get('/oauth/consent', HTTP_HOST='127.0.0.1')\n"
        "answer = server_error(request)\n"
        "print(answer.status_code)\n"
        "print(answer.content.decode())\n"
    )

    status, page = portal.manage("shell", "--no-imports", "--command", script).split(
        "\n", 1
    )

    assert status == "500"
    assert 'class="portal-header"' in page
    assert_page(
        page,
        language,
        "マイナポータル（シミュレーター）"
        if language == "ja"
        else "Mynaportal (simulator)",
    )
    assert f"<h1>{title}</h1>" in page


@pytest.mark.parametrize(
    ("language", "locked", "refused"),
    [
        ("ja", "ロック中", "設定を反映できませんでした"),
        ("en", "Locked", "The settings could not be applied"),
    ],
)
def test_the_simulators_personas_and_panel_errors_read_in_each_language(
    portal: Portal, language: str, locked: str, refused: str
) -> None:
    http = requests.Session()
    http.cookies.set("portal_language", language)

    personas = http.get(f"{portal.url}/control/personas/", timeout=10).text
    panel = http.get(f"{portal.url}/control/", timeout=10).text
    answer = http.post(
        f"{portal.url}/control/server",
        data={"csrfmiddlewaretoken": csrf_of(panel), "server": "nowhere"},
        headers={"Referer": f"{portal.url}/control/"},
        timeout=10,
    )

    assert locked in personas
    assert "<code>locked</code>" in personas
    assert answer.status_code == 200
    assert refused in answer.text
