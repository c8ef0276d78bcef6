"""The portal simulator as an authorization server and data API, case by case
(SECURITY.md S1–S22), called as any provider's client would call it.

Cases covered elsewhere by whole tests keep their own names there; each case
has one test here named after its id.
"""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from mynaportal.simulator.personas import check_digit
from tests.conftest import ROOT, Portal

CLIENT_ID = "SP12345678_AB1234"
LOCAL_TAX = "TM02010000000001"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
VERIFIER = secrets.token_urlsafe(48)
# 表2.5-1〜2.5-4: the third weekend's planned stop (this one ends at
# 2026-12-21 00:00 JST).
THIRD_SATURDAY_NIGHT = "2026-12-19T23:00:00+09:00"
AFTER_THE_STOP = "2026-12-21T00:01:00+09:00"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Provider:
    """A registered client: its id, signing key and redirect URI."""

    portal: Portal
    client_id: str
    key: ECKey
    redirect_uri: str

    def auth(self, **claims: Any) -> dict[str, str]:
        now = int(time.time())
        body = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.portal.url,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
            **claims,
        }
        body = {name: value for name, value in body.items() if value is not None}
        return {
            "client_id": self.client_id,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": jwt.encode(
                {"alg": "ES256", "kid": self.key.kid}, body, self.key
            ),
        }

    def par_params(self, **changes: str | None) -> dict[str, str]:
        params = {
            "response_type": "code",
            "redirect_uri": self.redirect_uri,
            "scope": "openid",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": s256(VERIFIER),
            "code_challenge_method": "S256",
            "tm_codes": LOCAL_TAX,
            **changes,
        }
        return {name: value for name, value in params.items() if value is not None}

    def push(self, **changes: str | None) -> requests.Response:
        data = {**self.par_params(**changes), **self.auth()}
        return requests.post(f"{self.portal.url}/oauth/par", data=data, timeout=10)

    def request_uri(self) -> str:
        answer = self.push()
        assert answer.status_code == 201, answer.text
        return str(answer.json()["request_uri"])

    def authorize(
        self, request_uri: str, persona: str = "yamada-hanako", pin: str = "1234"
    ) -> requests.Response:
        """The browser journey by CI's headers: consent and the card's PIN."""
        return requests.get(
            f"{self.portal.url}/oauth/authorize",
            params={"client_id": self.client_id, "request_uri": request_uri},
            headers={"X-Simulator-Persona": persona, "X-Simulator-Pin": pin},
            allow_redirects=False,
            timeout=10,
        )

    def code(self) -> str:
        return redirect_query(self.authorize(self.request_uri()))["code"]

    def token(self, **params: str | None) -> requests.Response:
        data = {"grant_type": "authorization_code", "redirect_uri": self.redirect_uri}
        for name, value in params.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        return requests.post(
            f"{self.portal.url}/oauth/token", data={**data, **self.auth()}, timeout=10
        )

    def tokens(self) -> dict[str, Any]:
        answer = self.token(code=self.code(), code_verifier=VERIFIER)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def refresh(self, refresh_token: str) -> requests.Response:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return requests.post(
            f"{self.portal.url}/oauth/token", data={**data, **self.auth()}, timeout=10
        )


def redirect_query(answer: requests.Response) -> dict[str, str]:
    assert answer.status_code == 303, (answer.status_code, answer.text[:200])
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return {name: values[0] for name, values in query.items()}


