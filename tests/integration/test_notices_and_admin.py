"""The notice endpoint trusts only the portal; staff see retrievals; Q15."""

import time
from typing import Any

import requests
from django.core.management import call_command
from django.test import Client
from joserfc import jwt
from joserfc.jwk import ECKey

from mynaportal.client.models import Retrieval
from tests.conftest import Portal
from tests.httpflow import TYPED, WebFlow


def forged_notice(portal: Portal) -> str:
    stranger = ECKey.generate_key("P-256", auto_kid=True)
    now = int(time.time())
    claims = {
        "iss": portal.url,
        "aud": "SP12345678_AB1234",
        "iat": now,
        "exp": now + 60,
        "event": "result_ready",
        "process_id": "anything",
    }
    return jwt.encode({"alg": "ES256", "kid": stranger.kid}, claims, stranger)


def test_a_notice_not_signed_by_the_portal_is_refused(
    bank: str, portal: Portal
) -> None:
    answer = requests.post(
        f"{bank}/mynaportal/notifications/",
        data=forged_notice(portal),
        headers={"Content-Type": "application/jwt"},
        timeout=10,
    )

    assert answer.status_code == 400


def test_garbage_in_the_notice_endpoint_is_refused(bank: str, portal: Portal) -> None:
    answer = requests.post(
        f"{bank}/mynaportal/notifications/", data=b"\xff\xfe not a jwt", timeout=10
    )

    assert answer.status_code == 400


def test_a_new_retrieval_supersedes_an_unfinished_one(flow_signed_in: WebFlow) -> None:
    flow_signed_in.start(**TYPED)
    flow_signed_in.start(**TYPED)

    states = sorted(Retrieval.objects.values_list("state", "error_code"))
    assert states == [("cancelled", "superseded"), ("started", "")]


def test_staff_see_retrievals_with_next_try_and_attempts(
    transactional_db: None, customer: Any, client: Client
) -> None:
    call_command("seed_bank")
    Retrieval.objects.create(
        owner=customer,
        state=Retrieval.State.WAITING,
        tm_codes=["TM02010000000001"],
        condition={"mode": "latest"},
        return_path="/loans/apply/",
        oauth_state="spent-1",
        nonce="n",
        code_verifier_sealed="",
        blocked_server="municipal",
        attempts=2,
    )
    client.login(username="staff", password="staff-demo-2026")

    page = client.get("/admin/mynaportal_client/retrieval/?state=waiting")

    assert page.status_code == 200
    text = page.content.decode()
    assert "municipal" in text
    assert "access_token" not in text
