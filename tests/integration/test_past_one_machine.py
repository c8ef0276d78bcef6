"""Past one machine: separate web and worker processes share only PostgreSQL and Redis.

Two bank web processes (gunicorn, 2 sync workers), two Celery worker processes
and one beat, against one PostgreSQL server and one Redis, with the simulator
beside them. Applicants go through the whole HTTP flow concurrently; half-way,
the municipal server stops, and comes back once every applicant is past the
callback. Every retrieval must then complete exactly once: no error, none
lost, none done twice, and one mail for each applicant who had to wait.

The processes get databases and a Redis database of their own (the one after
``REDIS_URL``'s, or ``SCALE_REDIS_URL``), so that no other worker takes their
messages.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
import requests

from tests.httpflow import WebFlow, field_value

pytestmark = pytest.mark.scale

ROOT = Path(__file__).resolve().parents[2]
APPLICANTS = 200
CONCURRENT = 25
STOP_AFTER = APPLICANTS // 2
JST = "+09:00"
REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)">')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.fail(
            "This test needs PostgreSQL shared by several processes: set "
            "DATABASE_URL to a postgres:// URL (as `.ci/run` does)"
        )
    return url


def _own_redis_url() -> str:
    """``SCALE_REDIS_URL``, or the Redis database after REDIS_URL's; emptied."""
    own = os.environ.get("SCALE_REDIS_URL", "")
    if own:
        return own
    url = urlsplit(os.environ.get("REDIS_URL", "") or "redis://127.0.0.1:6379/0")
    if url.scheme not in {"redis", "rediss"}:
        pytest.fail("This test needs Redis: set REDIS_URL to a redis:// URL")
    database = int(url.path.strip("/") or 0)
    return url._replace(path=f"/{(database + 1) % 16}").geturl()


@dataclass
class Site:
    """Everything started for the test, and how to reach it."""

    tmp: Path
    bank_db: str
    portal_db: str
    redis_url: str
    bank_url: str = ""
    portal_url: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def log(self, name: str) -> str:
        path = self.tmp / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start(self, name: str, env: dict[str, str], *args: str) -> None:
        with (self.tmp / f"{name}.log").open("ab") as output:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} died:\n{self.log(name)}"

    def control(self, what: str, body: dict[str, Any]) -> None:
        answer = requests.post(
            f"{self.portal_url}/api/v1/control/{what}", json=body, timeout=60
        )
        assert answer.status_code == 200, answer.text

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.bank_db, autocommit=True) as connection:
            return connection.execute(query, params).fetchall()