def data_call(
    portal: Portal, path: str, access_token: str, body: dict[str, Any]
) -> requests.Response:
    return requests.post(
        f"{portal.url}/{path}",
        json=body,
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def control(portal: Portal, what: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(f"{portal.url}/api/v1/control/{what}", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.fixture(autouse=True)
def simulator_restored(portal: Portal) -> Iterator[None]:
    """Each test leaves the simulator on real time, with no fault queued."""
    yield
    control(portal, "clock", {"reset": True})
    control(portal, "faults", {"clear": True})
    for server in ("municipal", "info-network"):
        control(portal, "servers", {"server": server, "state": "calendar"})


@pytest.fixture
def bank_client(portal: Portal, client_keys: Path) -> Provider:
    """The bank's registration, as the suite's seed made it."""
    from django.conf import settings

    keys = KeySet.import_key_set(json.loads(client_keys.read_text()))
    key = next(k for k in keys.keys if k.get("use") == "sig")
    assert isinstance(key, ECKey)
    return Provider(portal, CLIENT_ID, key, str(settings.MYNAPORTAL_REDIRECT_URI))


@pytest.fixture
def other_client(portal: Portal) -> Provider:
    """A second provider, registered from the JSON API with its own keys."""
    sig = ECKey.generate_key("P-256", parameters={"use": "sig"}, auto_kid=True)
    enc = ECKey.generate_key("P-256", parameters={"use": "enc"}, auto_kid=True)
    redirect_uri = "https://provider.example/callback"
    answer = requests.post(
        f"{portal.url}/api/v1/clients",
        json={
            "name": "テスト信用金庫",
            "purpose": "カードローンの審査",
            "redirect_uris": [redirect_uri],
            "jwks": {"keys": [sig.as_dict(private=False), enc.as_dict(private=False)]},
            "tm_codes": [LOCAL_TAX],
            "consent_days": 30,
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return Provider(portal, answer.json()["client_id"], sig, redirect_uri)


def test_s1_an_authorization_request_without_par_is_refused(
    portal: Portal, bank_client: Provider
) -> None:
    answer = requests.get(
        f"{portal.url}/oauth/authorize",
        params={
            **bank_client.par_params(),
            "client_id": CLIENT_ID,
        },
        allow_redirects=False,
        timeout=10,
    )

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "par_required" in answer.text


@pytest.mark.parametrize(
    "spoil",
    [
        "no_authentication",
        "another_clients_key",
        "wrong_audience",
        "expired",
        "issued_in_the_future",
        "no_expiry",
    ],
)
def test_s2_par_without_valid_client_authentication_is_invalid_client(
    portal: Portal, bank_client: Provider, spoil: str
) -> None:
    now = int(time.time())
    auth: dict[str, dict[str, Any]] = {
        "another_clients_key": {},
        "wrong_audience": {"aud": portal.url + "/oauth/token"},
        "expired": {"iat": now - 300, "exp": now - 120},
        "issued_in_the_future": {"iat": now + 600, "exp": now + 660},
        "no_expiry": {"exp": None},
    }
    if spoil == "no_authentication":
        data = {**bank_client.par_params(), "client_id": CLIENT_ID}
    else:
        impostor = bank_client
        if spoil == "another_clients_key":
            impostor = Provider(
                portal,
                CLIENT_ID,
                ECKey.generate_key("P-256", auto_kid=True),
                bank_client.redirect_uri,
            )
        data = {**bank_client.par_params(), **impostor.auth(**auth[spoil])}

    answer = requests.post(f"{portal.url}/oauth/par", data=data, timeout=10)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_s3_a_malformed_pushed_request_gets_400_with_its_error(
    bank_client: Provider, change: dict[str, str | None], error: str
) -> None:
    answer = bank_client.push(**change)

    assert answer.status_code == 400
    assert answer.json()["error"] == error


def test_s3_par_as_get_or_with_duplicate_parameters_is_refused(
    portal: Portal, bank_client: Provider
) -> None:
    params = {**bank_client.par_params(), **bank_client.auth()}
    as_get = requests.get(f"{portal.url}/oauth/par", params=params, timeout=10)
    repeated = requests.post(
        f"{portal.url}/oauth/par",
        data=[*params.items(), ("state", "another-state-value")],
        timeout=10,
    )

    assert as_get.status_code == 405
    assert as_get.json()["error"] == "invalid_request"
    assert repeated.status_code == 400
    assert repeated.json()["error"] == "invalid_request"


def test_s4_a_request_uri_is_short_lived_bound_to_its_client_and_single_use(
    portal: Portal, bank_client: Provider, other_client: Provider
) -> None:
    pushed = bank_client.push().json()
    stolen = other_client.authorize(pushed["request_uri"])
    used = bank_client.authorize(pushed["request_uri"])
    reused = bank_client.authorize(pushed["request_uri"])
    expiring = bank_client.request_uri()
    control(portal, "clock", {"move_seconds": pushed["expires_in"] + 1})
    expired = bank_client.authorize(expiring)

    assert 0 < pushed["expires_in"] < 600
    assert stolen.status_code == 400
    assert "invalid_request_uri" in stolen.text
    assert "code" in redirect_query(used)
    for refused in (reused, expired):
        assert refused.status_code == 400
        assert "invalid_request_uri" in refused.text
        assert "Location" not in refused.headers


@pytest.mark.parametrize(
    "near_miss",
    [
        "{uri}x",
        "{uri}?next=https://evil.example",
        "https://evil.example/mynaportal/callback/",
        "{upper}",
    ],
)
def test_s5_a_redirect_uri_that_is_not_an_exact_match_never_redirects(
    portal: Portal, bank_client: Provider, near_miss: str
) -> None:
    uri = bank_client.redirect_uri
    redirect_uri = near_miss.format(uri=uri, upper=uri.upper())

    pushed = bank_client.push(redirect_uri=redirect_uri)
    direct = requests.get(
        f"{portal.url}/oauth/authorize",
        params={"client_id": CLIENT_ID, "redirect_uri": redirect_uri},
        allow_redirects=False,
        timeout=10,
    )

    assert pushed.status_code == 400
    assert pushed.json()["error"] == "invalid_request"
    assert direct.status_code == 400
    assert "Location" not in direct.headers


def test_s6_the_authorization_response_is_a_303_with_iss_and_cancel_is_access_denied(
    portal: Portal, bank_client: Provider
) -> None:
    params = bank_client.par_params()
    data = {**params, **bank_client.auth()}
    request_uri = requests.post(
        f"{portal.url}/oauth/par", data=data, timeout=10
    ).json()["request_uri"]
    browser = requests.Session()
    consent_page = browser.get(
        f"{portal.url}/oauth/authorize",
        params={"client_id": CLIENT_ID, "request_uri": request_uri},
        timeout=10,
    )
    token = consent_page.text.split('name="csrfmiddlewaretoken" value="')[1]
    cancelled = browser.post(
        f"{portal.url}/oauth/consent",
        data={"csrfmiddlewaretoken": token.split('"')[0], "cancel": "1"},
        headers={"Referer": consent_page.url},
        allow_redirects=False,
        timeout=10,
    )
    granted = bank_client.authorize(bank_client.request_uri())

    assert "〇〇銀行" in consent_page.text
    assert "住宅ローンの事前審査" in consent_page.text
    assert "地方税関係情報" in consent_page.text
    assert "同意の有効期間" in consent_page.text
    assert "情報の提供に同意する" in consent_page.text
    assert redirect_query(cancelled) == {
        "error": "access_denied",
        "state": params["state"],
        "iss": portal.url,
    }
    assert set(redirect_query(granted)) == {"code", "state", "iss"}
    assert redirect_query(granted)["iss"] == portal.url


@pytest.mark.parametrize(
    ("persona", "pin", "reason"),
    [
        ("yamada-hanako", "9999", "wrong_pin"),
        ("kato-yumi", "2468", "card_locked"),
        ("yoshida-naoki", "3579", "expired"),
        ("yamaguchi-megumi", "4680", "revoked"),
    ],
)
def test_s7_a_failed_identity_check_ends_the_flow_with_no_code(
    bank_client: Provider, persona: str, pin: str, reason: str
) -> None:
    request_uri = bank_client.request_uri()

    query = redirect_query(bank_client.authorize(request_uri, persona, pin))

    assert "code" not in query
    assert query["error"] == "access_denied"
    assert query["error_description"] == f"identity_verification_failed:{reason}"
    assert bank_client.authorize(request_uri).status_code == 400


def test_s8_a_reused_code_is_invalid_grant_and_revokes_what_it_issued(
    portal: Portal, bank_client: Provider
) -> None:
    code = bank_client.code()
    first = bank_client.token(code=code, code_verifier=VERIFIER).json()

    second = bank_client.token(code=code, code_verifier=VERIFIER)

    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    request = data_call(portal, "request", first["access_token"], {})
    assert request.status_code == 401
    assert bank_client.refresh(first["refresh_token"]).json()["error"] == (
        "invalid_grant"
    )


def test_the_inspector_files_each_token_call_under_its_flow_refused_or_not(
    portal: Portal, bank_client: Provider
) -> None:
    code = bank_client.code()
    first = bank_client.token(code=code, code_verifier=VERIFIER).json()
    bank_client.token(code=code, code_verifier=VERIFIER)
    bank_client.refresh(first["refresh_token"])

    page = requests.get(f"{portal.url}/inspector/", timeout=10).text
    flow_key = page.split('data-testid="flow-', 1)[1].split('"', 1)[0]
    timeline = requests.get(f"{portal.url}/api/v1/inspector/{flow_key}", timeout=10)

    steps = [(event["step"], event["status"]) for event in timeline.json()["events"]]
    assert steps[0] == ("par", 201)
    assert [step for step in steps if step[0] == "token"] == [
        ("token", 200),
        ("token", 400),
        ("token", 400),
    ]


def test_s8_a_late_code_or_one_from_another_client_is_invalid_grant(
    portal: Portal, bank_client: Provider, other_client: Provider
) -> None:
    stolen = other_client.token(
        code=bank_client.code(),
        code_verifier=VERIFIER,
        redirect_uri=bank_client.redirect_uri,
    )
    late = bank_client.code()
    control(portal, "clock", {"move_seconds": 61})

    expired = bank_client.token(code=late, code_verifier=VERIFIER)

    for refused in (stolen, expired):
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("verifier", [None, "w" * 64, VERIFIER[:-1]])
def test_s9_a_wrong_or_missing_code_verifier_is_invalid_grant(
    bank_client: Provider, verifier: str | None
) -> None:
    answer = bank_client.token(code=bank_client.code(), code_verifier=verifier)

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_s11_refresh_tokens_end_with_the_consent_and_with_its_revocation(
    portal: Portal, bank_client: Provider
) -> None:
    kept, revoked = bank_client.tokens(), bank_client.tokens()
    requests.post(
        f"{portal.url}/oauth/revoke",
        data={"token": revoked["refresh_token"], **bank_client.auth()},
        timeout=10,
    )
    after_revocation = bank_client.refresh(revoked["refresh_token"])
    within = bank_client.refresh(kept["refresh_token"])
    consent_left = kept["consent_expires_at"] - time.time()
    control(portal, "clock", {"move_seconds": consent_left + 1})

    after_consent = bank_client.refresh(kept["refresh_token"])

    assert within.status_code == 200
    assert within.json()["consent_expires_at"] == kept["consent_expires_at"]
    for refused in (after_revocation, after_consent):
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_grant"


def test_s14_tokens_only_in_the_header_live_tokens_only_consented_data_only(
    portal: Portal, bank_client: Provider
) -> None:
    tokens = bank_client.tokens()
    access = tokens["access_token"]
    in_query = requests.post(
        f"{portal.url}/request?access_token={access}", json={}, timeout=10
    )
    unconsented = data_call(
        portal, "request", access, {"tm_codes": ["TM01010000000001"]}
    )
    consented = data_call(portal, "request", access, {"tm_codes": [LOCAL_TAX]})
    control(portal, "clock", {"move_seconds": tokens["expires_in"] + 1})
    expired = data_call(portal, "request", access, {})
    fresh = bank_client.refresh(tokens["refresh_token"]).json()["access_token"]
    requests.post(
        f"{portal.url}/oauth/revoke",
        data={"token": tokens["refresh_token"], **bank_client.auth()},
        timeout=10,
    )
    revoked = data_call(portal, "request", fresh, {})

    assert in_query.status_code == 400
    assert in_query.json()["error"] == "invalid_request"
    assert unconsented.status_code == 403
    assert unconsented.json()["error"] == "insufficient_scope"
    assert consented.status_code == 200
    for refused in (expired, revoked):
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_token"


def test_s14_a_token_of_the_other_kind_is_refused(
    portal: Portal, bank_client: Provider
) -> None:
    tokens = bank_client.tokens()

    refresh_as_bearer = data_call(
        portal, "request", tokens["refresh_token"], {"tm_codes": [LOCAL_TAX]}
    )
    access_as_refresh = bank_client.refresh(tokens["access_token"])

    assert refresh_as_bearer.status_code == 401
    assert refresh_as_bearer.json()["error"] == "invalid_token"
    assert access_as_refresh.status_code == 400
    assert access_as_refresh.json()["error"] == "invalid_grant"


def test_s16_discovery_is_exact_and_a_rotated_key_stays_published_for_a_while(
    portal: Portal,
) -> None:
    metadata = requests.get(
        f"{portal.url}/.well-known/oauth-authorization-server", timeout=10
    ).json()
    published = requests.get(metadata["jwks_uri"], timeout=10).json()["keys"]
    before = {key["kid"] for key in published}

    rotated = control(portal, "keys", {"rotate": True})
    during = {key["kid"] for key in rotated["keys"]}
    after = {
        key["kid"] for key in control(portal, "keys", {"retire_old": True})["keys"]
    }

    assert metadata["issuer"] == portal.url
    assert metadata["require_pushed_authorization_requests"] is True
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert before < during
    assert len(after) == 1
    assert after <= during - before


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"kind": "status", "value": 503}, 503),
        ({"kind": "status", "value": 500}, 500),
        ({"kind": "status", "value": 429}, 429),
        ({"kind": "malformed"}, 200),
    ],
)
def test_s17_faults_on_demand_answer_the_next_call_then_stop(
    portal: Portal, bank_client: Provider, fault: dict[str, Any], status: int
) -> None:
    access = bank_client.tokens()["access_token"]
    control(portal, "faults", {"endpoint": "request", **fault})

    faulty = data_call(portal, "request", access, {})
    by_header = requests.post(
        f"{portal.url}/request",
        headers={"Authorization": f"Bearer {access}", "X-Simulator-Fault": "503"},
        json={},
        timeout=10,
    )
    plain = data_call(portal, "request", access, {})

    assert faulty.status_code == status
    if status in {429, 503}:
        assert faulty.headers["Retry-After"] == "1"
    if fault["kind"] == "malformed":
        with pytest.raises(ValueError):
            faulty.json()
    assert by_header.status_code == 503
    assert plain.status_code == 200


def test_s17_a_connection_reset_on_demand(
    portal: Portal, bank_client: Provider
) -> None:
    access = bank_client.tokens()["access_token"]
    control(portal, "faults", {"endpoint": "request", "kind": "reset"})

    with pytest.raises(requests.ConnectionError):
        data_call(portal, "request", access, {})
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{portal.url}/request",
            headers={"Authorization": f"Bearer {access}", "X-Simulator-Fault": "reset"},
            json={},
            timeout=10,
        )
    assert data_call(portal, "request", access, {}).status_code == 200


