"""`make bench`: every measurement of BENCHMARKS.md in one run, and the file itself.

One harness (fresh ``bench_*`` PostgreSQL databases, the bench's own Redis
database, the bank, the simulator and the bare site under gunicorn, one Celery
worker) serves, in order: the pages against the bare view (1), the whole flow
and MockPass's Myinfo flow beside it (2), the drain against the no-op task (3),
then the peak memory of the processes (5). Queries per page (4) are asserted by
the test suite.

BENCHMARKS.md is written anew from the figures; the part between the
``notes`` markers is written by hand and kept from one run to the next.
Environment: as ``bench/drain.py`` and ``bench/web.py`` say, ``BENCH_REPORT``
(the file to write; BENCHMARKS.md at the top of the repository by default) and
``BENCH_MOCKPASS`` (1; 0 leaves MockPass, ``bench/mockpass.py``, out of table 2).
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import drain, mockpass, web  # noqa: E402

NOTES_START = "<!-- notes: written by hand, kept by make bench -->"
NOTES_END = "<!-- end of notes -->"


@dataclass
class Everything:
    pages: web.PageFigures
    flows: list[web.FlowRun]
    peer: mockpass.PeerFigures
    drain: drain.Figures
    memory: dict[str, float]
    pages_profile: str


def measure(config: drain.Config, settings: web.WebConfig) -> Everything:
    with drain.harness(config, web=True) as running:
        pages = web.measure_pages(running, config, settings)
        flows = web.measure_flows(running, config, settings)
        peer = _peer(running, config)
        pages_profile = web.profile_flows(running, config, settings)
        figures = drain.measure(running, config)
        memory = web.peak_memory(running)
        for name, mb in memory.items():
            drain.say(f"peak memory, {name}: {mb:.0f} MB")
    return Everything(pages, flows, peer, figures, memory, pages_profile)


def _peer(running: drain.Harness, config: drain.Config) -> mockpass.PeerFigures:
    """MockPass's Myinfo flows, on the same machine in the same run, unless
    ``BENCH_MOCKPASS=0``."""
    if os.environ.get("BENCH_MOCKPASS", "1").strip() in {"0", "false"}:
        return mockpass.PeerFigures(missing="not measured (BENCH_MOCKPASS=0)")
    return mockpass.measure(
        ROOT / "var" / "bench-mockpass",
        running.tmp / "mockpass.log",
        config.runs,
        web.FLOW_CLIENTS,
    )


def met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def pages_table(figures: web.PageFigures) -> str:
    def rates(name: str) -> list[float]:
        return [run[name].rate for run in figures.runs]

    def ratios(name: str) -> list[float]:
        return [run[name].rate / run[web.BARE_FORM].rate for run in figures.runs]

    def p95(name: str) -> list[float]:
        return [run[name].percentile(0.95) for run in figures.runs]

    rows = [
        "| target | req/s median | min – max | p95 ms (median) | ratio to bare "
        "form | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    names = [*web.BARE_VIEWS, *(name for name, _ in web.PAGES)]
    for name in names:
        median, spread = drain.spread(rates(name))
        ratio = statistics.median(ratios(name))
        target = (
            ""
            if name.startswith("bare")
            else f"≥ {web.PAGE_TARGET:.2f}: {met(ratio >= web.PAGE_TARGET)}"
        )
        rows.append(
            f"| {name} | {median} | {spread} | {statistics.median(p95(name)):.1f} "
            f"| {ratio:.2f} | {target} |"
        )
    return "\n".join(rows)


def flows_table(runs: list[web.FlowRun], peer: mockpass.PeerFigures) -> str:
    rows = [
        "| clients | flows/s median | min – max | server time p50 / p95 ms "
        "| wall time p50 / p95 ms | round trips | bare loop of as many, ms "
        "| p95 target | MockPass flows/s median | min – max | flows/s target |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for clients in web.FLOW_CLIENTS:
        mine = [run for run in runs if run.clients == clients]
        server = [ms for run in mine for ms in run.server_ms]
        wall = [ms for run in mine for ms in run.wall_ms]
        bare = [ms for run in mine for ms in run.bare_ms]
        p95 = web._percentile(server, 0.95)
        rates = [run.rate for run in mine]
        median, spread = drain.spread(rates, 2)
        rows.append(
            f"| {clients} | {median} | {spread} | "
            f"{web._percentile(server, 0.5):.0f} / {p95:.0f} | "
            f"{web._percentile(wall, 0.5):.0f} / {web._percentile(wall, 0.95):.0f} | "
            f"{mine[0].round_trips} | {statistics.median(bare):.0f} | "
            f"≤ {web.P95_TARGET_MS:.0f}: {met(p95 <= web.P95_TARGET_MS)} | "
            f"{_peer_cells(peer, clients, statistics.median(rates))} |"
        )
    return "\n".join(rows)


def _peer_cells(peer: mockpass.PeerFigures, clients: int, rate: float) -> str:
    rates = peer.rates(clients)
    if not rates:
        return "– | – | –"
    median, spread = drain.spread(rates, 1)
    return f"{median} | {spread} | ≥ MockPass: {met(rate >= statistics.median(rates))}"


def peer_text(peer: mockpass.PeerFigures) -> str:
    if peer.missing:
        return f"MockPass is not in this report: {peer.missing}."
    return (
        f"Beside it, Singapore's MockPass {mockpass.VERSION} (Node.js, from the "
        "npm registry), served on the same machine in the same run with the "
        "settings of Myinfo's test environment (a client secret, the person "
        "answer signed and encrypted): its Myinfo v3 flow of "
        f"{mockpass.REQUESTS_PER_FLOW} requests (authorise, Singpass login, "
        "consent, token, person), the answer opened and its signature checked "
        f"(`bench/mockpass.py`); {mockpass.WARM_UP_FLOWS} warm-up flows, then "
        f"{mockpass.FLOWS_PER_CLIENT} flows per client per run."
    )


def memory_table(memory: dict[str, float]) -> str:
    rows = ["| process | peak resident (VmHWM) | target |", "|---|---:|---|"]
    for name, mb in memory.items():
        target = f"≤ {web.MEMORY_TARGET_MB:.0f} MB: {met(mb <= web.MEMORY_TARGET_MB)}"
        rows.append(f"| {name} | {mb:.0f} MB | {target} |")
    return "\n".join(rows)


def kept_notes(path: Path) -> str:
    if not path.exists():
        return "(none yet)"
    text = path.read_text()
    if NOTES_START not in text or NOTES_END not in text:
        return "(none yet)"
    return text.split(NOTES_START, 1)[1].split(NOTES_END, 1)[0].strip()


def report(
    everything: Everything,
    config: drain.Config,
    settings: web.WebConfig,
    started: datetime,
    load: list[str],
    notes: str,
) -> str:
    command = "make bench" + (
        f" (BENCH_RETRIEVALS={config.retrievals})" if config.retrievals != 5000 else ""
    )
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (`bench/run.py`); only the notes are written by "
            "hand. Absolute figures move from run to run on shared machines, so every "
            "target is a ratio to a ceiling measured in the same run, or a bound.",
            "",
            f"- Machine: {drain.machine()}",
            f"- Date: {started.isoformat(timespec='seconds')}; load average at the "
            f"start {' '.join(load)}",
            f"- Command: `{command}`; {config.runs} runs of each measurement; "
            "PostgreSQL, Redis, the bank, the simulator and the bare site under "
            "gunicorn (2 sync workers each), one Celery worker "
            f"({config.pool_name})",
            "",
            "## Notes",
            "",
            NOTES_START,
            "",
            notes,
            "",
            NOTES_END,
            "",
            "## 1. Pages under a bounded load, against a bare view",
            "",
            f"{settings.connections} connections, at most "
            f"{settings.seconds:.0f} s per target and run; single-use requests "
            f"(callbacks: {settings.callbacks}, token/request/result: "
            f"{settings.items}) are each sent once, so those targets may end "
            "sooner. Every answer was the expected one (200, or 302 for the "
            "callback). The worker is paused meanwhile. The bare form after 3 ORM "
            "reads (of a user by primary key, from the bank's database) is not a "
            "ceiling: it shows what three queries alone cost a page, as the "
            "bank's form page makes three.",
            "",
            pages_table(everything.pages),
            "",
            "## 2. The whole HTTP flow, without a browser",
            "",
            "Form → PAR and authorization → consent → card and PIN → callback "
            "(token) → status page until the worker's request and result calls "
            "are done → the form, filled. Server time is the time of every round "
            "trip of the flow added up (the status page polled every "
            f"{web.POLL_SECONDS * 1000:.0f} ms); wall time also holds the "
            "worker's queue and the waits between polls. The simulator answers "
            "at once here (`MYNAPORTAL_SIM_PROCESSING_SECONDS=0`), so its request "
            "answer says `retry_after: 0` and the worker asks for the result "
            f"straight away. {web.WARM_UP_FLOWS} warm-up flows first, not counted; "
            f"then {settings.flows} flows with one client, {settings.flows * 2} "
            "with more, per run. " + peer_text(everything.peer),
            "",
            flows_table(everything.flows, everything.peer),
            "",
            "## 3. The drain after a planned stop",
            "",
            f"{config.retrievals:,} retrievals waiting on a stopped municipal "
            "server, released when it comes back, drained by one worker; "
            f"{config.retrievals:,} no-op tasks on the same broker, by the same "
            "worker, in the same run.",
            "",
            drain.table(everything.drain),
            "",
            f"Simulator call totals (all runs and warm-up): {everything.drain.calls}",
            "",
            "## 4. Queries per page",
            "",
            "Asserted by the test suite, not timed: `tests/unit/"
            "test_queries_per_page.py` (≤ 10 on each bank page and each page of "
            "the bank's admin, with 1 and with 1,000 applications and retrievals) "
            "and `tests/integration/test_simulator_page_queries.py` (each page of "
            "the simulator, with 1 and with 1,000 flows).",
            "",
            "## 5. Peak memory after the runs",
            "",
            memory_table(everything.memory),
            "",
            "## Where the time goes",
            "",
            "py-spy, recording the processes during an extra run that is not in "
            "the figures above.",
            "",
            everything.pages_profile or "(flows not profiled: BENCH_PROFILE=0)",
            "",
            everything.drain.profile or "(drain not profiled: BENCH_PROFILE=0)",
            "",
        ]
    )


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        config = drain.Config.from_env()
        settings = web.WebConfig.from_env()
        started = datetime.now().astimezone()
        load = Path("/proc/loadavg").read_text().split()[:3]
        drain.say(
            f"{config.retrievals} retrievals, {config.runs} runs; "
            f"{'PostgreSQL' if config.postgres else 'SQLite'}, {config.redis_url}"
        )
        everything = measure(config, settings)
    except drain.BenchError as error:
        print(f"bench: {error}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr, flush=True)
        return 130

    target = Path(os.environ.get("BENCH_REPORT", "").strip() or ROOT / "BENCHMARKS.md")
    text = report(everything, config, settings, started, load, kept_notes(target))
    target.write_text(text)
    drain.say(f"written: {target.name}")
    return 0


def _interrupted(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C: the harness still stops its processes and databases."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
