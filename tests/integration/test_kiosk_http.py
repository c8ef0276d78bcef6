"""The kiosk's screens over plain HTTP: what the server itself enforces.

Without any script running, the server still refuses to skip a step, keeps
everything away from the loan service before 「確認」, and forgets a transaction
left idle past the timeout.
"""

import time
from datetime import datetime
from typing import Any

import pytest
import requests

from loans import kiosk_flow
from loans.models import KioskApplication
from mynaportal import schedule
from mynaportal.client.models import Retrieval
from tests.conftest import Portal
from tests.httpflow import csrf_of


class Kiosk:
    """One kiosk screen's browser, without JavaScript."""

    def __init__(self, bank: str) -> None:
        self.bank = bank
        self.http = requests.Session()

    def post(self, path: str, **data: str) -> requests.Response:
        page = self.http.get(f"{self.bank}/kiosk/service/")
        token = csrf_of(page.text)
        return self.http.post(
            f"{self.bank}{path}",
            data={"csrfmiddlewaretoken": token, **data},
            allow_redirects=False,
        )

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.bank}{path}", allow_redirects=False)

    def to_confirm(self, card: str = "suzuki-ichiro", pin: str = "2345") -> None:
        assert self.post("/kiosk/service/", service="card_loan").status_code == 302
        assert self.post("/kiosk/consent/").headers["Location"] == "/kiosk/card/"
        assert self.post("/kiosk/card/", card=card).headers["Location"] == "/kiosk/pin/"
        signed = self.post("/kiosk/pin/", pin=pin)
        assert signed.headers["Location"] == "/kiosk/retrieving/"

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = self.get("/kiosk/retrieving/")
            if answer.status_code == 302:
                assert answer.headers["Location"] == "/kiosk/confirm/"
                return
            time.sleep(0.5)
        raise AssertionError("The retrieval did not complete")


@pytest.fixture
def kiosk(bank: str, portal: Portal) -> Kiosk:
    return Kiosk(bank)


def test_the_confirm_screen_hands_over_nothing_and_is_not_cached(
    kiosk: Kiosk,
) -> None:
    kiosk.to_confirm()

    shown = kiosk.get("/kiosk/confirm/")

    assert shown.status_code == 200
    assert "6,000,000円" in shown.text
    assert "no-store" in shown.headers["Cache-Control"]
    assert KioskApplication.objects.count() == 0
    assert Retrieval.objects.get().state == Retrieval.State.COMPLETED


def test_the_card_loan_service_gets_the_income_after_confirm(kiosk: Kiosk) -> None:
    kiosk.to_confirm()

    done = kiosk.post("/kiosk/confirm/")

    assert done.headers["Location"] == "/kiosk/done/"
    application = KioskApplication.objects.get()
    assert application.service == KioskApplication.Service.CARD_LOAN
    assert application.annual_income_man_yen == 650
    assert application.reference in kiosk.get("/kiosk/done/").text


def test_the_server_forgets_a_transaction_left_idle(
    kiosk: Kiosk, settings: Any
) -> None:
    kiosk.to_confirm()
    settings.BANK_KIOSK_IDLE_SECONDS = 2
    time.sleep(3)

    answer = kiosk.get("/kiosk/confirm/")

    assert answer.headers["Location"] == "/kiosk/"
    retrieval = Retrieval.objects.get()
    assert retrieval.purged_at is not None
    assert retrieval.result_sealed == ""
    assert KioskApplication.objects.count() == 0


@pytest.mark.parametrize(
    "path", ["/kiosk/consent/", "/kiosk/card/", "/kiosk/pin/", "/kiosk/confirm/"]
)
def test_no_step_can_be_skipped(kiosk: Kiosk, path: str) -> None:
    answer = kiosk.post(path, pin="2345", card="suzuki-ichiro")

    assert answer.headers["Location"] == "/kiosk/"
    assert Retrieval.objects.count() == 0
    assert KioskApplication.objects.count() == 0


def test_a_malformed_pin_is_refused_without_touching_the_card(kiosk: Kiosk) -> None:
    kiosk.post("/kiosk/service/", service="housing_loan")
    kiosk.post("/kiosk/consent/")
    kiosk.post("/kiosk/card/", card="suzuki-ichiro")

    answer = kiosk.post("/kiosk/pin/", pin="12a4")

    assert answer.status_code == 400
    assert 'data-testid="pin-error"' in answer.text
    assert kiosk.post("/kiosk/pin/", pin="2345").status_code == 302


def test_a_stop_the_calendar_knows_is_told_before_any_card_is_read(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    third_saturday = datetime(2026, 12, 19, 23, tzinfo=schedule.JST)
    calendar = kiosk_flow.stop_by_calendar
    monkeypatch.setattr(
        kiosk_flow, "stop_by_calendar", lambda at: calendar(third_saturday)
    )

    answer = kiosk.post("/kiosk/service/", service="housing_loan")

    assert answer.status_code == 200
    assert 'data-testid="kiosk-stopped"' in answer.text
    assert "2026年12月21日 00:00" in answer.text
    assert "/loans/apply/" in answer.text
    assert kiosk.get("/kiosk/consent/").headers["Location"] == "/kiosk/"


def test_the_demo_guide_leads_to_the_kiosk(kiosk: Kiosk) -> None:
    guide = kiosk.get("/demo/")

    assert 'data-testid="demo-kiosk"' in guide.text
    assert 'href="/kiosk/"' in guide.text
