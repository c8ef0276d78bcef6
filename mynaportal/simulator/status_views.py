"""The operating status of every server: a JSON API and a page for stakeholders.

Both follow the simulator's clock and the servers forced from the control panel;
the calendar itself is mynaportal.schedule (表2.5-1〜2.5-4).
"""

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mynaportal import schedule
from mynaportal.simulator import clock, control

CHART_DAYS = 7
_CHART_LEFT = 10.0
_CHART_RIGHT = 70.0  # room for the last day's label
_CHART_TOP = 30.0
_CHART_LEGEND = 28.0
_CHART_BOTTOM = 40.0


@require_GET
def operating_status_api(request: HttpRequest) -> HttpResponse:
    """Every server's state at `at` (ISO 8601, JST if naive; default: now)."""
    try:
        at = _requested_time(request.GET.get("at"))
        states = schedule.all_states(at, clock.forced_states())
    except ValueError as error:
        return _no_store(
            JsonResponse(
                {"error": "invalid_request", "error_description": str(error)},
                status=400,
            )
        )

    body = {
        "at": at.astimezone(schedule.JST).isoformat(),
        "servers": [_state_json(state) for state in states],
    }
    return _no_store(JsonResponse(body))


@require_GET
def operating_status_page(request: HttpRequest) -> HttpResponse:
    """Every server now, and a chart of its stops over the coming week."""
    now = clock.now().astimezone(schedule.JST)
    forced = clock.forced_states()

    context = {
        "now": now,
        "states": schedule.all_states(now, forced),
        "chart": _chart(now, forced),
    }
    return render(request, "simulator/operating_status.html", context)


def _requested_time(raw: str | None) -> datetime:
    if raw is None:
        return clock.now()
    if " " in raw:
        # An unencoded "+09:00" in a query string arrives as " 09:00".
        raise ValueError(f"Not an ISO 8601 time: {raw!r} (encode '+' as %2B)")
    return control.parse_moment(raw)


def _state_json(state: schedule.ServerState) -> dict[str, Any]:
    change = state.next_change
    return {
        "code": state.code,
        "name": state.name,
        "name_en": state.name_en,
        "operating": state.operating,
        "reason": str(state.reason),
        "next_change": change.astimezone(schedule.JST).isoformat() if change else None,
    }


def _chart(now: datetime, forced: dict[str, bool]) -> dict[str, Any]:
    rows = schedule.week_chart(now, CHART_DAYS, forced)
    plot_height = len(rows) * schedule.CHART_ROW_HEIGHT

    return {
        "rows": rows,
        "ticks": schedule.chart_ticks(now, CHART_DAYS),
        "end": now + timedelta(days=CHART_DAYS),
        "left": _CHART_LEFT,
        "top": _CHART_TOP,
        "plot_width": schedule.CHART_WIDTH,
        "plot_height": plot_height,
        "width": _CHART_LEFT + schedule.CHART_WIDTH + _CHART_RIGHT,
        "height": _CHART_TOP + plot_height + _CHART_BOTTOM,
        "legend_y": _CHART_TOP + plot_height + _CHART_LEGEND,
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response
