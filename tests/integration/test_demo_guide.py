"""The demo guide: personas from the simulator, one-click scenarios."""

from collections.abc import Iterator

import pytest
import requests

from tests.conftest import Portal
from tests.httpflow import WebFlow, csrf_of


@pytest.fixture(autouse=True)
def clock_restored(portal: Portal) -> Iterator[None]:
    yield
    requests.post(
        f"{portal.url}/api/v1/control/clock", json={"reset": True}, timeout=10
    )


def test_the_guide_lists_the_scenarios_and_the_personas(
    flow_signed_in: WebFlow,
) -> None:
    page = flow_signed_in.http.get(f"{flow_signed_in.bank}/demo/").text

    for slug in ["normal", "planned-stop", "cancel", "locked-card", "not-connected"]:
        assert f'data-testid="scenario-{slug}"' in page
    assert "加藤 由美" in page
    assert "注目するところ" in page


def test_the_planned_stop_scenario_sets_the_simulator_clock(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    guide = flow_signed_in.http.get(f"{flow_signed_in.bank}/demo/")

    answer = flow_signed_in.http.post(
        f"{flow_signed_in.bank}/demo/planned-stop/",
        data={"csrfmiddlewaretoken": csrf_of(guide.text)},
        headers={"Referer": f"{flow_signed_in.bank}/demo/"},
    )

    state = requests.get(f"{portal.url}/api/v1/control/state", timeout=10).json()
    assert state["now"] == "2026-12-19T23:00:00+09:00"
    assert state["frozen"] is True
    assert answer.url == f"{flow_signed_in.bank}/loans/apply/"
    assert "第3土曜日の計画停止" in answer.text
