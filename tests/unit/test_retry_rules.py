"""The retry rules: capped, jittered backoff; the end of a stop cross-checked."""

from datetime import datetime, timedelta

import pytest

from mynaportal import catalog, schedule
from mynaportal.client import retrieve


@pytest.mark.parametrize("retries", [0, 1, 2, 5, 10, 30])
def test_backoff_grows_but_stays_under_the_cap(retries: int) -> None:
    delays = [retrieve.backoff(retries, None) for _ in range(50)]

    base = min(retrieve.MAX_BACKOFF_SECONDS, 2 ** (retries + 1))
    assert min(delays) >= base // 2
    assert max(delays) <= retrieve.MAX_BACKOFF_SECONDS + 1


def test_backoff_is_jittered() -> None:
    delays = {retrieve.backoff(6, None) for _ in range(50)}

    assert len(delays) > 1


def test_backoff_honours_retry_after() -> None:
    assert retrieve.backoff(0, 120) == 121


@pytest.mark.parametrize(
    ("answer", "seconds"),
    [
        ({"retry_after": 0}, 0),
        ({"retry_after": 2}, 2),
        ({"retry_after": 10_000}, retrieve.MAX_POLL_SECONDS),
        ({}, 1),
        ({"retry_after": -1}, 1),
        ({"retry_after": "2"}, 1),
        ({"retry_after": True}, 1),
    ],
)
def test_the_first_result_call_follows_the_portals_hint(
    answer: dict[str, object], seconds: int
) -> None:
    assert retrieve._first_poll_seconds(answer) == seconds


def test_every_countdown_is_shorter_than_the_visibility_timeout() -> None:
    from django.conf import settings

    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    timeout = int(options.get("visibility_timeout", 3600))

    assert retrieve.backoff(50, 10_000) <= retrieve.MAX_BACKOFF_SECONDS + 1 < timeout


def test_the_portals_end_of_stop_is_kept_when_the_calendar_agrees() -> None:
    said = datetime(2026, 12, 21, 0, 0, tzinfo=schedule.JST)
    answer = {"available_at": said.isoformat(), "retry_after": 3600}

    assert retrieve._resume_at(answer, [catalog.LOCAL_TAX_TM_CODE]) == said


def test_a_too_early_end_of_stop_is_corrected_by_the_local_calendar() -> None:
    said = datetime(2026, 12, 19, 23, 30, tzinfo=schedule.JST)
    answer = {"available_at": said.isoformat(), "retry_after": 1800}

    corrected = retrieve._resume_at(answer, [catalog.LOCAL_TAX_TM_CODE])

    assert corrected == datetime(2026, 12, 21, 0, 0, tzinfo=schedule.JST)
    delay = retrieve._delay_until(answer, corrected)
    expected = corrected - said + timedelta(seconds=1800) + retrieve.RESUME_MARGIN
    assert delay == expected


def test_an_unknown_end_of_stop_is_checked_again_later() -> None:
    answer = {"available_at": None, "retry_after": None}

    assert retrieve._resume_at(answer, [catalog.LOCAL_TAX_TM_CODE]) is None
    assert retrieve._delay_until(answer, None) == retrieve.UNKNOWN_STOP_RECHECK
