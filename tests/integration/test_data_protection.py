"""Guideline §4.2 in the bank: sealed at rest, kept for the consent, withdrawable."""

import logging
from datetime import timedelta
from typing import Any

import requests
from django.db import connection
from django.utils import timezone

from mynaportal.client import sealing, tasks
from mynaportal.client.models import Retrieval
from tests.conftest import Portal
from tests.httpflow import WebFlow, callback_params, csrf_of, field_value

TYPED = {"desired_date": "20301001", "amount_man_yen": "3000", "term_years": "35"}


def completed_flow(flow: WebFlow) -> Retrieval:
    identity = flow.consent(flow.start(**TYPED))
    status = flow.identify(identity, "山田 花子", "1234", follow=True)
    flow.wait_until_filled(status.url)
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
    data_call = requests.post(
        f"{portal.url}/request",
        json={},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert data_call.status_code == 401
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
    redirect = flow_signed_in.identify(identity, "山田 花子", "1234", follow=False)
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
