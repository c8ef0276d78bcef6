"""Measurements 1, 2 and 5 of ``make bench``: pages, the whole flow, peak memory.

1. Pages under a bounded load (``BENCH_CONNECTIONS`` connections, at most
   ``BENCH_LOAD_SECONDS`` seconds, at most ``BENCH_LOAD_ITEMS`` requests for
   what can be used once) against a bare Django view rendering a small form,
   served the same way (gunicorn, 2 sync workers) in the same run; beside it,
   the same form after three ORM reads by primary key, to show what three
   queries cost a page. The load loop is the same plain Python for every
   target, on loopback only. The worker is paused (SIGSTOP) while pages are
   loaded, so that nothing but the site under load and its database competes
   for the two cores; the callbacks' retrievals go on once it is let go again.
2. The whole flow over HTTP, as a browser without JavaScript would drive it:
   form, PAR and authorization, consent, card and PIN, callback (token), the
   status page until the worker has made the request and result calls, and the
   filled form. Flows/s with 1 and with several clients; per flow, the server
   time (every round trip's time, added up) and the wall time; beside a bare
   loop of as many round trips to the bare form.
5. Peak memory (VmHWM) of every web worker and of the Celery worker, read after
   all the runs.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import secrets
import signal
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from bench.drain import (
    BenchError,
    Config,
    Harness,
    _env_int,
    children,
    in_parallel,
    say,
)
from tests.httpflow import WebFlow, callback_params, field_value

PAGE_TARGET = 0.50
P95_TARGET_MS = 150.0
MEMORY_TARGET_MB = 150.0
FLOW_CLIENTS = (1, 4)
POLL_SECONDS = 0.1
WARM_UP_FLOWS = 4
INCOME = "567"


@dataclass(frozen=True)
class WebConfig:
    connections: int
    seconds: float
    items: int
    callbacks: int
    flows: int

    @classmethod
    def from_env(cls) -> WebConfig:
        return cls(
            connections=_env_int("BENCH_CONNECTIONS", 16, 1),
            seconds=float(_env_int("BENCH_LOAD_SECONDS", 10, 1)),
            items=_env_int("BENCH_LOAD_ITEMS", 1000, 10),
            callbacks=_env_int("BENCH_CALLBACKS", 100, 10),
            flows=_env_int("BENCH_FLOWS", 20, 2),
        )


# --------------------------------------------------------------------------
# The load loop
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One request, ready to send."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass
class LoadResult:
    target: str
    ok: int
    errors: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def load(
    base: str,
    items: list[Item],
    config: WebConfig,
    *,
    once: bool,
    expect: set[int],
    keep: Callable[[int, bytes], None] | None = None,
) -> LoadResult:
    """Send ``items`` over ``config.connections`` connections until time is up;
    ``once``: each item is sent at most once (codes, refresh tokens)."""
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    counter = itertools.count()
    deadline = time.monotonic() + config.seconds
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures = [0]

    def run() -> None:
        mine: list[float] = []
        while time.monotonic() < deadline:
            index = next(counter)
            if once and index >= len(items):
                break
            item = items[index % len(items)]
            connection = http.client.HTTPConnection(host, port, timeout=60)
            started = time.perf_counter()
            try:
                connection.request(
                    item.method, item.path, body=item.body or None, headers=item.headers
                )
                response = connection.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                body = b""
            finally:
                connection.close()
            elapsed = time.perf_counter() - started
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status not in expect:
                    failures[0] += 1
            if status in expect:
                mine.append(elapsed)
                if keep is not None:
                    keep(index, body)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(config.connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    return LoadResult(
        target="",
        ok=len(latencies),
        errors=failures[0],
        seconds=seconds,
        latencies=latencies,
        statuses=statuses,
    )


# --------------------------------------------------------------------------
# What the pages need: customers signed in, retrievals, grants
# --------------------------------------------------------------------------


def signed_in_customers(count: int, prefix: str) -> list[str]:
    """``count`` customers and a signed-in session cookie for each.

    Sessions are made in the bank's database, as Django's test client does:
    signing in over HTTP would spend the bench on password hashing.
    """
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    User = get_user_model()
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}-{index}-{secrets.token_hex(3)}",
            email=f"{prefix}-{index}@example.com",
            password="!",  # noqa: S106 - unusable: nobody signs in with one
            last_name="山田",
            first_name="花子",
        )
        for index in range(count)
    )
    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def flow_driver(running: Harness, cookie: str) -> WebFlow:
    flow = WebFlow(bank=running.bank_url, portal=running.portal_url)
    name, _, value = cookie.partition("=")
    flow.http.cookies.set(name, value, domain="127.0.0.1", path="/")
    return flow


def waiting_retrieval(cookie: str) -> str:
    """A retrieval waiting on a stop, for its status page."""
    from django.contrib.sessions.backends.db import SessionStore

    from mynaportal import catalog
    from mynaportal.client.models import Retrieval

    session = SessionStore(session_key=cookie.partition("=")[2])
    retrieval = Retrieval.objects.create(
        owner_id=int(session["_auth_user_id"]),
        state=Retrieval.State.WAITING,
        waited=True,
        tm_codes=[catalog.LOCAL_TAX_TM_CODE],
        condition={"mode": "latest"},
        return_path="/loans/apply/",
        oauth_state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(16),
        code_verifier_sealed="",
        blocked_server="municipal",
        blocked_reason="planned",
    )
    return str(retrieval.pk)


def prepared_callbacks(running: Harness, count: int) -> list[Item]:
    """``count`` flows taken as far as the portal's redirect back to the bank."""
    cookies = signed_in_customers(count, "callback")
    items: list[Item] = []
    lock = threading.Lock()
    queue = iter(cookies)

    def prepare() -> None:
        while True:
            with lock:
                cookie = next(queue, None)
            if cookie is None:
                return
            flow = flow_driver(running, cookie)
            redirect = flow.authorize(follow=False)
            path = "/mynaportal/callback/?" + urlencode(callback_params(redirect))
            with lock:
                items.append(Item("GET", path, {"Cookie": cookie}))

    workers = [threading.Thread(target=prepare) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if len(items) != count:
        raise BenchError(f"Only {len(items)} of {count} callbacks could be prepared")
    return items


@dataclass
class PortalApi:
    """Requests for the simulator's token, request and result endpoints."""

    running: Harness
    token_path: str = ""
    request_path: str = ""
    result_path: str = ""

    def __post_init__(self) -> None:
        metadata = requests.get(
            f"{self.running.portal_url}/.well-known/oauth-authorization-server",
            timeout=30,
        ).json()
        self.token_path = urlsplit(metadata["token_endpoint"]).path
        self.request_path = urlsplit(metadata["self_information_request_endpoint"]).path
        self.result_path = urlsplit(metadata["self_information_result_endpoint"]).path

    def grants(self, count: int) -> list[dict[str, Any]]:
        from bench.drain import CLIENT_ID, GRANT_CHUNK, PERSONA

        grants: list[dict[str, Any]] = []
        while len(grants) < count:
            chunk = min(GRANT_CHUNK, count - len(grants))
            answer = self.running.control(
                "grants", {"client_id": CLIENT_ID, "persona": PERSONA, "count": chunk}
            )
            grants.extend(answer["grants"])
        return grants

    def refreshes(self, grants: list[dict[str, Any]]) -> list[Item]:
        from mynaportal.client.portal import PortalSession

        session = PortalSession()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        return [
            Item(
                "POST",
                self.token_path,
                form,
                urlencode(
                    {
                        "grant_type": "refresh_token",
                        "refresh_token": grant["refresh_token"],
                        **session._client_assertion(),
                    }
                ).encode(),
            )
            for grant in grants
        ]

    def data_requests(self, grants: list[dict[str, Any]]) -> list[Item]:
        from mynaportal import catalog

        body = json.dumps({"tm_codes": [catalog.LOCAL_TAX_TM_CODE]}).encode()
        return [
            Item(
                "POST",
                self.request_path,
                {
                    "Authorization": f"Bearer {grant['access_token']}",
                    "Idempotency-Key": str(uuid.uuid4()),
                    "Content-Type": "application/json",
                },
                body,
            )
            for grant in grants
        ]

    def results(self, pairs: list[tuple[str, str]]) -> list[Item]:
        return [
            Item(
                "POST",
                self.result_path,
                {
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                },
                json.dumps({"process_id": process_id}).encode(),
            )
            for token, process_id in pairs
        ]


@contextmanager
def worker_paused(running: Harness) -> Iterator[None]:
    """Stop the worker process (and its children) for a while; SIGCONT after."""
    assert running.worker is not None  # noqa: S101
    pids = [running.worker.pid, *children(running.worker.pid)]
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


# --------------------------------------------------------------------------
# Measurement 1: the pages against the bare view
# --------------------------------------------------------------------------

BARE_FORM = "bare view: a small form"
BARE_JSON = "bare view: JSON"
# A calibration, not a ceiling: the bare form after three ORM reads by primary key.
BARE_READS = "bare view: the small form after 3 ORM reads"
BARE_VIEWS = [BARE_FORM, BARE_JSON, BARE_READS]
PAGES = [
    ("bank: form page (GET /loans/apply/)", "bank"),
    ("bank: status page (a retrieval waiting)", "bank"),
    ("bank: callback (code for tokens at the portal)", "bank"),
    ("simulator: token (refresh grant)", "portal"),
    ("simulator: request (IF001-04)", "portal"),
    ("simulator: result (IF001-06)", "portal"),
]


@dataclass
class PageFigures:
    runs: list[dict[str, LoadResult]] = field(default_factory=list)


def measure_pages(running: Harness, config: Config, web: WebConfig) -> PageFigures:
    from mynaportal.client.models import Retrieval

    figures = PageFigures()
    api = PortalApi(running)
    cookies = signed_in_customers(web.connections, "page")
    statuses = [
        Item("GET", f"/mynaportal/retrievals/{waiting_retrieval(c)}/", {"Cookie": c})
        for c in cookies
    ]
    forms = [Item("GET", "/loans/apply/", {"Cookie": cookie}) for cookie in cookies]
    bare = [Item("GET", "/form/")]
    bare_json = [Item("GET", "/json/")]
    bare_reads = [Item("GET", "/form-after-reads/")]

    for run in range(1, config.runs + 1):
        say(f"pages, run {run}/{config.runs}: preparing single-use requests")
        callbacks = prepared_callbacks(running, web.callbacks)
        grants = api.grants(web.items)
        refreshes = api.refreshes(api.grants(web.items))
        data_requests = api.data_requests(grants)
        processes: dict[int, str] = {}
        keep = _process_keeper(processes)

        results: dict[str, LoadResult] = {}
        with worker_paused(running):
            steps: list[tuple[str, str, list[Item], bool, set[int], Any]] = [
                (BARE_FORM, running.bare_url, bare, False, {200}, None),
                (BARE_JSON, running.bare_url, bare_json, False, {200}, None),
                (BARE_READS, running.bare_url, bare_reads, False, {200}, None),
                (PAGES[0][0], running.bank_url, forms, False, {200}, None),
                (PAGES[1][0], running.bank_url, statuses, False, {200}, None),
                (PAGES[2][0], running.bank_url, callbacks, True, {302}, None),
                (PAGES[3][0], running.portal_url, refreshes, True, {200}, None),
                (PAGES[4][0], running.portal_url, data_requests, True, {200}, keep),
            ]
            for name, base, items, once, expect, kept in steps:
                results[name] = _one(name, base, items, web, once, expect, kept)
            pairs = [
                (grants[index]["access_token"], process)
                for index, process in sorted(processes.items())
            ]
            name = PAGES[5][0]
            results[name] = _one(
                name, running.portal_url, api.results(pairs), web, True, {200}, None
            )
        figures.runs.append(results)
        _settle(running, Retrieval)
    return figures


def _process_keeper(processes: dict[int, str]) -> Callable[[int, bytes], None]:
    def keep(index: int, body: bytes) -> None:
        processes[index] = json.loads(body)["process_id"]

    return keep


def _one(
    name: str,
    base: str,
    items: list[Item],
    web: WebConfig,
    once: bool,
    expect: set[int],
    keep: Callable[[int, bytes], None] | None,
) -> LoadResult:
    result = load(base, items, web, once=once, expect=expect, keep=keep)
    result.target = name
    say(
        f"  {name}: {result.rate:,.1f} req/s over {result.seconds:.1f} s "
        f"({result.ok} ok, {result.errors} errors {result.statuses}), "
        f"p50 {result.percentile(0.5):.1f} ms, p95 {result.percentile(0.95):.1f} ms"
    )
    if result.errors:
        raise BenchError(f"{name}: {result.errors} unexpected answers")
    return result


def _settle(running: Harness, retrieval: Any) -> None:
    """Let the worker finish the callbacks' retrievals before the next run."""
    active = [retrieval.State.AUTHORIZED, retrieval.State.REQUESTED]
    deadline = time.monotonic() + running.config.phase_timeout
    while retrieval.objects.filter(state__in=active).exists():
        if time.monotonic() > deadline:
            raise BenchError("The callbacks' retrievals did not finish")
        running._check_alive()
        time.sleep(0.5)


# --------------------------------------------------------------------------
# Measurement 2: the whole flow
# --------------------------------------------------------------------------


@dataclass
class FlowRun:
    clients: int
    flows: int
    seconds: float
    server_ms: list[float]
    wall_ms: list[float]
    round_trips: int
    bare_ms: list[float]

    @property
    def rate(self) -> float:
        return self.flows / self.seconds


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def one_flow(running: Harness, cookie: str) -> tuple[float, float, int]:
    """(server seconds, wall seconds, round trips) of one whole flow."""
    flow = flow_driver(running, cookie)
    spent = [0.0]
    trips = [0]
    original = flow.http.request

    def timed(*args: Any, **kwargs: Any) -> requests.Response:
        started = time.perf_counter()
        answer = original(*args, **kwargs)
        spent[0] += time.perf_counter() - started
        trips[0] += 1 + len(answer.history)
        return answer

    flow.http.request = timed  # type: ignore[method-assign]
    began = time.perf_counter()
    status = flow.authorize()
    deadline = time.monotonic() + 60
    while "/loans/apply/" not in status.url:
        if time.monotonic() > deadline:
            raise BenchError("A flow did not complete in 60 s")
        time.sleep(POLL_SECONDS)
        status = flow.http.get(status.url)
    wall = time.perf_counter() - began
    if field_value(status.text, "annual_income_man_yen") != INCOME:
        raise BenchError("A flow ended without the income filled in")
    return spent[0], wall, trips[0]


def bare_loop(running: Harness, trips: int) -> float:
    """The time of ``trips`` sequential round trips to the bare form."""
    http = requests.Session()
    started = time.perf_counter()
    for _ in range(trips):
        http.get(f"{running.bare_url}/form/", timeout=30).raise_for_status()
    return time.perf_counter() - started


def concurrent_flows(
    running: Harness, cookies: list[str], clients: int
) -> tuple[list[tuple[float, float, int]], float]:
    """One flow per customer, ``clients`` at a time; and the time it all took."""
    try:
        return in_parallel(cookies, clients, partial(one_flow, running))
    except Exception as error:
        raise BenchError(f"Flows failed: {error!r}") from error


def measure_flows(running: Harness, config: Config, web: WebConfig) -> list[FlowRun]:
    # The first flows of a process fetch the portal's metadata and keys and fill
    # its caches (the first run's first flow took 1.4 s): warm both sites up and
    # keep those flows out of the figures.
    say(f"flows: {WARM_UP_FLOWS} warm-up flows (not in the figures)")
    concurrent_flows(running, signed_in_customers(WARM_UP_FLOWS, "warm"), 2)
    runs: list[FlowRun] = []
    for run in range(1, config.runs + 1):
        for clients in FLOW_CLIENTS:
            count = web.flows if clients == 1 else web.flows * 2
            cookies = signed_in_customers(count, "flow")
            measured, seconds = concurrent_flows(running, cookies, clients)
            trips = round(statistics.median(m[2] for m in measured))
            result = FlowRun(
                clients=clients,
                flows=len(measured),
                seconds=seconds,
                server_ms=[m[0] * 1000 for m in measured],
                wall_ms=[m[1] * 1000 for m in measured],
                round_trips=trips,
                bare_ms=[bare_loop(running, trips) * 1000 for _ in range(10)],
            )
            runs.append(result)
            say(
                f"flows, run {run}/{config.runs}, {clients} client(s): "
                f"{result.rate:.2f} flows/s; server time p50 "
                f"{_percentile(result.server_ms, 0.5):.0f} ms, p95 "
                f"{_percentile(result.server_ms, 0.95):.0f} ms; wall p50 "
                f"{_percentile(result.wall_ms, 0.5):.0f} ms; {trips} round trips, "
                f"bare loop of as many {statistics.median(result.bare_ms):.0f} ms"
            )
    return runs


# --------------------------------------------------------------------------
# Measurement 5: peak memory
# --------------------------------------------------------------------------


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"No VmHWM for process {pid}")


