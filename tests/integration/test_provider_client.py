"""The example provider client (examples/provider_client.py), run as a provider
would run it: its own process, its own keys, the simulator's URL as argument."""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import Portal

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "provider_client.py"


@pytest.fixture
def weekday_clock(portal: Portal) -> Iterator[None]:
    """A Tuesday morning, when every server holding local tax runs (not frozen)."""
    answer = requests.post(
        f"{portal.url}/api/v1/control/clock",
        json={"at": "2026-11-10T10:00:00+09:00", "frozen": False},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    yield
    requests.post(
        f"{portal.url}/api/v1/control/clock", json={"reset": True}, timeout=10
    )


def run_client(portal: Portal, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), portal.url, "--max-wait", "30", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_example_client_prints_the_latest_local_tax_record(
    portal: Portal, weekday_clock: None
) -> None:
    done = run_client(portal)

    assert done.returncode == 0, done.stderr
    assert "課税年度: 2026" in done.stdout
    assert "給与収入額: 5670000" in done.stdout


def test_the_example_client_fails_loudly_on_a_refused_identity(
    portal: Portal, weekday_clock: None
) -> None:
    done = run_client(portal, "--persona", "kato-yumi", "--pin", "2468")

    assert done.returncode == 1
    assert "identity_verification_failed:card_locked" in done.stderr
