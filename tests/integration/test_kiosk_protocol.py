"""The simulator's kiosk endpoints (guideline §3), called as a kiosk client would.

No browser redirect: the kiosk authenticates itself, sends the consent, has the
card inside it sign the portal's challenge after the PIN, and gets the tokens.
The card's PIN counts and locks exactly as on the web's identity screen.
"""

import base64
import secrets
from pathlib import Path
from typing import Any

import pytest
import requests
from joserfc import jwt

from tests.conftest import Portal
from tests.integration.test_simulator_protocol import (
    CLIENT_ID,
    LOCAL_TAX,
    challenge,
    client_auth,
    push,
)


def consent(portal: Portal, keys: Path, **changes: str) -> requests.Response:
    body = {
        **client_auth(keys, portal.url),
        "consent": "given",
        "nonce": "kiosk-nonce-" + secrets.token_urlsafe(8),
        "tm_codes": LOCAL_TAX,
        **changes,
    }
    return requests.post(f"{portal.url}/oauth/kiosk/consent", data=body, timeout=10)


def card_signs(
    portal: Portal, card: str, pin: str, portal_challenge: str
) -> requests.Response:
    body = {"card": card, "pin": pin, "challenge": portal_challenge}
    return requests.post(f"{portal.url}/api/v1/card-reader/sign", json=body, timeout=10)


def identity(
    portal: Portal, keys: Path, kiosk_request: str, signed: dict[str, Any]
) -> requests.Response:
    body = {
        **client_auth(keys, portal.url),
        "kiosk_request": kiosk_request,
        "certificate": signed["certificate"],
        "signature": signed["signature"],
    }
    return requests.post(f"{portal.url}/oauth/kiosk/identity", data=body, timeout=10)


def test_the_kiosk_gets_tokens_for_the_card_inside_it(
    portal: Portal, client_keys: Path
) -> None:
    accepted = consent(portal, client_keys, nonce="nonce-of-the-kiosk-1")
    assert accepted.status_code == 201, accepted.text
    handle, portal_challenge = (
        accepted.json()["kiosk_request"],
        accepted.json()["challenge"],
    )
    signed = card_signs(portal, "suzuki-ichiro", "2345", portal_challenge)
    assert signed.status_code == 200, signed.text

    answer = identity(portal, client_keys, handle, signed.json())

    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert set(tokens) >= {"access_token", "refresh_token", "id_token"}
    claims = jwt.decode(tokens["id_token"], _portal_keys(portal)).claims
    assert claims["nonce"] == "nonce-of-the-kiosk-1"
    assert claims["aud"] == CLIENT_ID
    assert answer.headers["Cache-Control"] == "no-store"


def _portal_keys(portal: Portal) -> Any:
    from joserfc.jwk import KeySet

    return KeySet.import_key_set(
        requests.get(f"{portal.url}/jwks.json", timeout=10).json()
    )


def test_a_kiosk_request_works_once(portal: Portal, client_keys: Path) -> None:
    accepted = consent(portal, client_keys).json()
    signed = card_signs(portal, "suzuki-ichiro", "2345", accepted["challenge"]).json()
    first = identity(portal, client_keys, accepted["kiosk_request"], signed)

    again = identity(portal, client_keys, accepted["kiosk_request"], signed)

    assert first.status_code == 200
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"


def test_a_signature_over_another_challenge_is_refused(
    portal: Portal, client_keys: Path
) -> None:
    accepted = consent(portal, client_keys).json()
    other = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    signed = card_signs(portal, "suzuki-ichiro", "2345", other).json()

    answer = identity(portal, client_keys, accepted["kiosk_request"], signed)

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "access_denied",
        "error_description": "identity_verification_failed:bad_signature",
    }


def test_an_expired_certificate_is_refused(portal: Portal, client_keys: Path) -> None:
    accepted = consent(portal, client_keys).json()
    signed = card_signs(portal, "yoshida-naoki", "3579", accepted["challenge"])
    assert signed.status_code == 200

    answer = identity(portal, client_keys, accepted["kiosk_request"], signed.json())

    assert answer.json()["error_description"] == "identity_verification_failed:expired"


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"consent": "refused"}, 400, "invalid_request"),
        ({"nonce": "short"}, 400, "invalid_request"),
        ({"tm_codes": "TM99999999999999"}, 400, "invalid_scope"),
        ({"client_assertion": "not-a-jwt"}, 401, "invalid_client"),
    ],
)
def test_a_bad_kiosk_consent_is_refused(
    portal: Portal, client_keys: Path, changes: dict[str, str], status: int, error: str
) -> None:
    answer = consent(portal, client_keys, **changes)

    assert answer.status_code == status
    assert answer.json()["error"] == error


def test_the_consent_without_client_authentication_is_refused(portal: Portal) -> None:
    answer = requests.post(
        f"{portal.url}/oauth/kiosk/consent",
        data={"consent": "given", "nonce": "n" * 16, "tm_codes": LOCAL_TAX},
        timeout=10,
    )

    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


def test_wrong_pins_at_the_kiosk_count_with_those_on_the_web(
    portal: Portal, client_keys: Path, bank: str
) -> None:
    from django.conf import settings

    params = {
        "response_type": "code",
        "redirect_uri": str(settings.MYNAPORTAL_REDIRECT_URI),
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge("v" * 64),
        "code_challenge_method": "S256",
        "tm_codes": LOCAL_TAX,
    }
    request_uri = push(portal, client_keys, params).json()["request_uri"]
    requests.get(
        f"{portal.url}/oauth/authorize",
        params={"client_id": CLIENT_ID, "request_uri": request_uri},
        headers={"X-Simulator-Persona": "tanaka-kenji", "X-Simulator-Pin": "0000"},
        allow_redirects=False,
        timeout=10,
    )
    portal_challenge = consent(portal, client_keys).json()["challenge"]

    at_kiosk = card_signs(portal, "tanaka-kenji", "0000", portal_challenge)
    right = card_signs(portal, "tanaka-kenji", "3456", portal_challenge)
    after_reset = card_signs(portal, "tanaka-kenji", "0000", portal_challenge)
    card_signs(portal, "tanaka-kenji", "3456", portal_challenge)

    assert at_kiosk.status_code == 403
    assert at_kiosk.json()["attempts_left"] == 1
    assert right.status_code == 200
    assert after_reset.json()["attempts_left"] == 2


def test_a_locked_card_does_not_sign(portal: Portal, client_keys: Path) -> None:
    portal_challenge = consent(portal, client_keys).json()["challenge"]

    answer = card_signs(portal, "kato-yumi", "2468", portal_challenge)

    assert answer.status_code == 403
    assert answer.json()["error"] == "card_locked"
    assert "attempts_left" not in answer.json()


@pytest.mark.parametrize(
    "body",
    [
        {"card": "suzuki-ichiro", "pin": "23456", "challenge": "AAAA"},
        {"card": "suzuki-ichiro", "pin": "2345", "challenge": "AAAA"},
        {"card": "suzuki-ichiro", "pin": "2345"},
    ],
)
def test_the_reader_refuses_a_malformed_request(
    portal: Portal, body: dict[str, str]
) -> None:
    answer = requests.post(
        f"{portal.url}/api/v1/card-reader/sign", json=body, timeout=10
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_the_reader_lists_the_cards_by_holder(portal: Portal) -> None:
    cards = requests.get(f"{portal.url}/api/v1/card-reader/cards", timeout=10).json()

    assert {"card": "suzuki-ichiro", "holder": "鈴木 一郎"} in cards["cards"]