def _manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _wait_for(url: str, site: Site, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        site.alive()
        try:
            if requests.get(url, timeout=2, allow_redirects=False).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {timeout:.0f} s")


def _next_wednesday_noon() -> str:
    """A weekday noon, when every server holding local tax runs."""
    today = datetime.now().date()
    day = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    return f"{day.isoformat()}T12:00:00{JST}"


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    from django.conf import settings

    server = _server_url()
    suffix = secrets.token_hex(3)
    names = (f"scale_bank_{suffix}", f"scale_portal_{suffix}")
    base = server.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    broker = redis.Redis.from_url(_own_redis_url())
    broker.flushdb()
    running = Site(
        tmp=tmp_path,
        bank_db=f"{base}/{names[0]}",
        portal_db=f"{base}/{names[1]}",
        redis_url=_own_redis_url(),
        bank_url=f"http://127.0.0.1:{free_port()}",
        portal_url=f"http://127.0.0.1:{free_port()}",
    )
    try:
        _start_everything(running, settings.SECRET_KEY)
        yield running
    finally:
        for process in running.processes.values():
            process.terminate()
        for process in running.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        broker.flushdb()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start_everything(site: Site, secret_key: str) -> None:
    common = {
        key: value for key, value in os.environ.items() if not key.startswith("DJANGO")
    }
    common.update(
        BANKDEMO_VAR_DIR=str(site.tmp / "var"),
        DJANGO_SECRET_KEY=secret_key,
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    bank = {
        **common,
        "DJANGO_SETTINGS_MODULE": "bankdemo.settings.bank",
        "DATABASE_URL": site.bank_db,
        "REDIS_URL": site.redis_url,
        # As in production: one cache for both web processes (their rate limits).
        "DJANGO_CACHE_URL": site.redis_url,
        "MYNAPORTAL_ISSUER": site.portal_url,
        "MYNAPORTAL_REDIRECT_URI": f"{site.bank_url}/mynaportal/callback/",
        "MYNAPORTAL_CLIENT_KEYS_FILE": str(site.tmp / "keys" / "client.jwks.json"),
        "MYNAPORTAL_SWEEP_SECONDS": "1",
        "DJANGO_EMAIL_BACKEND": "loans.mail.DemoMailboxBackend",
    }
    portal = {
        **common,
        "DJANGO_SETTINGS_MODULE": "bankdemo.settings.portal",
        "SIMULATOR_DATABASE_URL": site.portal_db,
        "MYNAPORTAL_SIM_ISSUER": site.portal_url,
        "MYNAPORTAL_SIM_PROCESSING_SECONDS": "1",
    }
    public = site.tmp / "keys" / "client.public.json"
    _manage(bank, "migrate", "--verbosity", "0")
    _manage(bank, "seed_bank", "--public-jwks-out", str(public))
    _manage(portal, "migrate", "--verbosity", "0")
    _manage(
        portal,
        *("seed_portal", "--client-jwks", str(public)),
        *("--redirect-uri", bank["MYNAPORTAL_REDIRECT_URI"]),
        *("--notification-url", f"{site.bank_url}/mynaportal/notifications/"),
    )

    def gunicorn(url: str) -> tuple[str, ...]:
        bind = url.removeprefix("http://")
        return ("gunicorn", "bankdemo.wsgi:application", "--bind", bind, "--workers")

    site.start("portal", portal, *gunicorn(site.portal_url), "2")
    site.start("bank", bank, *gunicorn(site.bank_url), "2")
    for number in (1, 2):
        site.start(
            f"worker{number}",
            bank,
            *("celery", "--app", "bankdemo", "worker", "--pool", "solo"),
            *("--hostname", f"scale{number}-{os.getpid()}@%h", "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        )
    site.start(
        "beat",
        bank,
        *("celery", "--app", "bankdemo", "beat", "--loglevel", "WARNING"),
        *("--schedule", str(site.tmp / "celerybeat-schedule")),
    )
    _wait_for(f"{site.portal_url}/api/v1/control/state", site)
    _wait_for(f"{site.bank_url}/", site)
    deadline = time.monotonic() + 90
    logs = [site.tmp / f"worker{number}.log" for number in (1, 2)]
    while not all(b" ready." in log.read_bytes() for log in logs):
        site.alive()
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.3)
    site.control("clock", {"at": _next_wednesday_noon(), "frozen": False})


def signed_in(site: Site, count: int, secret_key: str) -> list[tuple[str, str]]:
    """``count`` customers, each with a signed-in session: (email, cookie).

    Written straight into the bank's database, as Django's test client signs
    in: signing in over HTTP would spend the test on password hashing.
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    customers = []
    unusable = "!" + secrets.token_hex(8)
    auth_hash = get_user_model()(password=unusable).get_session_auth_hash()
    with psycopg.connect(site.bank_db, autocommit=True) as connection:
        for number in range(count):
            email = f"applicant{number}@example.com"
            row = connection.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name,"
                " last_name, email, is_staff, is_active, date_joined)"
                " VALUES (%s, false, %s, '花子', '山田', %s, false, true, now())"
                " RETURNING id",
                (unusable, f"applicant{number}", email),
            ).fetchone()
            assert row is not None
            data = SessionStore().encode(
                {
                    "_auth_user_id": str(row[0]),
                    "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                    "_auth_user_hash": auth_hash,
                }
            )
            key = secrets.token_hex(16)
            connection.execute(
                "INSERT INTO django_session (session_key, session_data, expire_date)"
                " VALUES (%s, %s, now() + interval '1 day')",
                (key, data),
            )
            customers.append((email, f"{settings.SESSION_COOKIE_NAME}={key}"))
    return customers


@dataclass
class Progress:
    past_callback: int = 0
    filled: int = 0
    errors: list[str] = field(default_factory=list)
    waiting: list[tuple[WebFlow, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failed(self, error: Exception) -> None:
        with self.lock:
            self.errors.append(f"{type(error).__name__}: {error}")


def follow_status(flow: WebFlow, page: requests.Response) -> requests.Response | None:
    """Reload the status page as a browser does; the filled form, or None when
    the retrieval waits on a stop (the customer leaves, and comes back by mail)."""
    deadline = time.monotonic() + 150
    while "/loans/apply/" not in page.url:
        assert page.status_code == 200, page.status_code
        if 'data-state="waiting"' in page.text:
            return None
        assert time.monotonic() < deadline, "the form was never filled"
        refresh = REFRESH.search(page.text)
        time.sleep(int(refresh.group(1)) if refresh else 2)
        page = flow.http.get(page.url, timeout=30)
    assert field_value(page.text, "annual_income_man_yen") == "567"
    return page


def applicant(site: Site, cookie: str, progress: Progress) -> None:
    """One customer's whole flow: the form filled, or the retrieval waiting."""
    flow = WebFlow(bank=site.bank_url, portal=site.portal_url)
    name, _, value = cookie.partition("=")
    flow.http.cookies.set(name, value, domain="127.0.0.1", path="/")
    try:
        page = flow.authorize()
        with progress.lock:
            progress.past_callback += 1
        filled = follow_status(flow, page)
    except Exception as error:  # counted and reported by the test
        progress.failed(error)
        return
    with progress.lock:
        if filled is None:
            progress.waiting.append((flow, page.url))
        else:
            progress.filled += 1


def come_back(flow: WebFlow, status_url: str, progress: Progress) -> None:
    """A customer who left during the stop opens the status page again."""
    try:
        page = flow.http.get(status_url, timeout=30)
        deadline = time.monotonic() + 150
        while follow_status(flow, page) is None:
            assert time.monotonic() < deadline, "still waiting after the stop"
            time.sleep(2)
            page = flow.http.get(status_url, timeout=30)
    except Exception as error:  # counted and reported by the test
        progress.failed(error)
        return
    with progress.lock:
        progress.filled += 1


def in_parallel(jobs: list[Any]) -> list[threading.Thread]:
    """Run the jobs, ``CONCURRENT`` at a time; the threads, to join."""
    pending = iter(jobs)
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                job = next(pending, None)
            if job is None:
                return
            job()

    threads = [threading.Thread(target=client) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    return threads


def wait_until(
    site: Site, progress: Progress, done: Any, what: str, timeout: float = 150
) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        site.alive()
        states = site.sql(
            "SELECT state, count(*) FROM mynaportal_client_retrieval GROUP BY state"
        )
        assert time.monotonic() < deadline, (
            f"timed out waiting for {what}: {progress.past_callback} past the "
            f"callback, {progress.filled} filled, errors {progress.errors[:3]}, "
            f"retrievals {dict(states)}"
        )
        time.sleep(0.5)


def test_two_web_and_two_worker_processes_complete_every_retrieval_once(
    site: Site,
) -> None:
    from django.conf import settings

    customers = signed_in(site, APPLICANTS, settings.SECRET_KEY)
    progress = Progress()
    threads = in_parallel(
        [partial(applicant, site, cookie, progress) for _, cookie in customers]
    )

    # The stop: municipal goes down half-way through the applicants.
    wait_until(site, progress, lambda: progress.past_callback >= STOP_AFTER, "half-way")
    site.control("servers", {"server": "municipal", "state": "down"})
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "applicants still busy"
    in_flight = (
        "SELECT count(*) FROM mynaportal_client_retrieval"
        " WHERE state IN ('authorized', 'requested')"
    )
    wait_until(
        site, progress, lambda: site.sql(in_flight)[0][0] == 0, "the stop to hold all"
    )
    waiting = site.sql(
        "SELECT count(*) FROM mynaportal_client_retrieval WHERE state = 'waiting'"
    )[0][0]

    # The stop ends: municipal back on its calendar, and the bank's next tries
    # come (the sweep, every second, sends them to whichever worker is free);
    # the customers who left come back.
    site.control("servers", {"server": "municipal", "state": "calendar"})
    site.sql(
        "UPDATE mynaportal_client_retrieval SET next_try_at = now()"
        " WHERE state = 'waiting' RETURNING id"
    )
    threads = in_parallel(
        [partial(come_back, flow, url, progress) for flow, url in progress.waiting]
    )
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "customers still busy"

    assert progress.errors == []
    assert progress.filled == APPLICANTS
    states = dict(
        site.sql(
            "SELECT state, count(*) FROM mynaportal_client_retrieval GROUP BY state"
        )
    )
    assert states == {"completed": APPLICANTS}
    assert waiting > 0, "the stop caught no retrieval"
    completions = site.sql(
        "SELECT retrieval_id, count(*) FROM mynaportal_client_retrievalevent"
        " WHERE step = 'result' AND summary->>'status' = 'completed'"
        " GROUP BY retrieval_id"
    )
    assert len(completions) == APPLICANTS
    assert {count for _, count in completions} == {1}
    portal_calls = requests.get(
        f"{site.portal_url}/api/v1/control/state", timeout=30
    ).json()["calls"]
    assert portal_calls["processes"] == APPLICANTS
    assert portal_calls["most_requests"] == 1
    waited = {
        email
        for (email,) in site.sql(
            "SELECT u.email FROM mynaportal_client_retrieval r"
            " JOIN auth_user u ON u.id = r.owner_id WHERE r.waited"
        )
    }
    mails = site.sql(
        "SELECT recipient, count(*) FROM loans_demomail GROUP BY recipient"
    )
    assert len(waited) >= waiting
    assert dict(mails) == {email: 1 for email in waited}
