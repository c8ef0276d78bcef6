"""The bank's cache in Redis: every web process counts together, and a stopped
Redis is a miss, never an error page."""

import logging
import os
import secrets
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from bankdemo.settings.base import cache
from sitewide.cache import SharedCache

STOPPED_REDIS = "redis://127.0.0.1:1/0"
FAIL_FAST = {"socket_connect_timeout": 1, "socket_timeout": 1}


def _process_cache(url: str, prefix: str) -> SharedCache:
    """A web process's cache as ``DJANGO_CACHE_URL`` sets it, with its own pool."""
    return SharedCache(url, {"KEY_PREFIX": prefix, "OPTIONS": FAIL_FAST})


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis://"):
        pytest.fail("These tests need Redis: set REDIS_URL to a redis:// URL")
    return url


@pytest.fixture
def two_processes(redis_url: str) -> Iterator[tuple[SharedCache, SharedCache]]:
    prefix = f"test-{secrets.token_hex(6)}"
    first, second = _process_cache(redis_url, prefix), _process_cache(redis_url, prefix)
    yield first, second
    first.delete_many(["limit", "lock"])


def test_what_one_process_counts_another_sees(
    two_processes: tuple[SharedCache, SharedCache],
) -> None:
    first, second = two_processes

    first.set("limit", [1, 2, 3], 60)

    assert second.get("limit") == [1, 2, 3]


def test_a_lock_taken_in_one_process_is_held_against_the_other(
    two_processes: tuple[SharedCache, SharedCache],
) -> None:
    first, second = two_processes

    assert first.add("lock", True, 10) is True
    assert second.add("lock", True, 10) is False
    first.delete("lock")
    assert second.add("lock", True, 10) is True


def test_a_stopped_redis_is_a_miss_and_logs_no_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stopped = _process_cache(STOPPED_REDIS, "test")

    with caplog.at_level(logging.WARNING, logger="sitewide.cache"):
        assert stopped.get("hanako@example.com:limit", "default") == "default"
        stopped.set("hanako@example.com:limit", [1], 60)
        assert stopped.add("hanako@example.com:lock", True, 10) is True
        assert stopped.delete("hanako@example.com:lock") is False
        assert stopped.get_many(["a", "b"]) == {}
        assert stopped.has_key("a") is False
        with pytest.raises(ValueError):
            stopped.incr("a")

    assert caplog.records
    assert all("hanako" not in record.getMessage() for record in caplog.records)
    assert "ConnectionError" in caplog.records[0].getMessage()


def test_no_url_keeps_the_cache_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_CACHE_URL", raising=False)

    assert cache("TEST_CACHE_URL") == {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
    }


def test_a_redis_url_shares_the_cache_and_fails_fast(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_CACHE_URL", "redis://:secret@127.0.0.1:6379/5")

    settings = cache("TEST_CACHE_URL")

    assert settings["BACKEND"] == "sitewide.cache.SharedCache"
    assert settings["LOCATION"] == "redis://:secret@127.0.0.1:6379/5"
    assert settings["OPTIONS"] == FAIL_FAST


def test_another_kind_of_url_is_refused_without_repeating_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_CACHE_URL", "memcached://:secret@cache.bank.example")

    with pytest.raises(ImproperlyConfigured, match="TEST_CACHE_URL must be") as error:
        cache("TEST_CACHE_URL")
    assert "secret" not in str(error.value)
