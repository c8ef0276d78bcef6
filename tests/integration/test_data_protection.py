"""Guideline §4.2 in the bank: sealed at rest, kept for the consent, withdrawable."""

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.db import connection
from django.utils import timezone

from mynaportal.client import sealing, tasks
from mynaportal.client.models import Retrieval
from tests.conftest import Portal
from tests.httpflow import (
    HOLDER,
    PIN,
    TYPED,
    WebFlow,
    callback_params,
    csrf_of,
    field_value,
)


def completed_flow(flow: WebFlow) -> Retrieval:
    flow.wait_until_filled(flow.authorize().url)
    return Retrieval.objects.get()


def test_r29_the_raw_database_holds_no_income_and_no_token(
    flow_signed_in: WebFlow,
) -> None:
    retrieval = completed_flow(flow_signed_in)
    access_token = sealing.unseal(retrieval.access_token_sealed)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM mynaportal_client_retrieval")
        raw = repr(cursor.fetchall())

    assert "5670000" not in raw
    assert "5,670,000" not in raw
    assert access_token not in raw


def test_r31_withdrawal_revokes_at_the_portal_and_deletes_the_data(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    retrieval = completed_flow(flow_signed_in)
    access_token = sealing.unseal(retrieval.access_token_sealed)
    form = flow_signed_in.http.get(f"{flow_signed_in.bank}/loans/apply/")

    answer = flow_signed_in.http.post(
        f"{flow_signed_in.bank}/mynaportal/retrievals/{retrieval.pk}/withdraw/",
        data={"csrfmiddlewaretoken": csrf_of(form.text)},
        headers={"Referer": f"{flow_signed_in.bank}/loans/apply/"},
    )

    after = Retrieval.objects.get()
    assert after.purged_at is not None
    assert after.result_sealed == ""
    assert after.refresh_token_sealed == ""
    assert field_value(answer.text, "annual_income_man_yen") == ""
    assert portal.request_status(access_token) == 401
    status = flow_signed_in.http.get(
        f"{flow_signed_in.bank}/mynaportal/retrievals/{retrieval.pk}/"
    )
    assert status.status_code == 410


def test_r30_past_the_consented_period_data_and_tokens_are_purged(
    flow_signed_in: WebFlow,
) -> None:
    retrieval = completed_flow(flow_signed_in)
    Retrieval.objects.filter(pk=retrieval.pk).update(
        consent_expires_at=timezone.now() - timedelta(seconds=1)
    )

    purged = tasks.purge_expired_data()

    after = Retrieval.objects.get()
    assert purged == 1
    assert after.result_sealed == ""
    assert after.access_token_sealed == ""
    assert after.state == Retrieval.State.COMPLETED
    status = flow_signed_in.http.get(
        f"{flow_signed_in.bank}/mynaportal/retrievals/{retrieval.pk}/"
    )
    assert status.status_code == 410


def test_r28_logs_hold_no_name_income_token_code_or_verifier(
    flow_signed_in: WebFlow, portal: Portal, celery_worker: Any, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    identity = flow_signed_in.consent(flow_signed_in.start(**TYPED))
    verifier = sealing.unseal(Retrieval.objects.get().code_verifier_sealed)
    redirect = flow_signed_in.identify(identity, HOLDER, PIN, follow=False)
    code = callback_params(redirect)["code"]
    forged = {**callback_params(redirect), "state": "forged-state-0000"}
    flow_signed_in.http.get(
        f"{flow_signed_in.bank}/mynaportal/callback/", params=forged
    )
    status = flow_signed_in.http.get(redirect.headers["Location"])
    flow_signed_in.wait_until_filled(status.url)
    retrieval = Retrieval.objects.get()
    tokens = [
        sealing.unseal(retrieval.access_token_sealed),
        sealing.unseal(retrieval.refresh_token_sealed),
    ]

    logs = caplog.text + celery_worker.log.read_text()

    for secret in ["山田", "花子", "5670000", "5,670,000", code, verifier, *tokens]:
        assert secret not in logs
    assert "mynaportal" in logs


def _cancelled(flow: WebFlow, portal: Portal) -> None:
    flow.cancel_consent(flow.start(**TYPED))


def _wrong_pin_then_right(flow: WebFlow, portal: Portal) -> None:
    identity = flow.consent(flow.start(**TYPED))
    again = flow.identify(identity, HOLDER, "0000", follow=True)
    assert "/oauth/identity" in again.url
    status = flow.identify(again, HOLDER, PIN, follow=True)
    flow.wait_until_filled(status.url)


def _through_a_planned_stop(flow: WebFlow, portal: Portal) -> None:
    clock = f"{portal.url}/api/v1/control/clock"
    requests.post(clock, json={"at": "2026-12-19T23:00:00+09:00"}, timeout=10)
    try:
        status = flow.authorize()
        _wait_for_waiting(status.url, flow)
        requests.post(clock, json={"at": "2026-12-21T00:01:00+09:00"}, timeout=10)
        flow.wait_until_filled(status.url)
        assert Retrieval.objects.get().waited is True
    finally:
        requests.post(clock, json={"reset": True}, timeout=10)


def _wait_for_waiting(status_url: str, flow: WebFlow) -> None:
    for _ in range(60):
        if Retrieval.objects.filter(state=Retrieval.State.WAITING).exists():
            assert "計画停止" in flow.http.get(status_url).text
            return
        time.sleep(0.5)
    raise AssertionError("the retrieval did not wait for the stop")


@pytest.mark.parametrize(
    "walk",
    [_cancelled, _wrong_pin_then_right, _through_a_planned_stop],
    ids=lambda walk: walk.__name__.strip("_"),
)
def test_r28_other_flows_log_no_name_income_token_or_verifier(
    flow_signed_in: WebFlow,
    portal: Portal,
    celery_worker: Any,
    caplog: Any,
    walk: Callable[[WebFlow, Portal], None],
) -> None:
    caplog.set_level(logging.DEBUG)
    worker_log_before = celery_worker.log.read_text()

    walk(flow_signed_in, portal)

    retrieval = Retrieval.objects.get()
    secrets = ["山田", "花子", "5670000", "5,670,000"]
    for sealed in [retrieval.code_verifier_sealed, retrieval.access_token_sealed]:
        if sealed:
            secrets.append(sealing.unseal(sealed))
    logs = caplog.text + celery_worker.log.read_text()[len(worker_log_before) :]
    assert "mynaportal" in logs
    for secret in secrets:
        assert secret not in logs
