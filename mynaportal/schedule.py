"""Operating hours of every server an immediate retrieval needs (表2.5-1〜2.5-4).

The hours and planned stops live in operating_hours.toml, beside this module, with
the reading chosen wherever the guideline leaves a window open. Times are Japan time
and every window is half-open: a server stopped 21:00〜8:00 is up at 8:00 exactly.
土日祝日を除く uses Japanese national holidays (holidays.Japan(), public category);
12/31〜1/3 are not 祝日 and count only where the data file says so.

The state of a server changes only at a few known moments each day (midnight, its
opening and closing times, the edges of its stops), so every question is answered by
walking those edges day by day, never minute by minute.

Shared by the bank's client and the simulator: no Django here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from holidays.countries.japan import Japan

from mynaportal.catalog import SERVERS, servers_needed

__all__ = [
    "CHART_BAR_HEIGHT",
    "CHART_ROW_HEIGHT",
    "CHART_WIDTH",
    "DATA_FILE",
    "JST",
    "SEARCH_HORIZON",
    "ChartRect",
    "ChartRow",
    "ChartTick",
    "Reason",
    "ServerState",
    "all_states",
    "blocking_servers",
    "chart_ticks",
    "intervals",
    "is_operating",
    "next_operating",
    "server_state",
    "week_chart",
]

JST = ZoneInfo("Asia/Tokyo")
DATA_FILE = Path(__file__).with_name("operating_hours.toml")
SEARCH_HORIZON = timedelta(days=40)
"""How far ahead next_operating and next_change look before giving up."""

_DAY = timedelta(days=1)

Forced = Mapping[str, bool]


class Reason(StrEnum):
    """Why a server is, or is not, operating."""

    OPERATING = "operating"
    OUTSIDE_HOURS = "outside_hours"
    PLANNED_STOP = "planned_stop"
    FORCED_DOWN = "forced_down"


@dataclass(frozen=True)
class ServerState:
    """A server's state at one moment."""

    code: str
    name: str
    name_en: str
    operating: bool
    reason: Reason
    next_change: datetime | None
    """When `operating` next flips (JST); None if it never does (24/365 or forced)."""


# --------------------------------------------------------------------------
# The data file
# --------------------------------------------------------------------------

_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")
_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1}
_WEEKDAYS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_MONTHLY = re.compile(rf"({'|'.join(_ORDINALS)}) ({'|'.join(_WEEKDAYS)})")
_YEARLY = re.compile(r"([0-9]{2})-([0-9]{2})")
_ALL_MONTHS = frozenset(range(1, 13))
_SERVER_KEYS = frozenset(
    {"hours", "closed_on_weekends_and_holidays", "daily_stop", "stops", "stop_weekend"}
)
_STOP_KEYS = frozenset({"on", "months", "start", "end", "end_day"})


@dataclass(frozen=True)
class _Stop:
    """A planned stop that comes back every month (nth weekday) or every year."""

    nth: int
    weekday: int
    month_day: tuple[int, int] | None
    months: frozenset[int]
    start: timedelta
    end: timedelta
    end_day: int

    def windows(self, year: int) -> Iterator[tuple[datetime, datetime]]:
        """The stop's windows whose anchor day falls in year."""
        for anchor in self._anchors(year):
            end_day = anchor + timedelta(days=self.end_day)
            yield _midnight(anchor) + self.start, _midnight(end_day) + self.end

    def _anchors(self, year: int) -> Iterator[date]:
        if self.month_day is not None:
            yield date(year, *self.month_day)
            return

        for month in sorted(self.months):
            anchor = _nth_weekday(year, month, self.weekday, self.nth)
            if anchor is not None:
                yield anchor


@dataclass(frozen=True)
class _Rule:
    """One server's row of 表2.5-1〜2.5-4, as read from the data file."""

    opens: timedelta
    closes: timedelta
    weekdays_only: bool
    daily_stop: tuple[timedelta, timedelta] | None
    stops: tuple[_Stop, ...]

    @property
    def constant(self) -> bool:
        """Whether the server is operating at every moment (24 時間 365 日, no stop)."""
        return (
            self.opens == timedelta(0)
            and self.closes == _DAY
            and not self.weekdays_only
            and self.daily_stop is None
            and not self.stops
        )


@cache
def _rules() -> dict[str, _Rule]:
    with DATA_FILE.open("rb") as file:
        servers = tomllib.load(file).get("servers", {})

    if set(servers) != set(SERVERS):
        raise ValueError(f"{DATA_FILE.name} must hold exactly the servers of catalog")
    return {code: _parse_rule(code, servers[code]) for code in SERVERS}