def test_s17_a_hang_and_a_long_processing_on_demand(
    portal: Portal, bank_client: Provider
) -> None:
    access = bank_client.tokens()["access_token"]
    control(portal, "faults", {"endpoint": "request", "kind": "delay", "value": 3})
    control(
        portal,
        "faults",
        {"endpoint": "request", "kind": "bad_message", "message": "long_processing"},
    )

    started = time.monotonic()
    process = data_call(portal, "request", access, {}).json()["process_id"]
    waited = time.monotonic() - started
    result = data_call(portal, "result", access, {"process_id": process}).json()

    assert waited >= 3
    assert result["status"] == "processing"
    assert result["retry_after"] > 15


def test_the_request_answer_says_when_the_result_will_be_ready(
    portal: Portal, bank_client: Provider
) -> None:
    # A weekday noon, frozen: every server runs, and no time passes by itself.
    control(portal, "clock", {"at": "2026-12-09T12:00:00+09:00", "frozen": True})
    access = bank_client.tokens()["access_token"]

    accepted = data_call(portal, "request", access, {}).json()
    process = {"process_id": accepted["process_id"]}
    early = data_call(portal, "result", access, process)
    control(portal, "clock", {"move_seconds": accepted["retry_after"]})
    on_time = data_call(portal, "result", access, process)

    # The suite's simulator takes one second to process (tests/conftest.py).
    assert accepted["retry_after"] == 1
    assert "deferred" not in accepted
    assert early.json()["status"] == "processing"
    assert on_time.json()["status"] == "completed"


