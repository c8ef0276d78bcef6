"""The environment's proxies and CA bundle, read once per process for portal calls."""

from collections.abc import Iterator

import pytest

from mynaportal.client import portal


@pytest.fixture(autouse=True)
def fresh_environment() -> Iterator[None]:
    portal._environment.cache_clear()
    yield
    portal._environment.cache_clear()


def test_the_proxy_and_the_ca_bundle_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.bank.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/bank/ca.pem")

    proxies, bundle = portal._environment("https://portal.example/result")

    assert proxies["https"] == "http://proxy.bank.example:3128"
    assert bundle == "/etc/bank/ca.pem"


def test_no_proxy_and_no_bundle_leave_requests_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.bank.example:3128")
    monkeypatch.setenv("NO_PROXY", "portal.example")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)

    proxies, bundle = portal._environment("https://portal.example/result")

    assert "https" not in proxies
    assert bundle is True


def test_the_environment_is_read_once_per_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/bank/ca.pem")
    portal._environment("https://portal.example/token")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/bank/other.pem")

    _, bundle = portal._environment("https://portal.example/token")

    assert bundle == "/etc/bank/ca.pem"
