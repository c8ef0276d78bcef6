"""The simulator's strictness, called as any provider's client would call it."""

import base64
import hashlib
import json
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.conftest import Portal

CLIENT_ID = "SP12345678_AB1234"
LOCAL_TAX = "TM02010000000001"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def assertion(keys_file: Path, audience: str, **overrides: Any) -> str:
    key = next(
        k
        for k in KeySet.import_key_set(json.loads(keys_file.read_text())).keys
        if k.get("use") == "sig"
    )
    now = int(time.time())
    claims = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": audience,
        "jti": secrets.token_urlsafe(16),
        "iat": now,
        "exp": now + 60,
        **overrides,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def client_auth(keys_file: Path, audience: str, **overrides: Any) -> dict[str, str]:
    return {
        "client_id": CLIENT_ID,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion(keys_file, audience, **overrides),
    }


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def par_params(portal: Portal, bank_redirect_uri: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "redirect_uri": bank_redirect_uri,
        "scope": "openid",
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge("v" * 64),
        "code_challenge_method": "S256",
        "tm_codes": LOCAL_TAX,
    }


@pytest.fixture
def bank_redirect_uri(portal: Portal) -> str:
    from django.conf import settings

    return str(settings.MYNAPORTAL_REDIRECT_URI)


def push(portal: Portal, keys: Path, params: dict[str, str], **auth: Any) -> Any:
    data = {**params, **client_auth(keys, portal.url, **auth)}
    return requests.post(f"{portal.url}/oauth/par", data=data, timeout=10)


def test_discovery_publishes_the_fapi_profile(portal: Portal) -> None:
    url = f"{portal.url}/.well-known/oauth-authorization-server"
    metadata = requests.get(url, timeout=10).json()

    assert metadata["issuer"] == portal.url
    assert metadata["require_pushed_authorization_requests"] is True
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True


def test_a_pushed_request_gets_a_request_uri(
    portal: Portal, client_keys: Path, par_params: dict[str, str]
) -> None:
    answer = push(portal, client_keys, par_params)

    assert answer.status_code == 201
    assert answer.json()["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert answer.headers["Cache-Control"] == "no-store"


def test_authorization_without_par_is_refused_on_the_portal_page(
    portal: Portal, bank_redirect_uri: str
) -> None:
    answer = requests.get(
        f"{portal.url}/oauth/authorize",
        params={"client_id": CLIENT_ID, "redirect_uri": bank_redirect_uri},
        allow_redirects=False,
        timeout=10,
    )

    assert answer.status_code == 400
    assert "par_required" in answer.text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"redirect_uri": "https://evil.example/cb"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"tm_codes": "TM99999999999999"}, "invalid_scope"),
        ({"state": None}, "invalid_request"),
    ],
)
def test_a_malformed_pushed_request_is_refused(
    portal: Portal,
    client_keys: Path,
    par_params: dict[str, str],
    change: dict[str, str | None],
    error: str,
) -> None:
    params = {**par_params, **change}
    params = {name: value for name, value in params.items() if value is not None}

    answer = push(portal, client_keys, params)  # type: ignore[arg-type]

    assert answer.status_code == 400
    assert answer.json()["error"] == error


@pytest.mark.parametrize(
    "auth",
    [
        {"aud": "https://other.example"},
        {"exp": int(time.time()) - 600, "iat": int(time.time()) - 700},
        {"iat": int(time.time()) + 600, "exp": int(time.time()) + 660},
        {"sub": "SP00000000_XX0000"},
    ],
)
def test_a_bad_client_assertion_is_invalid_client(
    portal: Portal, client_keys: Path, par_params: dict[str, str], auth: dict[str, Any]
) -> None:
    answer = push(portal, client_keys, par_params, **auth)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_par_without_client_authentication_is_invalid_client(
    portal: Portal, par_params: dict[str, str]
) -> None:
    answer = requests.post(f"{portal.url}/oauth/par", data=par_params, timeout=10)

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_a_replayed_client_assertion_is_refused(
    portal: Portal, client_keys: Path, par_params: dict[str, str]
) -> None:
    data = {**par_params, **client_auth(client_keys, portal.url)}
    first = requests.post(f"{portal.url}/oauth/par", data=data, timeout=10)

    second = requests.post(f"{portal.url}/oauth/par", data=data, timeout=10)

    assert first.status_code == 201
    assert second.status_code == 401


def test_par_as_get_or_with_repeated_parameters_is_refused(
    portal: Portal, client_keys: Path, par_params: dict[str, str]
) -> None:
    as_get = requests.get(f"{portal.url}/oauth/par", params=par_params, timeout=10)
    data = [
        *par_params.items(),
        ("state", "second-state-value"),
        *client_auth(client_keys, portal.url).items(),
    ]
    repeated = requests.post(f"{portal.url}/oauth/par", data=data, timeout=10)

    assert as_get.status_code == 405
    assert repeated.status_code == 400
    assert repeated.json()["error"] == "invalid_request"


def test_data_calls_need_a_bearer_token_in_the_header(portal: Portal) -> None:
    no_token = requests.post(f"{portal.url}/request", json={}, timeout=10)
    in_query = requests.post(
        f"{portal.url}/request?access_token=abc", json={}, timeout=10
    )

    assert no_token.status_code == 401
    assert in_query.status_code == 400