def test_s18_the_clock_expires_codes_tokens_and_consents_and_steps_into_stops(
    portal: Portal, bank_client: Provider
) -> None:
    code = bank_client.code()
    tokens = bank_client.tokens()
    process = data_call(portal, "request", tokens["access_token"], {}).json()
    control(portal, "clock", {"move_seconds": 61})
    late_code = bank_client.token(code=code, code_verifier=VERIFIER)
    control(portal, "clock", {"move_seconds": tokens["expires_in"]})
    late_token = data_call(portal, "request", tokens["access_token"], {})
    control(portal, "clock", {"at": THIRD_SATURDAY_NIGHT, "frozen": True})
    fresh = bank_client.refresh(tokens["refresh_token"]).json()["access_token"]
    in_stop = data_call(portal, "result", fresh, process).json()
    consent_left = tokens["consent_expires_at"] - time.time()
    control(portal, "clock", {"reset": True})
    control(portal, "clock", {"move_seconds": consent_left + 1})
    late_consent = bank_client.refresh(tokens["refresh_token"])

    assert late_code.json()["error"] == "invalid_grant"
    assert late_token.status_code == 401
    assert in_stop["error"] == "middle_server_unavailable"
    assert late_consent.json()["error"] == "invalid_grant"


def test_s19_a_consent_revoked_at_the_portal_must_be_given_again(
    portal: Portal, bank_client: Provider
) -> None:
    tokens = bank_client.tokens()
    process = data_call(portal, "request", tokens["access_token"], {}).json()

    revoked = control(
        portal, "consents/revoke", {"client_id": CLIENT_ID, "persona": "yamada-hanako"}
    )
    data = data_call(portal, "request", tokens["access_token"], {})
    refreshed = bank_client.refresh(tokens["refresh_token"])
    noticed = control(portal, "notifications", {"process_id": process["process_id"]})
    again = bank_client.tokens()

    assert revoked["revoked"] >= 1
    assert data.status_code == 401
    assert refreshed.json()["error"] == "invalid_grant"
    assert noticed["delivered"] is True
    assert data_call(portal, "request", again["access_token"], {}).status_code == 200


