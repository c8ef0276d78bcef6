"""Tests of mynaportal.schedule: operating hours and planned stops (表2.5-1〜2.5-4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mynaportal import schedule
from mynaportal.catalog import CATEGORIES, LOCAL_TAX_TM_CODE, SERVERS, servers_needed
from mynaportal.schedule import (
    CHART_WIDTH,
    JST,
    Reason,
    blocking_servers,
    chart_ticks,
    intervals,
    is_operating,
    next_operating,
    server_state,
    week_chart,
)

PLANNED = Reason.PLANNED_STOP
OUTSIDE = Reason.OUTSIDE_HOURS
MINUTE = timedelta(minutes=1)

PROPERTY = settings(max_examples=200, deadline=None)


def jst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=JST)


def reason(code: str, at: datetime, forced: dict[str, bool] | None = None) -> Reason:
    return server_state(code, at, forced).reason


# --------------------------------------------------------------------------
# The data file
# --------------------------------------------------------------------------


def test_every_server_of_the_catalog_has_hours() -> None:
    assert [state.code for state in schedule.all_states(jst(2026, 12, 1))] == list(
        SERVERS
    )


def test_servers_open_all_year_never_change() -> None:
    for code in ("myna-portal", "public-funds-account"):
        state = server_state(code, jst(2026, 12, 19, 12))
        assert state.operating
        assert state.reason is Reason.OPERATING
        assert state.next_change is None
        assert intervals(code, jst(2026, 1, 1), jst(2029, 1, 1)) == []


def test_state_carries_the_catalog_names() -> None:
    state = server_state("municipal", jst(2026, 12, 1))

    assert (state.name, state.name_en) == (
        "自治体中間サーバ",
        "Municipal middle server",
    )


# --------------------------------------------------------------------------
# 第3土日: the weekend of the month's 3rd Saturday
# --------------------------------------------------------------------------


def test_2026_12_19_is_the_third_saturday() -> None:
    day = date(2026, 12, 19)

    assert day.weekday() == 5
    assert 15 <= day.day <= 21


@pytest.mark.parametrize("code", ["municipal", "info-network"])
def test_third_weekend_stops_saturday_to_monday(code: str) -> None:
    spans = intervals(code, jst(2026, 12, 1), jst(2027, 1, 1))

    assert spans == [(jst(2026, 12, 19), jst(2026, 12, 21), PLANNED)]


def test_third_weekend_follows_the_third_saturday_not_the_third_sunday() -> None:
    assert date(2026, 3, 1).weekday() == 6  # the 3rd Sunday, 3/15, precedes 3/21

    assert is_operating("info-network", jst(2026, 3, 15, 12))
    assert not is_operating("info-network", jst(2026, 3, 22, 12))
    assert intervals("info-network", jst(2026, 3, 1), jst(2026, 4, 1)) == [
        (jst(2026, 3, 21), jst(2026, 3, 23), PLANNED)
    ]


def test_juki_net_third_weekend_night_and_year_end() -> None:
    spans = intervals("juki-net", jst(2026, 12, 1), jst(2027, 1, 31))

    assert spans == [
        (jst(2026, 12, 19, 22), jst(2026, 12, 20, 8), PLANNED),
        (jst(2026, 12, 28, 21), jst(2027, 1, 4, 8), PLANNED),
        (jst(2027, 1, 16, 22), jst(2027, 1, 17, 8), PLANNED),
    ]


def test_juki_net_is_up_on_third_saturday_before_22() -> None:
    assert is_operating("juki-net", jst(2026, 12, 19, 21, 59))
    assert not is_operating("juki-net", jst(2026, 12, 19, 22))
    assert is_operating("juki-net", jst(2026, 12, 20, 8))


def test_local_tax_waits_for_the_third_weekend_to_end() -> None:
    at = jst(2026, 12, 19, 23)

    assert blocking_servers([LOCAL_TAX_TM_CODE], at) == [
        "info-network",
        "juki-net",
        "municipal",
    ]
    assert is_operating("juki-net", jst(2026, 12, 20, 8))
    assert next_operating([LOCAL_TAX_TM_CODE], at) == jst(2026, 12, 21)


def test_local_tax_waits_for_the_year_end_of_juki_net() -> None:
    assert next_operating([LOCAL_TAX_TM_CODE], jst(2026, 12, 30, 12)) == jst(
        2027, 1, 4, 8
    )


def test_next_operating_is_now_when_everything_is_up() -> None:
    at = jst(2026, 12, 16, 10, 30, 15)

    assert next_operating([LOCAL_TAX_TM_CODE], at) == at
    assert blocking_servers([LOCAL_TAX_TM_CODE], at) == []


# --------------------------------------------------------------------------
# 土日祝日を除く and half-open windows
# --------------------------------------------------------------------------


def test_pension_service_is_closed_on_a_national_holiday() -> None:
    assert date(2027, 1, 11).weekday() == 0  # 成人の日, a Monday

    assert reason("pension-service", jst(2027, 1, 11, 12)) is OUTSIDE
    assert is_operating("pension-service", jst(2027, 1, 12, 12))


def test_pension_service_closes_at_23_exactly() -> None:
    assert is_operating("pension-service", jst(2026, 12, 16, 22, 59, 59))
    assert not is_operating("pension-service", jst(2026, 12, 16, 23))


def test_windows_are_half_open_at_eight() -> None:
    assert not is_operating("pension-service", jst(2026, 12, 16, 7, 59, 59))
    assert is_operating("pension-service", jst(2026, 12, 16, 8))
    assert server_state("pension-service", jst(2026, 12, 16, 7)).next_change == jst(
        2026, 12, 16, 8
    )


def test_medical_insurers_are_closed_on_saturday() -> None:
    assert date(2026, 12, 12).weekday() == 5

    assert reason("medical-insurers", jst(2026, 12, 12, 12)) is OUTSIDE
    assert server_state("medical-insurers", jst(2026, 12, 12, 12)).next_change == jst(
        2026, 12, 14, 8
    )


def test_medical_insurers_daily_stop_reads_as_outside_hours() -> None:
    assert reason("medical-insurers", jst(2026, 12, 16, 4)) is OUTSIDE


def test_year_end_days_are_not_holidays() -> None:
    assert date(2026, 12, 31).weekday() == 3
    assert date(2027, 12, 31).weekday() == 4
    assert date(2026, 1, 2).weekday() == 4

    assert is_operating("pension-service", jst(2026, 12, 31, 12))
    assert is_operating("pension-service", jst(2027, 12, 31, 12))
    assert is_operating("pension-service", jst(2026, 1, 2, 12))
    assert not is_operating("pension-service", jst(2028, 12, 31, 12))  # a Sunday
    assert not is_operating("pension-service", jst(2027, 1, 1, 12))  # 元日


def test_hellowork_keeps_daily_hours_on_weekends() -> None:
    assert is_operating("hellowork", jst(2026, 12, 19, 7))
    assert not is_operating("hellowork", jst(2026, 12, 19, 22))


# --------------------------------------------------------------------------
# Other planned stops
# --------------------------------------------------------------------------


def test_kokkyosai_second_friday_night_is_a_planned_stop() -> None:
    assert date(2026, 12, 11).weekday() == 4

    assert is_operating("kokkyosai", jst(2026, 12, 11, 20, 59))
    assert reason("kokkyosai", jst(2026, 12, 11, 22)) is PLANNED
    assert reason("kokkyosai", jst(2026, 12, 4, 22)) is OUTSIDE
    assert intervals("kokkyosai", jst(2026, 12, 11, 12), jst(2026, 12, 14, 12)) == [
        (jst(2026, 12, 11, 21), jst(2026, 12, 12, 8), PLANNED),
        (jst(2026, 12, 12, 8), jst(2026, 12, 14, 8), OUTSIDE),
    ]
    assert server_state("kokkyosai", jst(2026, 12, 11, 22)).next_change == jst(
        2026, 12, 14, 8
    )


@pytest.mark.parametrize("saturday", [date(2026, 12, 26), date(2026, 1, 31)])
def test_shigaku_kyosai_stops_on_the_last_saturday(saturday: date) -> None:
    friday = datetime.combine(saturday - timedelta(days=1), datetime.min.time(), JST)

    assert intervals(
        "shigaku-kyosai", friday + timedelta(hours=12), friday + timedelta(days=3)
    ) == [
        (friday + timedelta(hours=21), friday + timedelta(days=1), OUTSIDE),
        (friday + timedelta(days=1), friday + timedelta(days=2), PLANNED),
        (friday + timedelta(days=2), friday + timedelta(days=3), OUTSIDE),
    ]


def test_shigaku_kyosai_earlier_saturdays_are_only_weekends() -> None:
    assert reason("shigaku-kyosai", jst(2026, 12, 19, 12)) is OUTSIDE


def test_chikousai_hosho_stops_on_the_third_weekend_of_june_and_december() -> None:
    assert intervals("chikousai-hosho", jst(2026, 6, 19, 12), jst(2026, 6, 22, 12)) == [
        (jst(2026, 6, 19, 21), jst(2026, 6, 20), OUTSIDE),
        (jst(2026, 6, 20), jst(2026, 6, 22), PLANNED),
        (jst(2026, 6, 22), jst(2026, 6, 22, 8), OUTSIDE),
    ]
    assert reason("chikousai-hosho", jst(2026, 12, 20, 12)) is PLANNED
    assert is_operating("chikousai-hosho", jst(2026, 7, 18, 12))


# --------------------------------------------------------------------------
# Forced states (the simulator's control panel)
# --------------------------------------------------------------------------


def test_forced_down_has_no_known_end() -> None:
    forced = {"municipal": False}
    state = server_state("municipal", jst(2026, 12, 16, 12), forced)

    assert (state.operating, state.reason, state.next_change) == (
        False,
        Reason.FORCED_DOWN,
        None,
    )
    assert next_operating([LOCAL_TAX_TM_CODE], jst(2026, 12, 16, 12), forced) is None
    assert intervals("municipal", jst(2026, 12, 1), jst(2026, 12, 2), forced) == [
        (jst(2026, 12, 1), jst(2026, 12, 2), Reason.FORCED_DOWN)
    ]


def test_forced_down_elsewhere_does_not_block() -> None:
    forced = {"pension-service": False}
    at = jst(2026, 12, 16, 12)

    assert next_operating([LOCAL_TAX_TM_CODE], at, forced) == at


def test_forced_up_overrides_a_planned_stop() -> None:
    forced = {"municipal": True, "info-network": True}
    at = jst(2026, 12, 19, 23)

    assert is_operating("municipal", at, forced)
    assert server_state("municipal", at, forced).next_change is None
    assert intervals("municipal", jst(2026, 12, 1), jst(2027, 1, 1), forced) == []
    assert next_operating([LOCAL_TAX_TM_CODE], at, forced) == jst(2026, 12, 20, 8)


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_operating("municipal", datetime(2026, 12, 19, 12))
    with pytest.raises(ValueError, match="timezone-aware"):
        next_operating([LOCAL_TAX_TM_CODE], datetime(2026, 12, 19, 12))


def test_years_without_holiday_data_are_refused() -> None:
    with pytest.raises(ValueError, match="supported years"):
        is_operating("pension-service", jst(2100, 1, 4, 12))


def test_other_time_zones_are_read_as_the_same_moment() -> None:
    at = datetime(2026, 12, 18, 23, tzinfo=UTC)  # 2026-12-19 08:00 JST

    assert server_state("municipal", at).reason is PLANNED
    assert next_operating([LOCAL_TAX_TM_CODE], at) == jst(2026, 12, 21)


def test_unknown_server_raises_key_error() -> None:
    with pytest.raises(KeyError):
        is_operating("no-such-server", jst(2026, 12, 1))


def test_nothing_found_within_the_horizon_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(schedule, "SEARCH_HORIZON", timedelta(hours=1))

    with pytest.raises(LookupError):
        next_operating([LOCAL_TAX_TM_CODE], jst(2026, 12, 19, 23))


# --------------------------------------------------------------------------
# The chart of the coming week
# --------------------------------------------------------------------------


def test_week_chart_places_the_third_weekend() -> None:
    rows = week_chart(jst(2026, 12, 14))  # a Monday: 100 units a day
    by_code = {row.code: row for row in rows}

    assert CHART_WIDTH == 700
    assert [row.code for row in rows] == list(SERVERS)
    assert [row.y for row in rows] == [40.0 * index for index in range(len(SERVERS))]
    assert [
        (rect.x, rect.width, rect.reason) for rect in by_code["municipal"].rects
    ] == [(500.0, 200.0, PLANNED)]
    assert by_code["myna-portal"].rects == ()


def test_week_chart_clips_and_splits_by_reason() -> None:
    rows = week_chart(jst(2026, 12, 18, 12), days=2)  # 350 units a day
    juki = {row.code: row for row in rows}["juki-net"]
    kokkyosai = {row.code: row for row in rows}["kokkyosai"]

    assert [(rect.x, rect.width) for rect in juki.rects] == [(495.83, 145.84)]
    assert [(rect.x, rect.width, rect.reason) for rect in kokkyosai.rects] == [
        (131.25, 568.75, OUTSIDE)
    ]
    assert kokkyosai.rects[0].end == jst(2026, 12, 20, 12)


def test_week_chart_shows_forced_down_over_the_whole_week() -> None:
    rows = week_chart(jst(2026, 12, 14), forced={"myna-portal": False})

    assert [(rect.x, rect.width, rect.reason) for rect in rows[0].rects] == [
        (0.0, 700.0, Reason.FORCED_DOWN)
    ]


def test_chart_ticks_fall_on_midnights() -> None:
    assert [(tick.x, tick.day) for tick in chart_ticks(jst(2026, 12, 14), days=2)] == [
        (0.0, date(2026, 12, 14)),
        (350.0, date(2026, 12, 15)),
    ]
    assert [(tick.x, tick.day) for tick in chart_ticks(jst(2026, 12, 14, 18), 2)] == [
        (87.5, date(2026, 12, 15)),
        (437.5, date(2026, 12, 16)),
    ]


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2028, 12, 31, 23, 59, 59),
    timezones=st.just(JST),
)
tm_code_sets = st.sets(st.sampled_from(sorted(CATEGORIES)), max_size=4)
forced_states = st.dictionaries(
    st.sampled_from(list(SERVERS)), st.booleans(), max_size=2
)


def all_up(tm_codes: set[str], at: datetime, forced: dict[str, bool]) -> bool:
    return blocking_servers(tm_codes, at, forced) == []


@PROPERTY
@given(at=moments, tm_codes=tm_code_sets)
def test_next_operating_is_exact(at: datetime, tm_codes: set[str]) -> None:
    found = next_operating(tm_codes, at)

    assert found is not None
    assert found >= at
    assert all_up(tm_codes, found, {})
    if found > at:
        assert not all_up(tm_codes, found - MINUTE, {})


@PROPERTY
@given(at=moments, tm_codes=tm_code_sets, forced=forced_states, data=st.data())
def test_next_operating_is_the_earliest(
    at: datetime,
    tm_codes: set[str],
    forced: dict[str, bool],
    data: st.DataObject,
) -> None:
    found = next_operating(tm_codes, at, forced)
    needed = servers_needed(tm_codes)

    if any(forced.get(code) is False for code in needed):
        assert found is None
        return
    assert found is not None
    assert all_up(tm_codes, found, forced)
    if found > at:
        earlier = data.draw(
            st.datetimes(
                min_value=at.replace(tzinfo=None),
                max_value=(found - timedelta(microseconds=1)).replace(tzinfo=None),
                timezones=st.just(JST),
            )
        )
        assert not all_up(tm_codes, earlier, forced)


@PROPERTY
@given(at=moments, code=st.sampled_from(list(SERVERS)), data=st.data())
def test_next_change_is_exact(at: datetime, code: str, data: st.DataObject) -> None:
    state = server_state(code, at)

    if state.next_change is None:
        return
    assert state.next_change > at
    assert is_operating(code, state.next_change) != state.operating
    assert is_operating(code, state.next_change - MINUTE) == state.operating
    between = data.draw(
        st.datetimes(
            min_value=at.replace(tzinfo=None),
            max_value=(state.next_change - timedelta(microseconds=1)).replace(
                tzinfo=None
            ),
            timezones=st.just(JST),
        )
    )
    assert is_operating(code, between) == state.operating


@PROPERTY
@given(at=moments, code=st.sampled_from(list(SERVERS)), data=st.data())
def test_intervals_agree_with_the_state(
    at: datetime, code: str, data: st.DataObject
) -> None:
    end = at + timedelta(days=3)
    spans = intervals(code, at, end)
    probe = data.draw(
        st.datetimes(
            min_value=at.replace(tzinfo=None),
            max_value=(end - timedelta(microseconds=1)).replace(tzinfo=None),
            timezones=st.just(JST),
        )
    )

    assert all(start < stop for start, stop, _ in spans)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))
    assert all(a[2] != b[2] for a, b in pairwise(spans) if a[1] == b[0])
    assert all(at <= start and stop <= end for start, stop, _ in spans)
    inside = [why for start, stop, why in spans if start <= probe < stop]
    assert [reason(code, probe)] == (inside or [Reason.OPERATING])