def _parse_rule(code: str, table: dict[str, Any]) -> _Rule:
    _check_keys(code, table, _SERVER_KEYS)
    opens, closes = _parse_span(code, table.get("hours"))
    weekdays_only = table.get("closed_on_weekends_and_holidays", False)
    if not isinstance(weekdays_only, bool):
        raise ValueError(f"{code}: closed_on_weekends_and_holidays must be a boolean")

    daily = table.get("daily_stop")
    stops = [_parse_stop(code, entry) for entry in table.get("stops", [])]
    if "stop_weekend" in table:
        stops.append(_parse_stop_weekend(code, table["stop_weekend"]))
    return _Rule(
        opens=opens,
        closes=closes,
        weekdays_only=weekdays_only,
        daily_stop=None if daily is None else _parse_span(code, daily),
        stops=tuple(stops),
    )


def _parse_stop(code: str, entry: dict[str, Any]) -> _Stop:
    _check_keys(code, entry, _STOP_KEYS)
    on = str(entry.get("on"))
    end_day = entry.get("end_day", 0)
    if not isinstance(end_day, int) or isinstance(end_day, bool) or end_day < 0:
        raise ValueError(f"{code}: end_day must be a non-negative integer")

    stop = _Stop(
        nth=0,
        weekday=0,
        month_day=None,
        months=_parse_months(code, entry.get("months", sorted(_ALL_MONTHS))),
        start=_parse_time(code, entry.get("start")),
        end=_parse_time(code, entry.get("end")),
        end_day=end_day,
    )
    stop = _with_anchor(code, stop, on)
    if end_day * _DAY + stop.end <= stop.start:
        raise ValueError(f"{code}: a stop must end after it starts")
    return stop


def _with_anchor(code: str, stop: _Stop, on: str) -> _Stop:
    monthly = _MONTHLY.fullmatch(on)
    if monthly is not None:
        nth, weekday = _ORDINALS[monthly[1]], _WEEKDAYS.index(monthly[2])
        return replace(stop, nth=nth, weekday=weekday)

    yearly = _YEARLY.fullmatch(on)
    if yearly is None:
        raise ValueError(f"{code}: unknown stop anchor {on!r}")
    month_day = (int(yearly[1]), int(yearly[2]))
    try:
        date(2001, *month_day)  # not a leap year: 02-29 would skip years
    except ValueError:
        raise ValueError(f"{code}: no such yearly date {on!r}") from None
    return replace(stop, month_day=month_day)


def _parse_stop_weekend(code: str, setting: dict[str, Any]) -> _Stop:
    _check_keys(code, setting, frozenset({"months", "week"}))
    week = setting.get("week")
    if week not in (1, 2, 3, 4, 5):
        raise ValueError(f"{code}: stop_weekend.week must be 1 to 5")

    return _Stop(
        nth=week,
        weekday=_WEEKDAYS.index("saturday"),
        month_day=None,
        months=_parse_months(code, setting.get("months")),
        start=timedelta(0),
        end=timedelta(0),
        end_day=2,
    )


def _parse_months(code: str, months: object) -> frozenset[int]:
    if not isinstance(months, list) or not months:
        raise ValueError(f"{code}: months must be a non-empty list")
    if not set(months) <= _ALL_MONTHS:
        raise ValueError(f"{code}: months must be 1 to 12")
    return frozenset(months)


def _parse_span(code: str, text: object) -> tuple[timedelta, timedelta]:
    start, _, end = str(text).partition("-")
    span = _parse_time(code, start), _parse_time(code, end)
    if not span[0] < span[1]:
        raise ValueError(f"{code}: {text!r} must end after it starts")
    return span


def _parse_time(code: str, text: object) -> timedelta:
    match = _TIME.fullmatch(str(text))
    if match is None:
        raise ValueError(f"{code}: {text!r} is not HH:MM")

    value = timedelta(hours=int(match[1]), minutes=int(match[2]))
    if int(match[2]) > 59 or value > _DAY:
        raise ValueError(f"{code}: {text!r} is not a time of day")
    return value


def _check_keys(code: str, table: object, allowed: frozenset[str]) -> None:
    if not isinstance(table, dict):
        raise ValueError(f"{code}: expected a table")
    unknown = set(table) - allowed
    if unknown:
        raise ValueError(f"{code}: unknown keys {sorted(unknown)}")


# --------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=JST)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    if nth == -1:
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - _DAY
        return last - timedelta(days=(last.weekday() - weekday) % 7)

    first = date(year, month, 1)
    day = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    return day if day.month == month else None


@cache
def _holidays(year: int) -> frozenset[date]:
    return frozenset(Japan(years=year))


def _is_day_off(day: date) -> bool:
    """土日祝日: a Saturday, a Sunday or a national holiday (12/31〜1/3 are not)."""
    return day.weekday() >= 5 or day in _holidays(day.year)


