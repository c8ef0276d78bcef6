"""`make bench`: the drain after a planned stop, side by side with a no-op task.

N retrievals wait in the bank's database on a stopped municipal server; the
server comes back, and one Celery worker drains them: one IF001-06 result call
each, verified, sealed, stored, and the completion mail. The same worker, on
the same broker and in the same run, also runs N no-op tasks; the drain rate
over the no-op rate is the ratio (target: at least 0.20), and the simulator's
call counts give the portal calls per retrieval (target: exactly one request
and one result call).

Everything runs on fresh databases (PostgreSQL ``bench_*`` databases when
``DATABASE_URL`` is a PostgreSQL URL, else SQLite files in a temporary folder),
a Redis database the bench owns (``redis://127.0.0.1:6379/11`` by default), a
simulator under gunicorn on a free port and one worker process; all of it is
removed at the end. See BENCHMARKS.md for the procedure and the figures.

Environment: ``BENCH_RETRIEVALS`` (5000), ``BENCH_RUNS`` (3), ``BENCH_PROFILE``
(0; 1 adds a drain of ``BENCH_PROFILE_RETRIEVALS``, 1000, profiled with
py-spy), ``BENCH_OUT`` (a folder for the
figures as JSON and the raw profiles), ``BENCH_PHASE_TIMEOUT`` (seconds a phase
may take; 120 + N / 5 by default), ``REDIS_URL``, ``DATABASE_URL``.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import psycopg
import redis
import requests

T = TypeVar("T")
R = TypeVar("R")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/11"
BENCH_REDIS_DB = 11
CLIENT_ID = "SP12345678_AB1234"
PERSONA = "yamada-hanako"
GRANT_CHUNK = 1000
QUEUE = "celery"
SWEEP_SECONDS = 1.0
POLL_SECONDS = 0.2
WARM_UP_RETRIEVALS = 50
NOOP_TARGET_RATIO = 0.20
DEFAULT_POOL = "prefork:4"


class BenchError(Exception):
    """The bench cannot go on; the message says why."""


STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


# --------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------


def _env_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BenchError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise BenchError(f"{name} must be at least {minimum}, not {value}")
    return value


def _pool(value: str) -> tuple[str, int]:
    """``prefork:N`` (``prefork:4`` by default), ``solo`` or ``threads:N``.

    One worker, as in production: a prefork pool of 2 processes per core, since
    each retrieval waits on the portal for most of its time.
    """
    kind, _, count = value.partition(":")
    if kind == "solo" and not count:
        return ("solo", 1)
    if kind in {"threads", "prefork"} and count.isdigit() and int(count) >= 1:
        return (kind, int(count))
    raise BenchError(f"BENCH_POOL must be solo, threads:N or prefork:N, not {value!r}")


def _tokens(value: str) -> str:
    """``fresh``: access tokens still valid at the release (a short stop);
    ``expired``: expired, as after any stop longer than their 5 minutes."""
    if value not in {"fresh", "expired"}:
        raise BenchError(f"BENCH_TOKENS must be fresh or expired, not {value!r}")
    return value


@dataclass(frozen=True)
class Config:
    retrievals: int
    runs: int
    profile: bool
    out: Path | None
    phase_timeout: float
    redis_url: str
    database_url: str
    pool: tuple[str, int]
    tokens: str
    profile_retrievals: int = 1000

    @classmethod
    def from_env(cls) -> Config:
        redis_url = os.environ.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL
        if not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise BenchError(f"The bench needs Redis; REDIS_URL is {redis_url!r}")
        retrievals = _env_int("BENCH_RETRIEVALS", 5000, 1)
        out = os.environ.get("BENCH_OUT", "").strip()
        return cls(
            retrievals=retrievals,
            runs=_env_int("BENCH_RUNS", 3, 1),
            profile=os.environ.get("BENCH_PROFILE", "0").strip() in {"1", "true"},
            out=Path(out).resolve() if out else None,
            phase_timeout=float(
                _env_int("BENCH_PHASE_TIMEOUT", 120 + retrievals // 5, 10)
            ),
            redis_url=redis_url,
            pool=_pool(os.environ.get("BENCH_POOL", "").strip() or DEFAULT_POOL),
            tokens=_tokens(os.environ.get("BENCH_TOKENS", "").strip() or "fresh"),
            database_url=os.environ.get("DATABASE_URL", "").strip(),
            profile_retrievals=min(
                retrievals, _env_int("BENCH_PROFILE_RETRIEVALS", 1000, 1)
            ),
        )

    @property
    def pool_args(self) -> tuple[str, ...]:
        kind, concurrency = self.pool
        if kind == "solo":
            return ("--pool", "solo")
        return ("--pool", kind, "--concurrency", str(concurrency))

    @property
    def pool_name(self) -> str:
        kind, concurrency = self.pool
        return "solo pool" if kind == "solo" else f"{kind} pool x{concurrency}"

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))


# --------------------------------------------------------------------------
# Processes and machine counters
# --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """User plus system CPU time of a process so far (0 once it is gone);
    ``reaped`` adds the children it has waited for (a postmaster's backends)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def process_table() -> dict[int, tuple[str, int]]:
    """Every process: pid -> (command name, parent pid)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError, IndexError, ValueError):
            head, _, rest = (entry / "stat").read_text().rpartition(")")
            table[int(entry.name)] = (head.partition("(")[2], int(rest.split()[1]))
    return table


def children(pid: int, table: dict[int, tuple[str, int]] | None = None) -> list[int]:
    """The direct children of a process."""
    table = process_table() if table is None else table
    return [child for child, (_, parent) in table.items() if parent == pid]


def machine_busy_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


@dataclass
class CpuMeter:
    """CPU used by each part over one phase, read from /proc.

    Processes that start or end within the phase count for the part of their
    life inside it. PostgreSQL is the whole server (its postmaster, the backends
    it has reaped and the live ones): other databases' work on the machine is in.
    """

    worker: int
    portal: int
    start: dict[str, float] = field(default_factory=dict)
    seen: dict[str, set[int]] = field(default_factory=dict)

    def _group(self, name: str, pids: Iterable[int]) -> float:
        self.seen.setdefault(name, set()).update(pids)
        return sum(cpu_seconds(pid) for pid in self.seen[name])

    def _read(self) -> dict[str, float]:
        table = process_table()
        postmasters = [
            pid
            for pid, (name, parent) in table.items()
            if name == "postgres" and table.get(parent, ("", 0))[0] != "postgres"
        ]
        busy, total = machine_busy_seconds()
        return {
            "worker": self._group(
                "worker", [self.worker, *children(self.worker, table)]
            ),
            "portal": self._group(
                "portal", [self.portal, *children(self.portal, table)]
            ),
            "bench": time.process_time(),
            "postgres": sum(cpu_seconds(pid, reaped=True) for pid in postmasters)
            + self._group(
                "backends", [c for pid in postmasters for c in children(pid, table)]
            ),
            "redis": self._group(
                "redis",
                [pid for pid, (name, _) in table.items() if name == "redis-server"],
            ),
            "machine": busy,
            "machine_total": total,
        }

    def begin(self) -> None:
        self.start = self._read()

    def used(self) -> dict[str, float]:
        """Each part's CPU seconds since ``begin``, the whole machine's included."""
        now = self._read()
        used = {name: now[name] - self.start[name] for name in now}
        parts = ("worker", "portal", "bench", "postgres", "redis")
        return {
            **{name: used[name] for name in parts},
            "machine": used["machine"],
            "other": used["machine"] - sum(used[name] for name in parts),
        }


def shares(used: dict[str, float], wall: float) -> dict[str, float]:
    """Each part's CPU seconds over the wall time (1.0 = one full core)."""
    return {f"{name}_cores": seconds / wall for name, seconds in used.items()}


def stop_process(process: subprocess.Popen[bytes] | None, name: str) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        say(f"{name} did not stop in 20 s; killing it")
        process.kill()
        process.wait(timeout=10)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------


@dataclass
class NoopResult:
    tasks: int
    seconds: float
    cpu_seconds: dict[str, float]

    @property
    def rate(self) -> float:
        return self.tasks / self.seconds


@dataclass
class DrainResult:
    retrievals: int
    seconds: float
    request_phase_seconds: float
    requests: int
    results: int
    processes: int
    refreshed: int
    sweeps_sent: int
    mails: int
    cpu: dict[str, float]
    cpu_seconds: dict[str, float]

    @property
    def rate(self) -> float:
        return self.retrievals / self.seconds


@dataclass
class Figures:
    noop: list[NoopResult] = field(default_factory=list)
    drain: list[DrainResult] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    profile: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "noop": [{**asdict(r), "rate": r.rate} for r in self.noop],
            "drain": [{**asdict(r), "rate": r.rate} for r in self.drain],
            "ratios": [
                d.rate / n.rate for n, d in zip(self.noop, self.drain, strict=True)
            ],
            "calls": self.calls,
        }


