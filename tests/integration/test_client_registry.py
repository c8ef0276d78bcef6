"""A provider registers itself and lives through 利用停止・利用再開・利用終了."""

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.conftest import Portal

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LOCAL_TAX = "TM02010000000001"


@pytest.fixture
def provider_keys() -> dict[str, ECKey]:
    return {
        "sig": ECKey.generate_key("P-256", parameters={"use": "sig"}, auto_kid=True),
        "enc": ECKey.generate_key("P-256", parameters={"use": "enc"}, auto_kid=True),
    }


def registration(keys: dict[str, ECKey], **changes: Any) -> dict[str, Any]:
    return {
        "name": "テスト信用金庫",
        "purpose": "カードローンの審査",
        "redirect_uris": ["https://provider.example/callback"],
        "jwks": {"keys": [key.as_dict(private=False) for key in keys.values()]},
        "tm_codes": [LOCAL_TAX],
        "consent_days": 30,
        **changes,
    }


@pytest.fixture
def provider(portal: Portal, provider_keys: dict[str, ECKey]) -> Iterator[str]:
    answer = requests.post(
        f"{portal.url}/api/v1/clients", json=registration(provider_keys), timeout=10
    )
    assert answer.status_code == 201, answer.text
    yield answer.json()["client_id"]
    requests.post(
        f"{portal.url}/api/v1/control/clock", json={"reset": True}, timeout=10
    )


def push(portal: Portal, client_id: str, key: ECKey) -> requests.Response:
    return _push_for(portal, client_id, key, LOCAL_TAX, "latest")


def lifecycle(portal: Portal, client_id: str, action: str, at: str = "") -> None:
    body = {"action": action, **({"effective_at": at} if at else {})}
    answer = requests.post(
        f"{portal.url}/api/v1/clients/{client_id}/lifecycle", json=body, timeout=10
    )
    assert answer.status_code == 200, answer.text


def test_a_registered_provider_gets_a_client_id_and_can_push(
    portal: Portal, provider: str, provider_keys: dict[str, ECKey]
) -> None:
    assert provider.startswith("SP")
    assert len(provider) == 17

    assert push(portal, provider, provider_keys["sig"]).status_code == 201


def test_a_suspended_provider_is_refused_then_resumed(
    portal: Portal, provider: str, provider_keys: dict[str, ECKey]
) -> None:
    lifecycle(portal, provider, "suspend")

    refused = push(portal, provider, provider_keys["sig"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "client_suspended"

    lifecycle(portal, provider, "resume")
    assert push(portal, provider, provider_keys["sig"]).status_code == 201


def test_an_end_takes_effect_from_its_date(
    portal: Portal, provider: str, provider_keys: dict[str, ECKey]
) -> None:
    lifecycle(portal, provider, "end", "2030-04-01T00:00:00+09:00")
    assert push(portal, provider, provider_keys["sig"]).status_code == 201

    requests.post(
        f"{portal.url}/api/v1/control/clock",
        json={"at": "2030-04-01T00:00:00+09:00", "frozen": True},
        timeout=10,
    )

    refused = push(portal, provider, provider_keys["sig"])
    assert refused.status_code == 403
    assert refused.json()["error"] == "client_ended"
    state = requests.get(f"{portal.url}/api/v1/clients/{provider}", timeout=10)
    assert state.json()["status"] == "ended"


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uris": ["/relative"]},
        {"redirect_uris": ["https://a.example/cb#fragment"]},
        {"tm_codes": ["TM99999999999999"]},
        {"consent_days": 0},
        {"jwks": {"keys": [{"kty": "EC", "d": "secret"}]}},
        {"unexpected": "field"},
        {"name": ""},
    ],
)
def test_a_bad_registration_is_refused_with_the_reason(
    portal: Portal, provider_keys: dict[str, ECKey], changes: dict[str, Any]
) -> None:
    answer = requests.post(
        f"{portal.url}/api/v1/clients",
        json=registration(provider_keys, **changes),
        timeout=10,
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert answer.json()["error_description"] != ""


def test_latest_is_refused_for_information_without_a_period(
    portal: Portal, provider_keys: dict[str, ECKey]
) -> None:
    household = "TM01010000000001"
    answer = requests.post(
        f"{portal.url}/api/v1/clients",
        json=registration(provider_keys, tm_codes=[household]),
        timeout=10,
    )
    client_id = answer.json()["client_id"]

    refused = _push_for(portal, client_id, provider_keys["sig"], household, "latest")
    accepted = _push_for(portal, client_id, provider_keys["sig"], household, "as_of")

    assert refused.status_code == 400
    assert (
        refused.json()["error_description"] == "query_condition: latest_not_supported"
    )
    assert accepted.status_code == 201


def _push_for(
    portal: Portal, client_id: str, key: ECKey, tm_code: str, mode: str
) -> requests.Response:
    condition = {"mode": mode, **({"as_of": "2026-04-01"} if mode == "as_of" else {})}
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": portal.url,
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "exp": now + 60,
    }
    return requests.post(
        f"{portal.url}/oauth/par",
        data={
            "client_id": client_id,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": jwt.encode(
                {"alg": "ES256", "kid": key.kid}, claims, key
            ),
            "response_type": "code",
            "redirect_uri": "https://provider.example/callback",
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
            "tm_codes": tm_code,
            "query_condition": json.dumps(condition),
        },
        timeout=10,
    )
