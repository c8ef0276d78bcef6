"""What portal calls keep per process: the environment's proxies and CA bundle,
and one HTTP session per thread that never carries a cookie between calls."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


class _SetsACookie(BaseHTTPRequestHandler):
    """Answers every POST with a cookie, and notes the Cookie header it was sent."""

    seen: list[str | None] = []

    def do_POST(self) -> None:
        self.seen.append(self.headers.get("Cookie"))
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "portal_session=someone-else; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def cookie_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SetsACookie)
    _SetsACookie.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_the_shared_http_session_never_sends_a_cookie_it_was_given(
    cookie_server: str,
) -> None:
    for _ in range(2):
        portal.PortalSession()._send("result", "POST", cookie_server)

    assert _SetsACookie.seen == [None, None]


def test_each_thread_has_its_own_http_session_and_keeps_it() -> None:
    here = portal.PortalSession().http
    elsewhere: list[object] = []
    thread = threading.Thread(target=lambda: elsewhere.append(portal._http()))
    thread.start()
    thread.join()

    assert portal.PortalSession().http is here
    assert elsewhere and elsewhere[0] is not here