# --------------------------------------------------------------------------
# The harness
# --------------------------------------------------------------------------


class Harness:
    """Databases, broker, simulator and worker for one bench session."""

    def __init__(self, config: Config, *, web: bool = False) -> None:
        self.config = config
        self.web = web
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-drain-"))
        self.portal_url = ""
        self.bank_url = f"http://127.0.0.1:{free_port()}"
        self.bare_url = f"http://127.0.0.1:{free_port()}"
        self.portal: subprocess.Popen[bytes] | None = None
        self.bank: subprocess.Popen[bytes] | None = None
        self.bare: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.created_databases: list[str] = []
        self.redis_owned = False
        self.django_ready = False
        self.bank_env: dict[str, str] = {}
        self.portal_env: dict[str, str] = {}
        self.token_seconds = 0
        self.redis = redis.Redis.from_url(config.redis_url, socket_connect_timeout=2)

    # -- set-up -------------------------------------------------------------

    def set_up(self) -> None:
        self._check_redis()
        bank_db, portal_db = self._databases()
        port = free_port()
        self.portal_url = f"http://127.0.0.1:{port}"
        base = {
            key: value
            for key, value in os.environ.items()
            if key != "DJANGO_SETTINGS_MODULE"
        }
        common = {
            **base,
            "BANKDEMO_VAR_DIR": str(self.tmp / "var"),
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        self.bank_env = {
            **common,
            "DJANGO_SETTINGS_MODULE": "bankdemo.settings.bank",
            "DATABASE_URL": bank_db,
            "REDIS_URL": self.config.redis_url,
            "MYNAPORTAL_ISSUER": self.portal_url,
            "MYNAPORTAL_CLIENT_ID": CLIENT_ID,
            "MYNAPORTAL_REDIRECT_URI": f"{self.bank_url}/mynaportal/callback/",
            "MYNAPORTAL_CLIENT_KEYS_FILE": str(self.tmp / "keys" / "client.jwks.json"),
            "DJANGO_EMAIL_BACKEND": "loans.mail.DemoMailboxBackend",
        }
        self.portal_env = {
            **common,
            "DJANGO_SETTINGS_MODULE": "bankdemo.settings.portal",
            "SIMULATOR_DATABASE_URL": portal_db,
            "MYNAPORTAL_SIM_ISSUER": self.portal_url,
            "MYNAPORTAL_SIM_PROCESSING_SECONDS": "0",
        }

        say("migrating and seeding both sites")
        public = self.tmp / "keys" / "client.public.json"
        self._manage(self.bank_env, "migrate", "--verbosity", "0")
        self._manage(self.bank_env, "seed_bank", "--public-jwks-out", str(public))
        self._manage(self.portal_env, "migrate", "--verbosity", "0")
        self._manage(
            self.portal_env,
            *("seed_portal", "--client-jwks", str(public)),
            *("--redirect-uri", self.bank_env["MYNAPORTAL_REDIRECT_URI"]),
        )

        os.environ.update(self.bank_env)
        import django

        django.setup()
        self.django_ready = True

        self._start_portal(port)
        if self.web:
            self.bank = self._start_gunicorn(
                "bank", "bankdemo.wsgi:application", self.bank_url, self.bank_env
            )
            self.bare = self._start_gunicorn(
                "bare", "bench.bare:application", self.bare_url, self.bank_env
            )
        self._start_worker()
        self._set_clock()
        self._bench_user()

    def _check_redis(self) -> None:
        url = self.config.redis_url
        try:
            self.redis.ping()
        except redis.RedisError as error:
            raise BenchError(
                f"Redis is not reachable at {url} ({type(error).__name__}); the bench "
                "needs Redis: start it, or point REDIS_URL at one"
            ) from None
        database = int(self.redis.connection_pool.connection_kwargs.get("db", 0))
        keys = int(self.redis.dbsize())
        if keys and database != BENCH_REDIS_DB:
            raise BenchError(
                f"Redis database {database} holds {keys} keys; the bench empties its "
                f"database at the start and the end, so give it an empty one or "
                f"database {BENCH_REDIS_DB} (the default, kept for the bench)"
            )
        self.redis.flushdb()
        self.redis_owned = True
        say(f"broker: {url} (emptied)")

    def _databases(self) -> tuple[str, str]:
        if not self.config.postgres:
            say(f"databases: SQLite files in {self.tmp}")
            return (
                f"sqlite:///{self.tmp / 'bank.sqlite3'}",
                f"sqlite:///{self.tmp / 'portal.sqlite3'}",
            )

        url = urlsplit(self.config.database_url)
        maintenance = url._replace(path="/postgres").geturl()
        suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
        names = (f"bench_bank_{suffix}", f"bench_portal_{suffix}")
        try:
            with psycopg.connect(maintenance, autocommit=True) as connection:
                for name in names:
                    connection.execute(f'CREATE DATABASE "{name}"')
                    self.created_databases.append(name)
        except psycopg.Error as error:
            raise BenchError(f"Cannot create the bench databases: {error}") from None
        say(f"databases: PostgreSQL {', '.join(names)}")
        bank, portal = (url._replace(path=f"/{name}").geturl() for name in names)
        return bank, portal

    def _manage(self, env: dict[str, str], *args: str) -> None:
        done = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")

    def _start_portal(self, port: int) -> None:
        log = self.tmp / "portal.log"
        with log.open("ab") as output:
            self.portal = subprocess.Popen(  # noqa: S603
                [
                    *(sys.executable, "-m", "gunicorn", "bankdemo.wsgi:application"),
                    *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
                    *("--timeout", "300", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env=self.portal_env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.portal.poll() is not None:
                raise BenchError("The simulator exited at start-up:\n" + tail(log))
            with suppress(requests.RequestException):
                answer = requests.get(
                    f"{self.portal_url}/api/v1/control/state", timeout=2
                )
                if answer.status_code == 200 and len(children(self.portal.pid)) >= 2:
                    say(f"simulator: {self.portal_url} (gunicorn, 2 workers)")
                    return
            time.sleep(0.2)
        raise BenchError("The simulator did not start in 60 s:\n" + tail(log))

    def _start_gunicorn(
        self, name: str, app: str, url: str, env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        """A site served as the simulator is: gunicorn, 2 sync workers."""
        log = self.tmp / f"{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(  # noqa: S603
                [
                    *(sys.executable, "-m", "gunicorn", app),
                    *("--bind", url.removeprefix("http://"), "--workers", "2"),
                    *("--timeout", "300", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchError(f"{name} exited at start-up:\n" + tail(log))
            with suppress(requests.RequestException):
                answer = requests.get(url + "/", timeout=2, allow_redirects=False)
                if answer.status_code < 500 and len(children(process.pid)) >= 2:
                    say(f"{name}: {url} (gunicorn, 2 workers)")
                    return process
            time.sleep(0.2)
        stop_process(process, name)
        raise BenchError(f"{name} did not start in 60 s:\n" + tail(log))

    def _start_worker(self) -> None:
        log = self.tmp / "worker.log"
        with log.open("ab") as output:
            self.worker = subprocess.Popen(  # noqa: S603
                [
                    *(sys.executable, "-m", "celery", "--app", "bankdemo", "worker"),
                    *(*self.config.pool_args, "--loglevel", "WARNING"),
                    *(
                        "--hostname",
                        f"bench-{os.getpid()}@%h",
                        "--include",
                        "bench.tasks",
                    ),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=ROOT,
                env=self.bank_env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        from bench.tasks import noop

        marker = self.tmp / "ready.done"
        noop.apply_async(args=("ready",), kwargs={"marker": str(marker)})
        self._wait(marker.exists, 60, "the worker to start")
        say(f"worker: one process, {self.config.pool_name} (pid {self.worker.pid})")

    def _set_clock(self) -> None:
        """Freeze the simulator's clock on the coming Wednesday noon (JST).

        Municipal and the servers the local-tax record needs run all day on a
        weekday, so the calendar says "operating" whenever the bench lets
        municipal go back to it; consents (90 days) stay valid in the bank's
        real time; and no token expires in the portal's eyes while the bench
        runs, so whether the bank refreshes is decided by BENCH_TOKENS alone.
        """
        from mynaportal import catalog, schedule

        today = datetime.now(schedule.JST).date()
        day = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
        noon = _at_noon(day)
        for hour in range(0, 4):
            moment = noon + timedelta(hours=hour)
            if schedule.blocking_servers([catalog.LOCAL_TAX_TM_CODE], moment):
                raise BenchError(f"The calendar stops a needed server at {moment}")
        self.control("clock", {"at": noon.isoformat(), "frozen": True})
        say(f"simulator clock: {noon.isoformat()} (frozen)")

    def _bench_user(self) -> None:
        from django.contrib.auth import get_user_model

        self.user, _ = get_user_model().objects.get_or_create(
            username="bench", defaults={"email": "bench@example.com"}
        )

    # -- helpers ------------------------------------------------------------

    def control(self, what: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(
            f"{self.portal_url}/api/v1/control/{what}", json=body, timeout=300
        )
        if answer.status_code != 200:
            raise BenchError(f"control/{what} answered {answer.status_code}")
        result: dict[str, Any] = answer.json()
        return result

    def calls(self) -> dict[str, int]:
        state = requests.get(
            f"{self.portal_url}/api/v1/control/state", timeout=60
        ).json()
        counts: dict[str, int] = state["calls"]
        return counts

    def _wait(self, done: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return
            self._check_alive()
            time.sleep(POLL_SECONDS)
        raise BenchError(f"Timed out after {timeout:.0f} s waiting for {what}")

    def _check_alive(self) -> None:
        if self.worker is not None and self.worker.poll() is not None:
            raise BenchError("The worker died:\n" + tail(self.tmp / "worker.log"))
        if self.portal is not None and self.portal.poll() is not None:
            raise BenchError("The simulator died:\n" + tail(self.tmp / "portal.log"))
        for name, process in (("bank", self.bank), ("bare", self.bare)):
            if process is not None and process.poll() is not None:
                log = tail(self.tmp / f"{name}.log")
                raise BenchError(f"The {name} site died:\n{log}")

    def wait_for_empty_queue(self) -> None:
        self._wait(
            lambda: int(self.redis.llen(QUEUE)) == 0,
            self.config.phase_timeout,
            "the queue to empty",
        )

    def cpu_meter(self) -> CpuMeter:
        assert self.worker is not None and self.portal is not None  # noqa: S101
        return CpuMeter(worker=self.worker.pid, portal=self.portal.pid)

    # -- the no-op baseline -------------------------------------------------

    def noop_run(self, count: int) -> NoopResult:
        from bench.tasks import fan_out

        self.wait_for_empty_queue()
        marker = self.tmp / f"noop-{uuid.uuid4().hex}.done"
        meter = self.cpu_meter()
        meter.begin()
        start = time.time()
        fan_out.apply_async(args=(count, str(marker)))
        self._wait(marker.exists, self.config.phase_timeout, f"{count} no-ops")
        ended = _read_marker(marker)
        return NoopResult(tasks=count, seconds=ended - start, cpu_seconds=meter.used())

    # -- the drain ----------------------------------------------------------

    def drain_run(self, count: int, profiler: Profiler | None = None) -> DrainResult:
        from django.db.models import Max

        from loans.models import DemoMail
        from mynaportal.client import tasks
        from mynaportal.client.models import Retrieval

        State = Retrieval.State
        self.wait_for_empty_queue()
        Retrieval.objects.all().delete()
        DemoMail.objects.all().delete()
        before = self.calls()

        self.control("servers", {"server": "municipal", "state": "down"})
        ids = self._waiting_rows(count)
        requested_at = time.time()
        for pk in ids:
            tasks.request_retrieval.apply_async(args=(pk,))
        self._wait_for_states(count, State.WAITING, "the requests")
        last_request = Retrieval.objects.aggregate(last=Max("updated_at"))["last"]
        request_seconds = last_request.timestamp() - requested_at
        self.wait_for_empty_queue()
        middle = self.calls()
        if middle["results"] != before["results"]:
            raise BenchError("Result calls were made while municipal was down")

        # The stop ends: municipal goes back to its calendar (operating now), and
        # every waiting row's next try arrives, as at the announced end of a stop.
        # Access tokens: a full lifetime left (fresh), or run out (expired).
        self.control("servers", {"server": "municipal", "state": "calendar"})
        if profiler is not None:
            profiler.start()
        meter = self.cpu_meter()
        meter.begin()
        released = time.time()
        now = _now()
        token_expiry = (
            now + timedelta(seconds=self.token_seconds)
            if self.config.tokens == "fresh"
            else now - timedelta(seconds=1)
        )
        Retrieval.objects.filter(state=State.WAITING).update(
            next_try_at=now - timedelta(milliseconds=1),
            access_expires_at=token_expiry,
        )
        sweeps = self._wait_for_states(
            count, State.COMPLETED, "the drain", sweep=tasks.sweep_due_retrievals
        )
        last = Retrieval.objects.aggregate(last=Max("completed_at"))["last"]
        seconds = last.timestamp() - released
        used = meter.used()
        cpu = shares(used, max(time.time() - released, 1e-6))
        if profiler is not None:
            profiler.stop()
        self.wait_for_empty_queue()
        after = self.calls()
        refreshed = Retrieval.objects.exclude(access_expires_at=token_expiry).count()
        return DrainResult(
            retrievals=count,
            seconds=seconds,
            request_phase_seconds=request_seconds,
            requests=after["requests"] - before["requests"],
            results=after["results"] - before["results"],
            processes=after["processes"] - before["processes"],
            refreshed=refreshed,
            sweeps_sent=sweeps,
            mails=DemoMail.objects.count(),
            cpu=cpu,
            cpu_seconds=used,
        )

    def _waiting_rows(self, count: int) -> list[str]:
        """Grants from the simulator and the bank's rows, as after the callback."""
        from mynaportal import catalog
        from mynaportal.client import sealing
        from mynaportal.client.models import Retrieval

        grants: list[dict[str, Any]] = []
        issued = _now()
        while len(grants) < count:
            chunk = min(GRANT_CHUNK, count - len(grants))
            answer = self.control(
                "grants", {"client_id": CLIENT_ID, "persona": PERSONA, "count": chunk}
            )
            grants.extend(answer["grants"])
        self.token_seconds = min(int(grant["expires_in"]) for grant in grants)
        rows = [
            Retrieval(
                owner=self.user,
                state=Retrieval.State.AUTHORIZED,
                tm_codes=[catalog.LOCAL_TAX_TM_CODE],
                condition={"mode": "latest"},
                return_path="/loans/apply/",
                oauth_state=secrets.token_urlsafe(32),
                nonce=secrets.token_urlsafe(16),
                code_verifier_sealed="",
                subject=str(grant["sub"]),
                access_token_sealed=sealing.seal(str(grant["access_token"])),
                refresh_token_sealed=sealing.seal(str(grant["refresh_token"])),
                access_expires_at=issued + timedelta(seconds=self.token_seconds),
                consent_expires_at=datetime.fromtimestamp(
                    int(grant["consent_expires_at"]), tz=issued.tzinfo
                ),
            )
            for grant in grants
        ]
        Retrieval.objects.bulk_create(rows, batch_size=1000)
        return [str(row.pk) for row in rows]

    def _wait_for_states(
        self,
        count: int,
        target: str,
        what: str,
        sweep: Any | None = None,
    ) -> int:
        """Wait until every row is in ``target``; send the sweep as beat would."""
        from django.db.models import Count

        from mynaportal.client.models import Retrieval

        deadline = time.monotonic() + self.config.phase_timeout
        next_sweep = time.monotonic()
        sweeps = 0
        while True:
            if sweep is not None and time.monotonic() >= next_sweep:
                sweep.apply_async()
                sweeps += 1
                next_sweep += SWEEP_SECONDS
            states = dict(
                Retrieval.objects.values_list("state").annotate(n=Count("pk"))
            )
            if states.get(target, 0) == count:
                return sweeps
            lost = {
                state: number
                for state, number in states.items()
                if state
                in {
                    Retrieval.State.FAILED,
                    Retrieval.State.EXPIRED,
                    Retrieval.State.CANCELLED,
                }
            }
            if lost:
                codes = list(
                    Retrieval.objects.exclude(error_code="")
                    .values_list("error_code", flat=True)
                    .distinct()[:5]
                )
                raise BenchError(f"Retrievals ended badly in {what}: {lost} {codes}")
            if time.monotonic() > deadline:
                raise BenchError(f"Timed out in {what}: {states}")
            self._check_alive()
            time.sleep(POLL_SECONDS)

    # -- tear-down ----------------------------------------------------------

    def tear_down(self) -> None:
        stop_process(self.worker, "the worker")
        stop_process(self.bank, "the bank")
        stop_process(self.bare, "the bare site")
        stop_process(self.portal, "the simulator")
        if self.django_ready:
            from django.db import connections

            connections.close_all()
        if self.redis_owned:
            with suppress(Exception):
                self.redis.flushdb()
                say("broker database emptied")
        if self.created_databases:
            url = urlsplit(self.config.database_url)
            maintenance = url._replace(path="/postgres").geturl()
            try:
                with psycopg.connect(maintenance, autocommit=True) as connection:
                    for name in self.created_databases:
                        connection.execute(
                            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                        )
                say(f"dropped {', '.join(self.created_databases)}")
            except psycopg.Error as error:
                say(f"could not drop {self.created_databases}: {error}")
        shutil.rmtree(self.tmp, ignore_errors=True)


def _at_noon(day: date) -> datetime:
    from mynaportal import schedule

    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=schedule.JST)


def _now() -> datetime:
    from django.utils import timezone

    return timezone.now()


def _read_marker(marker: Path) -> float:
    for _ in range(50):
        with suppress(ValueError):
            return float(marker.read_text())
        time.sleep(0.01)
    raise BenchError(f"Unreadable marker {marker}")


# --------------------------------------------------------------------------
# Profiling (optional): py-spy on the worker and on the simulator's workers
# --------------------------------------------------------------------------


@dataclass
class Profiler:
    py_spy: str
    folder: Path
    worker: int
    portal: int
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def worker_file(self) -> Path:
        return self.folder / "worker.pyspy.txt"

    @property
    def portal_file(self) -> Path:
        return self.folder / "portal.pyspy.txt"

    def start(self) -> None:
        from bench.profiling import RECORD_ARGS

        log = (self.folder / "py-spy.log").open("ab")
        self.processes = [
            subprocess.Popen(  # noqa: S603
                [
                    *(self.py_spy, *RECORD_ARGS),
                    *("--pid", str(pid), "--output", str(path)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for pid, path in (
                (self.worker, self.worker_file),
                (self.portal, self.portal_file),
            )
        ]
        time.sleep(1.5)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def in_parallel(
    items: Iterable[T], clients: int, work: Callable[[T], R]
) -> tuple[list[R], float]:
    """``work`` on each item, ``clients`` threads at a time: the results, and the
    seconds it all took. The first failure is raised once every thread has
    stopped."""
    pending = list(reversed(list(items)))
    results: list[R] = []
    failures: list[Exception] = []
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                if not pending or failures:
                    return
                item = pending.pop()
            try:
                result = work(item)
            except Exception as error:  # raised by the calling thread
                failures.append(error)
                return
            with lock:
                results.append(result)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results, time.monotonic() - started


def spread(values: Iterable[float], digits: int = 1) -> tuple[str, str]:
    numbers = list(values)
    median = statistics.median(numbers)
    return (
        f"{median:,.{digits}f}",
        f"{min(numbers):,.{digits}f} – {max(numbers):,.{digits}f}",
    )


CPU_PARTS = [
    ("worker", "worker_cores"),
    ("simulator (gunicorn workers)", "portal_cores"),
    ("PostgreSQL (whole server)", "postgres_cores"),
    ("Redis", "redis_cores"),
    ("bench process (polling, sweeps)", "bench_cores"),
    ("everything else on the machine", "other_cores"),
    ("whole machine, of 2", "machine_cores"),
]


def cpu_budget_rows(
    noop: list[NoopResult], drain: list[DrainResult]
) -> list[tuple[str, str, str, str]]:
    """What a retrieval costs the machine, beside the most it may cost at the target.

    At the target the drain runs at 0.20 of the no-op rate, so the machine's
    cores must serve each retrieval in at most cores / (0.20 × no-op rate)
    seconds of CPU, whatever each part does with them.
    """
    cores = os.cpu_count() or 1
    budget = [cores / (NOOP_TARGET_RATIO * n.rate) * 1000 for n in noop]

    def per_retrieval(part: str) -> list[float]:
        return [d.cpu_seconds[part] / d.retrievals * 1000 for d in drain]

    portal, postgres = per_retrieval("portal"), per_retrieval("postgres")
    return [
        (
            "machine CPU per no-op task (ms)",
            *spread((n.cpu_seconds["machine"] / n.tasks * 1000 for n in noop), 2),
            "",
        ),
        ("machine CPU per retrieval (ms)", *spread(per_retrieval("machine"), 2), ""),
        *(
            (f"… of which {label} (ms)", *spread(per_retrieval(part), 2), "")
            for label, part in (
                ("the worker", "worker"),
                ("the simulator", "portal"),
                ("PostgreSQL", "postgres"),
            )
        ),
        (
            "the simulator and PostgreSQL (both sites' statements) (ms)",
            *spread([a + b for a, b in zip(portal, postgres, strict=True)], 2),
            "",
        ),
        (
            f"most machine CPU a retrieval may cost at {NOOP_TARGET_RATIO:.2f}: "
            f"{cores} cores / ({NOOP_TARGET_RATIO:.2f} × no-op rate) (ms)",
            *spread(budget, 2),
            "",
        ),
    ]


def table(figures: Figures) -> str:
    noop, drain = figures.noop, figures.drain

    def shares(key: str) -> list[float]:
        return [d.cpu[key] for d in drain]

    ratios = [d.rate / n.rate for n, d in zip(noop, drain, strict=True)]
    ratio_median = statistics.median(ratios)
    per_request = [d.requests / d.retrievals for d in drain]
    per_result = [d.results / d.retrievals for d in drain]
    calls = figures.calls
    exact = all(r == 1 for r in per_request + per_result)
    most = (calls.get("most_requests"), calls.get("most_results"))
    rows = [
        ("no-op rate (tasks/s)", *spread(n.rate for n in noop), ""),
        ("drain rate (retrievals/s)", *spread(d.rate for d in drain), ""),
        (
            "ratio drain / no-op",
            *spread(ratios, 3),
            f"≥ {NOOP_TARGET_RATIO:.2f}: "
            + ("met" if ratio_median >= NOOP_TARGET_RATIO else "**missed**")
            + f" ({ratio_median / NOOP_TARGET_RATIO:.0%} of target)",
        ),
        (
            "request calls per retrieval",
            *spread(per_request, 3),
            "exactly 1: " + ("met" if set(per_request) == {1.0} else "**missed**"),
        ),
        (
            "result calls per retrieval",
            *spread(per_result, 3),
            "exactly 1: " + ("met" if set(per_result) == {1.0} else "**missed**"),
        ),
        (
            "most request / result calls on one process",
            f"{most[0]} / {most[1]}",
            "all runs",
            "1 / 1: " + ("met" if exact and most == (1, 1) else "**missed**"),
        ),
        ("drain time (s)", *spread(d.seconds for d in drain), ""),
        ("no-op time (s)", *spread(n.seconds for n in noop), ""),
        (
            "request phase, not timed as the drain (retrievals/s)",
            *spread(d.retrievals / d.request_phase_seconds for d in drain),
            "",
        ),
        (
            "access-token refreshes in the drain",
            *spread(d.refreshed for d in drain),
            "",
        ),
        ("completion mails", *spread([d.mails for d in drain], 0), "one per retrieval"),
        (
            "sweeps sent during the drain",
            *spread([d.sweeps_sent for d in drain], 0),
            "",
        ),
        *(
            (f"CPU in the drain: {label} (cores)", *spread(shares(key), 2), "")
            for label, key in CPU_PARTS
        ),
        *cpu_budget_rows(noop, drain),
    ]
    lines = [
        "| figure | median | min – max | target |",
        "|---|---:|---:|---|",
        *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows),
    ]
    return "\n".join(lines)


def machine() -> str:
    from importlib.metadata import version

    import django

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{os.cpu_count()} cores ({model}), {memory_kb / 2**20:.1f} GiB, "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"Celery {version('celery')}, kombu {version('kombu')}"
    )


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


@contextmanager
def harness(config: Config, *, web: bool = False) -> Iterator[Harness]:
    running = Harness(config, web=web)
    try:
        running.set_up()
        yield running
    finally:
        say("cleaning up")
        running.tear_down()


def bench(config: Config) -> Figures:
    with harness(config) as running:
        return measure(running, config)


def measure(running: Harness, config: Config) -> Figures:
    """The drain measurement on a harness that is up: warm-up, runs, profile."""
    figures = Figures()
    n = config.retrievals
    say(f"warm-up: {min(n, WARM_UP_RETRIEVALS)} no-ops and retrievals")
    running.noop_run(min(n, WARM_UP_RETRIEVALS))
    running.drain_run(min(n, WARM_UP_RETRIEVALS))

    for run in range(1, config.runs + 1):
        say(f"run {run}/{config.runs}: {n} no-ops")
        noop = running.noop_run(n)
        figures.noop.append(noop)
        say(f"  no-op: {noop.seconds:.2f} s, {noop.rate:,.1f} tasks/s")
        say(f"run {run}/{config.runs}: drain of {n} retrievals")
        drain = running.drain_run(n)
        figures.drain.append(drain)
        say(
            f"  request phase {drain.request_phase_seconds:.1f} s; "
            f"drain {drain.seconds:.2f} s, {drain.rate:,.1f} retrievals/s, "
            f"ratio {drain.rate / noop.rate:.3f}; calls/retrieval: "
            f"{drain.requests / n:.3f} request, {drain.results / n:.3f} result; "
            f"worker {drain.cpu['worker_cores']:.2f} cores, simulator "
            f"{drain.cpu['portal_cores']:.2f} cores"
        )
    figures.calls = running.calls()

    if config.profile:
        figures.profile = profile(running, config)
    return figures


def profile(running: Harness, config: Config) -> str:
    from bench import profiling

    py_spy = profiling.py_spy_path()
    if py_spy is None:
        say("BENCH_PROFILE=1 but py-spy is not installed (pip install py-spy)")
        return ""
    assert running.worker is not None and running.portal is not None  # noqa: S101
    folder = config.out or running.tmp
    folder.mkdir(parents=True, exist_ok=True)
    profiler = Profiler(py_spy, folder, running.worker.pid, running.portal.pid)
    count = config.profile_retrievals
    say(f"profiled drain of {count} retrievals (py-spy, not in the figures)")
    drain = running.drain_run(count, profiler)
    say(f"  profiled drain: {drain.seconds:.2f} s, {drain.rate:,.1f} retrievals/s")
    return "\n\n".join(
        [
            profiling.summary(profiler.worker_file, "Worker (samples holding the GIL)"),
            profiling.summary(
                profiler.portal_file,
                "Simulator's gunicorn workers (samples holding the GIL)",
            ),
        ]
    )


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        config = Config.from_env()
        say(
            f"{config.retrievals} retrievals, {config.runs} runs; "
            f"{'PostgreSQL' if config.postgres else 'SQLite'}, {config.redis_url}, "
            f"{config.pool_name}, {config.tokens} tokens"
        )
        started = datetime.now().astimezone()
        load = Path("/proc/loadavg").read_text().split()[:3]
        figures = bench(config)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr, flush=True)
        return 130

    report = "\n".join(
        [
            "",
            f"Machine: {machine()}",
            f"Started: {started.isoformat(timespec='seconds')}; "
            f"{config.retrievals} retrievals, {config.runs} runs, "
            f"{'PostgreSQL' if config.postgres else 'SQLite'}, Redis broker, "
            f"one worker ({config.pool_name}), {config.tokens} access tokens at the "
            f"release; load average at start "
            f"{' '.join(load)}",
            "",
            table(figures),
            "",
            f"Simulator call totals (all runs and warm-up): {figures.calls}",
        ]
    )
    print(report, flush=True)
    if figures.profile:
        print("\n" + figures.profile, flush=True)
    if config.out is not None:
        config.out.mkdir(parents=True, exist_ok=True)
        (config.out / "figures.json").write_text(
            json.dumps(figures.as_json(), indent=2)
        )
        (config.out / "report.md").write_text(report + "\n\n" + figures.profile + "\n")
        say(f"figures written to {config.out}")
    return 0


def _interrupted(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C: the harness still stops its processes and databases."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
