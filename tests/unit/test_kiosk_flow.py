"""The kiosk's rules that need no screen: the calendar's stops and what is shown."""

from datetime import datetime
from typing import Any

import pytest

from loans import kiosk_flow
from mynaportal import catalog, schedule
from mynaportal.client.api import RetrievalStatus

FIG_3_3_6 = {
    "taxable_year": 2022,
    "salary_revenue": 6_000_000,
    "public_pension_revenue": 500_000,
    "business_income": 0,
    "total_income": 4_360_000,
}


def status_with(items: dict[str, Any]) -> RetrievalStatus:
    entry = {
        "tm_code": catalog.LOCAL_TAX_TM_CODE,
        "name": "地方税関係情報",
        "provider": "大阪府大阪市",
        "records": [{"valid_from": "2022-06-01", "valid_to": None, "items": items}],
    }
    return RetrievalStatus(
        id="00000000-0000-0000-0000-000000000001",
        state="completed",
        state_label="取得完了",
        error_code="",
        next_try_at=None,
        completed_at=None,
        data=[entry],
    )


def test_the_third_saturday_is_a_stop_known_before_any_card_is_read() -> None:
    stop = kiosk_flow.stop_by_calendar(datetime(2026, 12, 19, 23, tzinfo=schedule.JST))

    assert stop is not None
    assert stop.reason == "planned_stop"
    assert stop.resume_at == datetime(2026, 12, 21, 0, tzinfo=schedule.JST)
    assert stop.server is not None


def test_an_ordinary_wednesday_is_no_stop() -> None:
    at = datetime(2026, 12, 16, 12, tzinfo=schedule.JST)

    assert kiosk_flow.stop_by_calendar(at) is None


def test_the_confirm_screen_lists_the_items_in_mynaportals_order() -> None:
    shown = kiosk_flow.record_to_confirm(status_with(FIG_3_3_6))

    assert shown is not None
    keys = [key for key, _label, _kind, _value in shown.rows]
    order = [item.key for item in catalog.LOCAL_TAX.items if item.key in FIG_3_3_6]
    assert keys == order
    assert shown.rows[0][1:] == ("課税年度", "year", 2022)
    assert shown.income.man_yen == 650
    assert shown.provider == "大阪府大阪市"


@pytest.mark.parametrize("missing", ["salary_revenue", "business_income"])
def test_a_partial_record_is_not_shown_for_confirmation(missing: str) -> None:
    items = {key: value for key, value in FIG_3_3_6.items() if key != missing}

    assert kiosk_flow.record_to_confirm(status_with(items)) is None


@pytest.mark.django_db
def test_confirm_pressed_twice_hands_over_once() -> None:
    from loans.models import KioskApplication

    status = status_with(FIG_3_3_6)

    first = kiosk_flow.hand_over(KioskApplication.Service.HOUSING_LOAN, status)
    second = kiosk_flow.hand_over(KioskApplication.Service.HOUSING_LOAN, status)

    assert second.pk == first.pk
    assert KioskApplication.objects.get().annual_income_man_yen == 650
