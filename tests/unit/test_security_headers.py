"""Security headers on the bank's pages (SECURITY R33, R35; guideline §4.2)."""

from typing import Any

import pytest
from django.test import Client

from tests.conftest import CUSTOMER_PASSWORD


@pytest.fixture
def signed_in(client: Client, customer: Any) -> Client:
    assert client.login(username="hanako", password=CUSTOMER_PASSWORD) is True
    return client


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_pages_carry_a_csp_without_unsafe_inline(
    client: Client, db: None, path: str
) -> None:
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/loans/apply/", "/mail/", "/developer/"])
def test_pages_with_personal_data_are_not_stored(signed_in: Client, path: str) -> None:
    response = signed_in.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_sign_in_rotates_the_session_and_sets_a_safe_cookie(
    client: Client, customer: Any
) -> None:
    client.get("/accounts/login/")
    anonymous = client.session.session_key

    response = client.post(
        "/accounts/login/",
        {"login": "hanako@example.com", "password": CUSTOMER_PASSWORD},
    )

    cookie = response.cookies["bank_session"]
    assert response.status_code == 302
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert anonymous is not None
    assert cookie.value != anonymous