def test_s20_every_bad_message_can_be_queued_and_unknown_ones_are_refused(
    portal: Portal,
) -> None:
    document = requests.get(f"{portal.url}/api/openapi.json", timeout=10).json()
    names = document["components"]["schemas"]["BadMessage"]["enum"]
    steps = {
        name: "authorize"
        if name in {"iss_wrong", "iss_missing", "state_wrong"}
        else "request"
        if name == "long_processing"
        else "token"
        if name.startswith("id_token_")
        else "result"
        for name in names
    }

    answers = [
        requests.post(
            f"{portal.url}/api/v1/control/faults",
            json={"endpoint": step, "kind": "bad_message", "message": name},
            timeout=10,
        ).status_code
        for name, step in steps.items()
    ]
    unknown = requests.post(
        f"{portal.url}/api/v1/control/faults",
        json={"endpoint": "token", "kind": "bad_message", "message": "id_token_nice"},
        timeout=10,
    )

    assert len(names) == len(set(names)) >= 35
    assert answers == [200] * len(names)
    assert unknown.status_code == 400


def test_s21_loopback_by_default_and_no_individual_number_can_be_real() -> None:
    from mynaportal.simulator.personas import DEMO_PERSONAS, invalid_individual_number

    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MYNAPORTAL_", "DJANGO_SETTINGS"))
    }
    script = "from bankdemo.settings import portal; print(portal.MYNAPORTAL_SIM_ISSUER)"
    default = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    numbers = [invalid_individual_number(spec.slug) for spec in DEMO_PERSONAS]

    assert urlsplit(default).hostname == "127.0.0.1"
    assert "--bind 127.0.0.1:$(PORTAL_PORT)" in (ROOT / "Makefile").read_text()
    assert "--bind 127.0.0.1:$PORTAL_PORT" in (ROOT / "Procfile").read_text()
    assert len(numbers) >= 10
    for number in numbers:
        assert len(number) == 12
        assert number.isdigit()
        assert int(number[-1]) != check_digit(number[:11])


def test_s22_a_request_in_a_planned_stop_says_when_then_is_served(
    portal: Portal, bank_client: Provider
) -> None:
    control(portal, "clock", {"at": THIRD_SATURDAY_NIGHT, "frozen": True})
    in_stop = bank_client.tokens()
    access = in_stop["access_token"]
    process = data_call(portal, "request", access, {}).json()
    stopped = data_call(portal, "result", access, process).json()
    control(portal, "clock", {"at": AFTER_THE_STOP, "frozen": True})
    fresh = bank_client.refresh(in_stop["refresh_token"]).json()["access_token"]
    served = data_call(portal, "result", fresh, process).json()

    assert process["deferred"]["server"] == stopped["server"]
    assert stopped["status"] == "error"
    assert stopped["error"] == "middle_server_unavailable"
    assert stopped["server"] in {"info-network", "municipal"}
    assert stopped["available_at"] == "2026-12-21T00:00:00+09:00"
    assert served["status"] == "completed"