def peak_memory(running: Harness) -> dict[str, float]:
    """The largest peak resident size of each kind of process, in MB."""
    assert running.worker and running.bank and running.portal  # noqa: S101
    worker = [running.worker.pid, *children(running.worker.pid)]
    return {
        "bank web worker (gunicorn)": max(
            peak_mb(pid) for pid in children(running.bank.pid)
        ),
        "simulator web worker (gunicorn)": max(
            peak_mb(pid) for pid in children(running.portal.pid)
        ),
        "Celery worker": max(peak_mb(pid) for pid in worker),
    }


# --------------------------------------------------------------------------
# Where the time goes in the flows (BENCH_PROFILE=1)
# --------------------------------------------------------------------------


def profile_flows(running: Harness, config: Config, web: WebConfig) -> str:
    """py-spy on both sites' gunicorn workers during an extra run of flows."""
    import subprocess

    from bench import profiling

    if not config.profile:
        return ""
    py_spy = profiling.py_spy_path()
    if py_spy is None:
        say("BENCH_PROFILE=1 but py-spy is not installed (pip install py-spy)")
        return ""
    assert running.bank is not None and running.portal is not None  # noqa: S101
    folder = config.out or running.tmp
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "bank": (running.bank.pid, folder / "bank-flows.pyspy.txt"),
        "portal": (running.portal.pid, folder / "portal-flows.pyspy.txt"),
    }
    with (folder / "py-spy.log").open("ab") as log:
        recorders = [
            subprocess.Popen(  # noqa: S603
                [
                    *(py_spy, *profiling.RECORD_ARGS),
                    *("--pid", str(pid), "--output", str(path)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for pid, path in files.values()
        ]
    time.sleep(1.5)
    clients = FLOW_CLIENTS[-1]
    say(f"profiled flows: {web.flows * 2}, {clients} clients (not in the figures)")
    concurrent_flows(running, signed_in_customers(web.flows * 2, "profiled"), clients)
    for recorder in recorders:
        recorder.send_signal(signal.SIGINT)
    for recorder in recorders:
        try:
            recorder.wait(timeout=60)
        except subprocess.TimeoutExpired:
            recorder.kill()
    return "\n\n".join(
        [
            profiling.summary(
                files["bank"][1],
                "Flows: the bank's gunicorn workers (samples holding the GIL)",
            ),
            profiling.summary(
                files["portal"][1],
                "Flows: the simulator's gunicorn workers (samples holding the GIL)",
            ),
        ]
    )
