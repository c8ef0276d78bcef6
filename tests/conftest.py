"""Shared fixtures: the real simulator as a separate site, a real Celery worker,
customers, and a real browser.

The bank runs in pytest-django's live server; the simulator runs as its own
process (gunicorn) with its own database, exactly as `make demo` runs it, and
the two meet only over HTTP.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
import requests
from django.conf import settings

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# made by the tests themselves are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CUSTOMER_PASSWORD = "correct-horse-2026"


@dataclass(frozen=True)
class Portal:
    """The running simulator."""

    url: str
    env: dict[str, str]
    seed: tuple[str, ...] = ()

    def manage(self, *args: str) -> str:
        """Run a management command against the simulator's own database."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def request_status(self, access_token: str) -> int:
        """The HTTP status of a data call (IF001-04) made with this access token:
        401 once its grant has been revoked."""
        answer = requests.post(
            f"{self.url}/request",
            json={},
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
        )
        return answer.status_code

    def shell_json(self, script: str) -> dict[str, Any]:
        """Run a Python script in the simulator's shell; what it printed last, as
        JSON."""
        printed = self.manage("shell", "-c", script).strip().splitlines()
        answer: dict[str, Any] = json.loads(printed[-1])
        return answer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database(suffix: str, folder: Path) -> str:
    """An empty database for a simulator, named after the bank's test database.

    On PostgreSQL ``<name>_<suffix>`` on the same server, dropped and created
    again; without PostgreSQL a SQLite file in ``folder``.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{folder / f'{suffix}.sqlite3'}"

    import psycopg

    config = dj_database_url.parse(url)
    name = f"{config['NAME']}_{suffix}"
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session", autouse=True)
def compiled_messages() -> None:
    """The English catalog compiled, as `make compilemessages` does, when stale.

    Both sites (and the simulator's own process) read locale/en/.../django.mo.
    """
    po = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        subprocess.run(
            [
                *(sys.executable, "manage.py", "compilemessages", "--verbosity", "0"),
                *("--ignore", ".venv", "--ignore", "node_modules"),
            ],
            cwd=ROOT,
            check=True,
        )


@pytest.fixture(scope="session", autouse=True)
def short_lived_connections() -> None:
    """Close each thread's database connection after its request or task.

    The live server answers from short-lived threads; persistent connections
    left behind by them would keep the test database from being dropped.
    """
    from django.db import connections

    connections.settings["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def sign_in_limits_reset() -> None:
    """Start each test with allauth's sign-in rate limits at zero.

    The suite signs in far more often than a person would (allauth allows 30
    sign-ins a minute from one address); the limit itself is not under test.
    """
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def client_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bank's client keys for this test run, and their public JWKS file."""
    from mynaportal.client.keys import generate_client_keys

    folder = tmp_path_factory.mktemp("keys")
    private = folder / "bank-client.jwks.json"
    generate_client_keys(private)
    settings.MYNAPORTAL_CLIENT_KEYS_FILE = str(private)
    return private


@pytest.fixture(scope="session")
def portal(
    live_server: object, client_keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Portal]:
    """The simulator, seeded and registered with the bank's live server."""
    from mynaportal.client.keys import public_jwks

    tmp = tmp_path_factory.mktemp("portal")
    public = tmp / "bank-client.public.json"
    public.write_text(__import__("json").dumps(public_jwks()))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankdemo.settings.portal",
        "SIMULATOR_DATABASE_URL": fresh_database("portal_test", tmp),
        "MYNAPORTAL_SIM_ISSUER": url,
        "MYNAPORTAL_SIM_PROCESSING_SECONDS": "1",
        "BANKDEMO_VAR_DIR": str(tmp),
    }
    bank_url = str(live_server.url)  # type: ignore[attr-defined]
    callback = f"{bank_url}/mynaportal/callback/"
    seed = (
        *("seed_portal", "--client-jwks", str(public), "--redirect-uri", callback),
        *("--notification-url", f"{bank_url}/mynaportal/notifications/"),
    )
    running = Portal(url=url, env=env, seed=seed)
    running.manage("migrate", "--verbosity", "0")
    running.manage(*seed)

    process = serve_simulator(env, port)
    settings.MYNAPORTAL_ISSUER = url
    settings.MYNAPORTAL_REDIRECT_URI = callback
    yield running

    process.terminate()
    process.wait(timeout=10)


