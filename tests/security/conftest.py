"""Fixtures of the security cases."""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def sign_in_limits_reset() -> Iterator[None]:
    """Start each case with allauth's sign-in rate limits at zero.

    The cases sign in far more often than a person would (allauth allows 30
    sign-ins a minute from one address); the limit itself is not under test.
    """
    from django.core.cache import cache

    cache.clear()
    yield