def _jst(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the time must be timezone-aware")

    moment = moment.astimezone(JST)
    # holidays.Japan is empty outside these years, which would silently open every
    # 土日祝日 server on holidays.
    if not Japan.start_year < moment.year < Japan.end_year:
        raise ValueError(f"{moment.year} is outside the supported years")
    return moment


@cache
def _windows(code: str, year: int) -> tuple[tuple[datetime, datetime], ...]:
    """Planned stops of a server whose anchor day falls in year."""
    stops = _rules()[code].stops
    return tuple(sorted(window for stop in stops for window in stop.windows(year)))


def _in_planned_stop(code: str, moment: datetime) -> bool:
    # A window anchored in December can run into January (juki-net's year end).
    years = (moment.year - 1, moment.year)
    return any(
        start <= moment < end for year in years for start, end in _windows(code, year)
    )


def _within_hours(rule: _Rule, moment: datetime) -> bool:
    day = moment.date()
    if rule.weekdays_only and _is_day_off(day):
        return False

    clock = moment - _midnight(day)
    if rule.daily_stop is not None and rule.daily_stop[0] <= clock < rule.daily_stop[1]:
        return False
    return rule.opens <= clock < rule.closes


def _calendar_reason(code: str, moment: datetime) -> Reason:
    # A planned stop wins over closed hours, so that kokkyosai's night stop, which
    # lies outside its hours, still reads as planned (表2.5-4 No.6).
    if _in_planned_stop(code, moment):
        return Reason.PLANNED_STOP
    if not _within_hours(_rules()[code], moment):
        return Reason.OUTSIDE_HOURS
    return Reason.OPERATING


def _reason(code: str, moment: datetime, forced: Forced) -> Reason:
    if code in forced:
        return Reason.OPERATING if forced[code] else Reason.FORCED_DOWN
    return _calendar_reason(code, moment)


@lru_cache(maxsize=8192)
def _day_edges(code: str, day: date) -> tuple[datetime, ...]:
    """Moments of the day at which the server's calendar state may change."""
    rule = _rules()[code]
    offsets = {timedelta(0), rule.opens, rule.closes, *(rule.daily_stop or ())}
    edges = {_midnight(day) + offset for offset in offsets if offset < _DAY}
    for year in (day.year - 1, day.year):
        for window in _windows(code, year):
            edges.update(moment for moment in window if moment.date() == day)
    return tuple(sorted(edges))


def _edges_between(
    codes: tuple[str, ...], start: datetime, until: datetime
) -> Iterator[datetime]:
    """Possible change moments of these servers in (start, until), in order."""
    day = start.date()
    while _midnight(day) < until:
        edges = {edge for code in codes for edge in _day_edges(code, day)}
        yield from sorted(edge for edge in edges if start < edge < until)
        day += _DAY


def _segments(
    code: str, start: datetime, end: datetime, forced: Forced
) -> list[tuple[datetime, datetime, Reason]]:
    """The server's state over [start, end), as maximal spans of one reason."""
    if code in forced:
        return [(start, end, _reason(code, start, forced))]

    current_start, current = start, _calendar_reason(code, start)
    spans: list[tuple[datetime, datetime, Reason]] = []
    for edge in _edges_between((code,), start, end):
        reason = _calendar_reason(code, edge)
        if reason != current:
            spans.append((current_start, edge, current))
            current_start, current = edge, reason

    spans.append((current_start, end, current))
    return spans


def _next_change(code: str, at: datetime, forced: Forced) -> datetime | None:
    if code in forced or _rules()[code].constant:
        return None

    operating = _calendar_reason(code, at) is Reason.OPERATING
    for edge in _edges_between((code,), at, at + SEARCH_HORIZON):
        if (_calendar_reason(code, edge) is Reason.OPERATING) != operating:
            return edge
    raise LookupError(f"{code} does not change within {SEARCH_HORIZON.days} days")


# --------------------------------------------------------------------------
# Public interface
# --------------------------------------------------------------------------


def server_state(code: str, at: datetime, forced: Forced | None = None) -> ServerState:
    """The state of one server at `at`; unknown codes raise KeyError."""
    at, forced = _jst(at), forced or {}
    server = SERVERS[code]

    reason = _reason(code, at, forced)
    return ServerState(
        code=code,
        name=server.name,
        name_en=server.name_en,
        operating=reason is Reason.OPERATING,
        reason=reason,
        next_change=_next_change(code, at, forced),
    )


def is_operating(code: str, at: datetime, forced: Forced | None = None) -> bool:
    """Whether the server is operating at `at`."""
    SERVERS[code]  # unknown codes raise KeyError
    return _reason(code, _jst(at), forced or {}) is Reason.OPERATING


def all_states(at: datetime, forced: Forced | None = None) -> list[ServerState]:
    """The state of every server at `at`, in the order of catalog.SERVERS."""
    return [server_state(code, at, forced) for code in SERVERS]


def blocking_servers(
    tm_codes: Iterable[str], at: datetime, forced: Forced | None = None
) -> list[str]:
    """Servers needed for these categories that are not operating at `at`."""
    needed = servers_needed(tm_codes)
    return [code for code in needed if not is_operating(code, at, forced)]


def next_operating(
    tm_codes: Iterable[str], at: datetime, forced: Forced | None = None
) -> datetime | None:
    """Earliest moment from `at` on when every needed server is operating.

    None when a needed server is forced down (its end is unknown); LookupError when
    no such moment comes within SEARCH_HORIZON.
    """
    at, forced = _jst(at), forced or {}
    needed = servers_needed(tm_codes)
    if any(forced.get(code) is False for code in needed):
        return None

    moving = tuple(code for code in needed if code not in forced)
    for moment in chain([at], _edges_between(moving, at, at + SEARCH_HORIZON)):
        if all(_reason(code, moment, forced) is Reason.OPERATING for code in needed):
            return moment
    raise LookupError(f"not all of {needed} operate within {SEARCH_HORIZON.days} days")


def intervals(
    code: str, start: datetime, end: datetime, forced: Forced | None = None
) -> list[tuple[datetime, datetime, Reason]]:
    """The server's non-operating spans within [start, end), one reason each."""
    SERVERS[code]  # unknown codes raise KeyError
    start, end = _jst(start), _jst(end)
    if end <= start:
        return []

    spans = _segments(code, start, end, forced or {})
    return [span for span in spans if span[2] is not Reason.OPERATING]


# --------------------------------------------------------------------------
# Chart of the coming days (geometry only; the simulator's page draws it as SVG)
# --------------------------------------------------------------------------

CHART_WIDTH = 700.0
"""Width of the time axis, in SVG user units."""
CHART_ROW_HEIGHT = 40.0
"""Height of one server's row: its name above its bar."""
CHART_BAR_HEIGHT = 18.0
_CHART_TEXT_BASELINE = 13.0
_CHART_BAR_TOP = 17.0


@dataclass(frozen=True)
class ChartRect:
    """A span when a server is not operating, placed on the time axis."""

    x: float
    width: float
    reason: Reason
    start: datetime
    end: datetime


@dataclass(frozen=True)
class ChartRow:
    """One server's row of the chart; y values are from the top of the plot."""

    code: str
    name: str
    name_en: str
    y: float
    text_y: float
    bar_y: float
    bar_height: float
    rects: tuple[ChartRect, ...]


@dataclass(frozen=True)
class ChartTick:
    """The start of a day (00:00 JST) on the time axis."""

    x: float
    day: date


def week_chart(
    start: datetime, days: int = 7, forced: Forced | None = None
) -> list[ChartRow]:
    """Rows of every server's stops over `days` days from `start`, for drawing."""
    start = _jst(start)
    end = start + timedelta(days=days)

    return [
        _chart_row(index, code, start, end, forced or {})
        for index, code in enumerate(SERVERS)
    ]


def chart_ticks(start: datetime, days: int = 7) -> list[ChartTick]:
    """Every midnight (JST) within the chart of `days` days from `start`."""
    start = _jst(start)
    end = start + timedelta(days=days)

    day = start.date() if start == _midnight(start.date()) else start.date() + _DAY
    ticks = []
    while _midnight(day) < end:
        ticks.append(ChartTick(x=_chart_x(_midnight(day), start, end), day=day))
        day += _DAY
    return ticks


def _chart_row(
    index: int, code: str, start: datetime, end: datetime, forced: Forced
) -> ChartRow:
    server = SERVERS[code]
    top = index * CHART_ROW_HEIGHT

    spans = intervals(code, start, end, forced)
    rects = tuple(_chart_rect(span, start, end) for span in spans)
    return ChartRow(
        code=code,
        name=server.name,
        name_en=server.name_en,
        y=top,
        text_y=top + _CHART_TEXT_BASELINE,
        bar_y=top + _CHART_BAR_TOP,
        bar_height=CHART_BAR_HEIGHT,
        rects=rects,
    )


def _chart_rect(
    span: tuple[datetime, datetime, Reason], start: datetime, end: datetime
) -> ChartRect:
    left, right = _chart_x(span[0], start, end), _chart_x(span[1], start, end)
    return ChartRect(
        x=left, width=round(right - left, 2), reason=span[2], start=span[0], end=span[1]
    )


def _chart_x(moment: datetime, start: datetime, end: datetime) -> float:
    return round(CHART_WIDTH * ((moment - start) / (end - start)), 2)