def serve_simulator(
    env: dict[str, str], port: int, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """The simulator under gunicorn with 2 sync workers, as `make demo` serves it;
    its output goes to ``log`` when given."""
    output = log.open("ab") if log is not None else None
    try:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "bankdemo.wsgi:application"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
                *("--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
        )
    finally:
        if output is not None:
            output.close()
    url = f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server"
    _wait_until_up(url, process)
    return process


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("The simulator exited at start-up")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("The simulator did not start within 30 s")


@dataclass
class Worker:
    """A real Celery worker process on the configured broker (Redis in CI)."""

    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self, **overrides: str) -> None:
        self.stop()
        self.log.write_bytes(b"")
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "--app", "bankdemo", "worker"),
                    *("--pool", "solo", "--loglevel", "INFO", "--hostname", "test@%h"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=ROOT,
                env={**self.env, **overrides},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return
            if self.process is not None and self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("The Celery worker did not start:\n" + self.log.read_text())

    def kill(self) -> None:
        """Kill the worker at once, as a crash or an OOM killer would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None


def _test_database_url() -> str:
    """The URL of the bank's test database, for processes outside pytest."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rsplit("/", 1)[0] + "/" + name
    return f"sqlite:///{name}"


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: None,
    portal: Portal,
    client_keys: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Worker]:
    """The bank's worker as its own process, configured as the bank is."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankdemo.settings.bank",
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "MYNAPORTAL_ISSUER": settings.MYNAPORTAL_ISSUER,
        "MYNAPORTAL_REDIRECT_URI": settings.MYNAPORTAL_REDIRECT_URI,
        "MYNAPORTAL_CLIENT_KEYS_FILE": str(client_keys),
        "DJANGO_EMAIL_BACKEND": "loans.mail.DemoMailboxBackend",
    }
    worker = Worker(env=env, log=tmp_path_factory.mktemp("worker") / "worker.log")
    worker.start()
    yield worker

    worker.stop()


@pytest.fixture
def bank(
    portal: Portal, celery_worker: Worker, live_server: object, transactional_db: None
) -> str:
    """The bank's live URL, with the simulator and a worker behind it."""
    return str(live_server.url)  # type: ignore[attr-defined]


@pytest.fixture
def customer(transactional_db: None) -> object:
    """A signed-up customer with a verified email address."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username="hanako",
        email="hanako@example.com",
        password=CUSTOMER_PASSWORD,
        last_name="山田",
        first_name="花子",
    )
    EmailAddress.objects.create(
        user=user, email=user.email, primary=True, verified=True
    )
    return user


@pytest.fixture
def other_customer(transactional_db: None) -> object:
    """A second customer, to show that one cannot see another's records."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        username="taro", email="taro@example.com", password=CUSTOMER_PASSWORD
    )


@pytest.fixture
def flow_signed_in(bank: str, portal: Portal, customer: object) -> object:
    """The HTTP flow driver, signed in as the customer."""
    from tests.httpflow import WebFlow

    web = WebFlow(bank=bank, portal=portal.url)
    web.sign_in("hanako@example.com", CUSTOMER_PASSWORD)
    return web


@pytest.fixture
def portal_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the bank's calls to the portal, in order, as they are made."""
    from mynaportal.client import portal as seam

    calls: list[str] = []
    original = seam.PortalSession._send

    def recording(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(seam.PortalSession, "_send", recording)
    return calls


def queue(portal: Portal, step: str, message: str) -> None:
    """Queue a bad message for the next use of a step (SECURITY S20)."""
    answer = requests.post(
        f"{portal.url}/api/v1/control/faults",
        json={"endpoint": step, "kind": "bad_message", "message": message},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, driven by Playwright; missing Chromium fails loudly."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail(
            "Chromium is missing: run `make browser` (apt-get install chromium)"
        )

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context in Japanese, as a customer in Japan would have."""
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="ja-JP", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()
