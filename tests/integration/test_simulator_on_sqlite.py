"""The simulator as `make simulator` serves it with no database configured: one
SQLite file behind two gunicorn workers, and several providers testing at once.

A transaction that reads and then writes (the token endpoint redeeming a code,
say) used to fail at once with "database is locked" when the other worker held
the write lock, and the provider got a 500. Each provider here is the example
client (examples/provider_client.py) in its own process, so the runs overlap
the way parallel CI jobs do.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import Portal, free_port, serve_simulator

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "provider_client.py"
PROVIDERS = 12


@pytest.fixture(scope="module")
def sqlite_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A simulator of its own on a SQLite file, seeded as `make simulator` does."""
    tmp = tmp_path_factory.mktemp("sqlite-portal")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankdemo.settings.portal",
        "SIMULATOR_DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite3'}",
        "MYNAPORTAL_SIM_ISSUER": url,
        "MYNAPORTAL_SIM_PROCESSING_SECONDS": "1",
        "BANKDEMO_VAR_DIR": str(tmp),
    }
    running = Portal(url=url, env=env)
    running.manage("migrate", "--verbosity", "0")
    running.manage("seed_portal")
    process = serve_simulator(env, port, log=tmp / "simulator.log")

    # A Tuesday morning, when every server holding local tax runs.
    answer = requests.post(
        f"{url}/api/v1/control/clock",
        json={"at": "2026-11-10T10:00:00+09:00", "frozen": False},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    yield running

    process.terminate()
    process.wait(timeout=10)


def test_providers_testing_at_once_each_get_their_record(
    sqlite_portal: Portal,
) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), sqlite_portal.url, "--max-wait", "60"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROVIDERS)
    ]
    outcomes = [(*run.communicate(timeout=240), run.returncode) for run in runs]

    failures = [errors for _, errors, code in outcomes if code != 0]
    assert failures == []
    assert all("給与収入額: 5670000" in printed for printed, _, _ in outcomes)
    log = Path(sqlite_portal.env["BANKDEMO_VAR_DIR"], "simulator.log").read_text()
    assert "database is locked" not in log
    assert "Internal Server Error" not in log
