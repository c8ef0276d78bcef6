"""Personas exported and imported as JSON, and used at once through the flow."""

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import Portal
from tests.httpflow import callback_params
from tests.integration.test_scenarios import _par_params
from tests.integration.test_simulator_protocol import CLIENT_ID, push

NEW_RECORD = {
    "tm_code": "TM02010000000001",
    "provider": "神奈川県横浜市",
    "valid_from": "2026-06-01",
    "valid_to": None,
    "items": {"taxable_year": 2026, "salary_revenue": 7_000_000},
}
NEW_PERSONA = {
    "slug": "import-test",
    "name": "試験 太郎",
    "name_kana": "シケン タロウ",
    "birth_date": "1985-04-01",
    "municipality": "神奈川県横浜市",
    "pin": "4321",
    "records": [NEW_RECORD],
}


def personas(portal: Portal) -> dict[str, dict[str, Any]]:
    answer = requests.get(f"{portal.url}/api/v1/personas", timeout=10).json()
    return {persona["slug"]: persona for persona in answer["personas"]}


def test_the_export_holds_cards_and_records_but_no_pin(portal: Portal) -> None:
    hanako = personas(portal)["yamada-hanako"]

    assert hanako["card"] == "valid"
    assert [r["items"]["taxable_year"] for r in hanako["records"]] == [2024, 2025, 2026]
    assert "pin" not in hanako
    assert "individual_number" not in hanako
    assert personas(portal)["kato-yumi"]["card"] == "locked"
    assert personas(portal)["yoshida-naoki"]["card"] == "expired"


def test_an_imported_persona_can_consent_at_once(
    portal: Portal, client_keys: Path, bank: str
) -> None:
    answer = requests.post(
        f"{portal.url}/api/v1/personas", json={"personas": [NEW_PERSONA]}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    assert personas(portal)["import-test"]["records"][0]["items"]["salary_revenue"] == (
        7_000_000
    )

    request_uri = push(portal, client_keys, _par_params(bank)).json()["request_uri"]
    redirect = requests.get(
        f"{portal.url}/oauth/authorize",
        params={"client_id": CLIENT_ID, "request_uri": request_uri},
        headers={"X-Simulator-Persona": "import-test", "X-Simulator-Pin": "4321"},
        allow_redirects=False,
        timeout=10,
    )

    assert "code" in callback_params(redirect)


@pytest.mark.parametrize(
    "change",
    [
        {"pin": None, "slug": "brand-new"},
        {"pin": "12"},
        {"birth_date": "1985/04/01"},
        {"records": [{"tm_code": "TM99999999999999", "items": {}}]},
        {"records": [{**NEW_RECORD, "items": {"salary_revenue": "a"}}]},
        {"unexpected": 1},
    ],
)
def test_a_bad_import_is_refused_and_changes_nothing(
    portal: Portal, change: dict[str, Any]
) -> None:
    before = personas(portal)
    persona = {**NEW_PERSONA, "slug": "refused", **change}
    persona = {key: value for key, value in persona.items() if value is not None}

    answer = requests.post(
        f"{portal.url}/api/v1/personas", json={"personas": [persona]}, timeout=10
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert personas(portal).keys() == before.keys()
