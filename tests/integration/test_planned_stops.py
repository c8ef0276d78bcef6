"""Planned stops and durable retries, with the real simulator, Redis and worker.

The simulator's clock is moved through its control API; the bank keeps its own
(real) clock, as a bank would.
"""

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis
import requests
from django.db import connection
from django.utils import timezone
from pytest_django.fixtures import Settings

from bankdemo.celery import app
from loans.models import DemoMail
from mynaportal import schedule
from mynaportal.client import retention, sealing, tasks
from mynaportal.client.models import Retrieval, RetrievalEvent
from tests.conftest import Portal, Worker
from tests.httpflow import TYPED, WebFlow, csrf_of, field_value

State = Retrieval.State


def control(portal: Portal, what: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(f"{portal.url}/api/v1/control/{what}", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def calls(portal: Portal) -> dict[str, int]:
    """Processes, request calls and result calls the simulator has seen so far."""
    state = requests.get(f"{portal.url}/api/v1/control/state", timeout=10).json()
    counts: dict[str, int] = state["calls"]
    return counts


@pytest.fixture
def new_calls(portal: Portal) -> Callable[[], dict[str, int]]:
    """The calls made since the test began (the simulator outlives each test)."""
    totals = ("processes", "requests", "results")
    before = calls(portal)
    return lambda: {name: calls(portal)[name] - before[name] for name in totals}


def wait_for(
    condition: Callable[[], bool], timeout: float = 30, step: float = 0.3
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError("the condition did not come true in time")


def state_is(state: str) -> Callable[[], bool]:
    return lambda: Retrieval.objects.filter(state=state).exists()


@pytest.fixture(autouse=True)
def calendar_restored(portal: Portal) -> Iterator[None]:
    """Each test leaves the simulator on real time, with no fault queued."""
    yield
    control(portal, "clock", {"reset": True})
    control(portal, "faults", {"clear": True})


def test_consent_in_the_third_saturday_stop_waits_then_completes_once(
    flow_signed_in: WebFlow, portal: Portal, new_calls: Callable[[], dict[str, int]]
) -> None:
    control(portal, "clock", {"at": "2026-12-19T23:00:00+09:00", "frozen": True})

    status_page = flow_signed_in.authorize()

    wait_for(state_is(State.WAITING))
    retrieval = Retrieval.objects.get()
    assert retrieval.resume_at == datetime(2026, 12, 21, 0, 0, tzinfo=schedule.JST)
    assert retrieval.blocked_server == "info-network"
    assert retrieval.blocked_reason == "planned_stop"
    assert retrieval.next_try_at is not None
    wait = retrieval.next_try_at - timezone.now()
    assert timedelta(hours=24, minutes=58) < wait <= timedelta(hours=25, seconds=2)
    page = flow_signed_in.http.get(status_page.url).text
    assert "2026年12月21日 00:00" in page
    assert "計画停止" in page
    assert DemoMail.objects.count() == 0

    control(portal, "clock", {"at": "2026-12-21T00:01:00+09:00", "frozen": True})

    wait_for(state_is(State.COMPLETED))
    wait_for(lambda: DemoMail.objects.count() == 1, timeout=5)
    time.sleep(1)
    assert DemoMail.objects.get().recipient == "hanako@example.com"
    assert new_calls() == {"processes": 1, "requests": 1, "results": 1}
    form = flow_signed_in.http.get(f"{flow_signed_in.bank}/loans/apply/").text
    assert field_value(form, "annual_income_man_yen") == "567"


def waiting_in_the_third_saturday_stop(
    flow: WebFlow, portal: Portal
) -> requests.Response:
    """Consent on Saturday 2026-12-19 at 23:00 JST, inside the stop: the retrieval
    waits, its access token issued on the portal's clock. The status page."""
    control(portal, "clock", {"at": "2026-12-19T23:00:00+09:00", "frozen": True})
    status_page = flow.authorize()
    wait_for(state_is(State.WAITING))
    return status_page


def test_a_deferred_retrieval_refreshes_its_access_token_within_the_consent(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    waiting_in_the_third_saturday_stop(flow_signed_in, portal)
    first_token = sealing.unseal(Retrieval.objects.get().access_token_sealed)

    # A day and more later on the portal's clock: the five-minute access token
    # has long expired, the refresh token lives as long as the consent.
    control(portal, "clock", {"at": "2026-12-21T00:01:00+09:00", "frozen": True})

    wait_for(state_is(State.COMPLETED))
    retrieval = Retrieval.objects.get()
    assert sealing.unseal(retrieval.access_token_sealed) != first_token
    assert retrieval.error_code == ""


def _cancel(flow: WebFlow, status_url: str) -> requests.Response:
    """Press 「取得を中止して、年収を自分で入力する」 on the status page."""
    page = flow.http.get(status_url)
    return flow.http.post(
        f"{status_url}cancel/",
        data={"csrfmiddlewaretoken": csrf_of(page.text)},
        headers={"Referer": status_url},
    )


def test_a_retrieval_cancelled_while_its_request_call_is_out_stays_cancelled(
    flow_signed_in: WebFlow, portal: Portal, new_calls: Callable[[], dict[str, int]]
) -> None:
    control(portal, "faults", {"endpoint": "request", "kind": "delay", "value": 3})
    status_page = flow_signed_in.authorize()
    wait_for(lambda: Retrieval.objects.filter(lease_until__isnull=False).exists())

    cancelled = _cancel(flow_signed_in, status_page.url)
    assert cancelled.status_code == 200
    wait_for(lambda: RetrievalEvent.objects.filter(step="request").exists())

    # The portal answered the call after the cancellation: its answer would
    # have the result asked for a second later.
    time.sleep(3)
    retrieval = Retrieval.objects.get()
    assert retrieval.state == State.CANCELLED
    assert retrieval.process_id == ""
    assert new_calls()["results"] == 0


def test_a_waiting_retrieval_cancelled_is_revoked_at_the_portal_and_forgotten(
    flow_signed_in: WebFlow, portal: Portal, new_calls: Callable[[], dict[str, int]]
) -> None:
    status_page = waiting_in_the_third_saturday_stop(flow_signed_in, portal)
    access_token = sealing.unseal(Retrieval.objects.get().access_token_sealed)

    answer = _cancel(flow_signed_in, status_page.url)

    assert "マイナポータルからの取得を中止しました。" in answer.text
    retrieval = Retrieval.objects.get()
    assert retrieval.state == State.CANCELLED
    assert retrieval.error_code == "cancelled_by_user"
    assert retrieval.next_try_at is None
    assert retrieval.access_token_sealed == ""
    assert retrieval.refresh_token_sealed == ""
    assert retrieval.code_verifier_sealed == ""
    assert RetrievalEvent.objects.filter(step="revoke", status=200).count() == 1
    assert portal.request_status(access_token) == 401

    # Past the stop: the sweep finds nothing to do, and nothing is fetched.
    control(portal, "clock", {"at": "2026-12-21T00:01:00+09:00", "frozen": True})
    assert tasks.sweep_due_retrievals() == 0
    time.sleep(1)
    assert new_calls()["results"] == 0
    assert Retrieval.objects.get().state == State.CANCELLED
    assert DemoMail.objects.count() == 0


def test_a_waiting_retrieval_superseded_by_a_new_one_has_its_consent_revoked(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    waiting_in_the_third_saturday_stop(flow_signed_in, portal)
    old = Retrieval.objects.get()
    access_token = sealing.unseal(old.access_token_sealed)

    flow_signed_in.start(**TYPED)

    old.refresh_from_db()
    assert (old.state, old.error_code) == (State.CANCELLED, "superseded")
    assert old.access_token_sealed == ""
    assert old.refresh_token_sealed == ""
    assert RetrievalEvent.objects.filter(retrieval=old, step="revoke").count() == 1
    assert Retrieval.objects.exclude(pk=old.pk).get().state == State.STARTED
    assert portal.request_status(access_token) == 401


def test_a_cancellation_stands_when_the_portal_refuses_the_revocation(
    flow_signed_in: WebFlow, portal: Portal, caplog: Any
) -> None:
    status_page = waiting_in_the_third_saturday_stop(flow_signed_in, portal)
    control(portal, "faults", {"endpoint": "revoke", "kind": "status", "value": 503})

    answer = _cancel(flow_signed_in, status_page.url)

    assert answer.status_code == 200
    retrieval = Retrieval.objects.get()
    assert retrieval.state == State.CANCELLED
    assert retrieval.access_token_sealed == ""
    assert retrieval.refresh_token_sealed == ""
    assert RetrievalEvent.objects.filter(step="revoke", status=503).count() == 1
    assert f"Revocation of {retrieval.pk} failed" in caplog.text


def test_cancelling_a_completed_retrieval_changes_nothing(
    flow_signed_in: WebFlow,
) -> None:
    status_page = flow_signed_in.authorize()
    flow_signed_in.wait_until_filled(status_page.url)
    before = Retrieval.objects.get()

    answer = _cancel(flow_signed_in, status_page.url)

    assert "マイナポータルからの取得を中止しました。" not in answer.text
    assert field_value(answer.text, "annual_income_man_yen") == "567"
    after = Retrieval.objects.get()
    assert after.state == State.COMPLETED
    assert after.refresh_token_sealed == before.refresh_token_sealed
    assert not RetrievalEvent.objects.filter(step="revoke").exists()


def test_tokens_deleted_while_a_refresh_is_out_are_not_stored_again(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    waiting_in_the_third_saturday_stop(flow_signed_in, portal)
    control(portal, "faults", {"endpoint": "token", "kind": "delay", "value": 3})

    # Past the stop on the portal's clock: the access token has expired there,
    # so the result call is refused and the bank refreshes it (delayed).
    control(portal, "clock", {"at": "2026-12-21T00:01:00+09:00", "frozen": True})
    wait_for(lambda: RetrievalEvent.objects.filter(step="result", status=401).exists())
    Retrieval.objects.update(consent_expires_at=timezone.now())
    assert retention.purge_expired() == 1
    wait_for(lambda: RetrievalEvent.objects.filter(step="token").count() == 2)

    time.sleep(1)
    retrieval = Retrieval.objects.get()
    assert retrieval.state == State.EXPIRED
    assert retrieval.access_token_sealed == ""
    assert retrieval.result_sealed == ""


def test_a_stop_outlasting_the_consent_asks_to_consent_again(
    flow_signed_in: WebFlow, portal: Portal, new_calls: Callable[[], dict[str, int]]
) -> None:
    status_page = waiting_in_the_third_saturday_stop(flow_signed_in, portal)

    # Past the 90 days of the demo bank's consent on the portal's clock.
    control(portal, "clock", {"at": "2027-04-01T09:00:00+09:00", "frozen": True})
    tasks.fetch_result.delay(str(Retrieval.objects.get().pk))

    wait_for(state_is(State.EXPIRED))
    assert Retrieval.objects.get().error_code == "consent_again"
    page = flow_signed_in.http.get(status_page.url).text
    assert "もう一度マイナポータルで同意してください" in page
    time.sleep(2)
    assert new_calls()["results"] == 0
    assert DemoMail.objects.count() == 0


def test_without_a_notice_the_bank_polls_when_the_stop_ends(
    flow_signed_in: WebFlow, portal: Portal, new_calls: Callable[[], dict[str, int]]
) -> None:
    control(portal, "clock", {"at": "2026-12-20T23:59:45+09:00", "frozen": False})

    flow_signed_in.authorize()

    wait_for(state_is(State.WAITING))
    retrieval = Retrieval.objects.get()
    assert retrieval.next_try_at is not None
    assert retrieval.next_try_at - timezone.now() < timedelta(seconds=20)
    # Celery beat's part: run the sweep until the stop is over.
    wait_for(lambda: tasks.sweep_due_retrievals() >= 0 and _completed(), timeout=40)
    assert new_calls() == {"processes": 1, "requests": 1, "results": 1}
    assert DemoMail.objects.count() == 1


def _completed() -> bool:
    return Retrieval.objects.filter(state=State.COMPLETED).exists()


def test_the_same_tasks_delivered_twice_change_nothing(
    flow_signed_in: WebFlow, portal: Portal, new_calls: Callable[[], dict[str, int]]
) -> None:
    flow_signed_in.authorize()
    wait_for(state_is(State.COMPLETED))
    retrieval = Retrieval.objects.get()
    before = new_calls()

    for _ in range(2):
        tasks.request_retrieval.delay(str(retrieval.pk))
        tasks.fetch_result.delay(str(retrieval.pk))
    time.sleep(3)

    again = Retrieval.objects.get()
    assert again.completed_at == retrieval.completed_at
    assert again.result_sealed == retrieval.result_sealed
    assert new_calls() == before
    assert before["requests"] == 1


def test_a_worker_killed_mid_task_completes_exactly_once(
    flow_signed_in: WebFlow,
    portal: Portal,
    celery_worker: Worker,
    settings: Settings,
    new_calls: Callable[[], dict[str, int]],
) -> None:
    settings.MYNAPORTAL_LEASE_SECONDS = 3
    celery_worker.start(MYNAPORTAL_LEASE_SECONDS="3")
    control(portal, "faults", {"endpoint": "result", "kind": "delay", "value": 6})

    try:
        flow_signed_in.authorize()
        wait_for(lambda: _fault_hits(portal) == 1)
        celery_worker.kill()
        celery_worker.start(MYNAPORTAL_LEASE_SECONDS="3")

        wait_for(lambda: tasks.sweep_due_retrievals() >= 0 and _completed(), timeout=40)
    finally:
        celery_worker.start()

    assert Retrieval.objects.get().state == State.COMPLETED
    assert new_calls()["processes"] == 1
    assert new_calls()["requests"] == 1
    assert DemoMail.objects.count() == 0


WORKER_APPLICATION = "bank-worker-under-test"
COUNT_WORKER = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
# Ended by the server, as a restart or a failover would end them.
DROP_WORKER = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
    " WHERE application_name = %s"
)


def _worker_connections(statement: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, [WORKER_APPLICATION])
        return int(cursor.fetchone()[0])


@pytest.fixture
def named_worker(celery_worker: Worker) -> Iterator[Worker]:
    """The worker with its database connections named, connected and then dropped
    by the server; the usual worker again afterwards."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs this test against PostgreSQL")
        pytest.skip("needs PostgreSQL: a server that can end a connection")
    url = celery_worker.env["DATABASE_URL"]
    celery_worker.start(DATABASE_URL=f"{url}?application_name={WORKER_APPLICATION}")

    try:
        tasks.sweep_due_retrievals.delay()
        # Connected, and done with the task: the connection waits for the next.
        wait_for(lambda: "] succeeded" in celery_worker.log.read_text())
        assert _worker_connections(COUNT_WORKER) > 0
        assert _worker_connections(DROP_WORKER) > 0
        yield celery_worker
    finally:
        celery_worker.start()


def test_a_connection_the_database_dropped_costs_a_retrieval_one_retry(
    flow_signed_in: WebFlow,
    named_worker: Worker,
    new_calls: Callable[[], dict[str, int]],
) -> None:
    flow_signed_in.authorize()

    wait_for(state_is(State.COMPLETED))
    log = named_worker.log.read_text()
    assert "Retry in" in log
    assert "OperationalError" in log
    assert new_calls() == {"processes": 1, "requests": 1, "results": 1}


def test_after_a_dropped_connection_the_next_sweep_runs(named_worker: Worker) -> None:
    sweep = "mynaportal.client.tasks.sweep_due_retrievals"

    def sweeps(outcome: str) -> int:
        return named_worker.log.read_text().count(f"] {outcome}")

    succeeded_before = sweeps("succeeded")
    for _ in range(2):
        tasks.sweep_due_retrievals.delay()

    wait_for(lambda: sweeps("succeeded") == succeeded_before + 1)
    assert sweeps("raised unexpected: OperationalError") == 1
    assert sweep in named_worker.log.read_text()


def _fault_hits(portal: Portal) -> int:
    state = requests.get(f"{portal.url}/api/v1/control/state", timeout=10).json()
    return sum(fault["hits"] for fault in state["faults"])


@pytest.fixture
def broken_broker() -> Iterator[Callable[[], None]]:
    """Point the bank's Celery at a port where no broker listens, until restored."""
    original = app.conf.broker_url

    def reconnect(url: str) -> None:
        # Celery caches its connection and producer pools: drop them so the
        # next publish connects to the new address.
        app.conf.broker_url = url  # type: ignore[misc]
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]

    reconnect("redis://127.0.0.1:9/0")
    yield lambda: reconnect(original)
    reconnect(original)


def test_broker_down_at_the_callback_the_page_answers_and_the_sweep_recovers(
    flow_signed_in: WebFlow, portal: Portal, broken_broker: Callable[[], None]
) -> None:
    status_page = flow_signed_in.authorize()

    assert status_page.status_code == 200
    assert "/mynaportal/retrievals/" in status_page.url
    assert Retrieval.objects.get().state == State.AUTHORIZED

    restore_broker = broken_broker
    restore_broker()
    assert tasks.sweep_due_retrievals() == 1
    wait_for(_completed)


def test_redis_restarted_empty_the_sweep_sends_what_is_overdue(
    flow_signed_in: WebFlow,
    portal: Portal,
    celery_worker: Worker,
    settings: Settings,
) -> None:
    broker_url = str(app.conf.broker_url)
    if not broker_url.startswith(("redis://", "rediss://")):
        pytest.fail("This test empties Redis: set REDIS_URL to a redis:// URL")
    settings.MYNAPORTAL_SWEEP_GRACE_SECONDS = 1
    control(portal, "faults", {"endpoint": "result", "kind": "status", "value": 503})
    flow_signed_in.authorize()
    wait_for(lambda: Retrieval.objects.filter(attempts=1).exists())

    celery_worker.kill()
    redis.Redis.from_url(broker_url).flushdb()
    celery_worker.start()

    wait_for(lambda: tasks.sweep_due_retrievals() >= 0 and _completed(), timeout=40)
    assert Retrieval.objects.get().attempts == 1


def test_transient_failures_run_out_into_failed_with_the_reason(
    flow_signed_in: WebFlow, portal: Portal, celery_worker: Worker
) -> None:
    celery_worker.start(MYNAPORTAL_MAX_ATTEMPTS="2")
    control(
        portal,
        "faults",
        {"endpoint": "result", "kind": "status", "value": 500, "times": 5},
    )

    try:
        flow_signed_in.authorize()
        wait_for(state_is(State.FAILED), timeout=40)
    finally:
        celery_worker.start()

    assert Retrieval.objects.get().error_code == "gave_up:portal_http_500"


def test_a_permanent_answer_is_not_retried(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    control(portal, "faults", {"endpoint": "result", "kind": "status", "value": 403})

    flow_signed_in.authorize()

    wait_for(state_is(State.FAILED))
    assert Retrieval.objects.get().attempts == 0
    assert _fault_hits(portal) == 1


def test_the_operating_status_api_follows_the_simulator_clock(portal: Portal) -> None:
    control(portal, "clock", {"at": "2026-12-19T23:00:00+09:00", "frozen": True})

    answer = requests.get(f"{portal.url}/api/v1/operating-status", timeout=10).json()

    servers = {server["code"]: server for server in answer["servers"]}
    assert servers["municipal"]["operating"] is False
    assert servers["municipal"]["next_change"] == "2026-12-21T00:00:00+09:00"
    assert servers["myna-portal"]["operating"] is True
    assert json.dumps(answer).count('"code"') == 13
