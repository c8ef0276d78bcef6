"""Key rotation on both sides, with an overlap window (SECURITY S16; FAPI 2.0).

The portal's signing key and the bank's client keys (its signing key for
``private_key_jwt`` and the encryption key results are sealed to) are rotated
while a retrieval is still processing; it completes all the same.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mynaportal.client.keys import public_jwks, retire_old_keys, rotate_client_keys
from mynaportal.client.models import Retrieval
from tests.conftest import Portal
from tests.httpflow import WebFlow, field_value
from tests.security.test_relying_party import wait_for_state

CLIENT_ID = "SP12345678_AB1234"


def control(portal: Portal, what: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(f"{portal.url}/api/v1/control/{what}", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def register(portal: Portal, **fields: Any) -> None:
    answer = requests.post(
        f"{portal.url}/api/v1/clients/{CLIENT_ID}", json=fields, timeout=10
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture
def keys_published_by_the_bank(
    portal: Portal, bank: str, client_keys: Path
) -> Iterator[Path]:
    """The bank's keys registered by ``jwks_uri``; restored afterwards."""
    original = client_keys.read_text()
    register(portal, jwks_uri=f"{bank}/mynaportal/jwks.json")
    yield client_keys

    client_keys.write_text(original)
    register(portal, jwks_uri="", jwks=public_jwks())
    control(portal, "faults", {"clear": True})


def portal_kids(portal: Portal) -> set[str]:
    keys = requests.get(f"{portal.url}/jwks.json", timeout=10).json()["keys"]
    return {str(key["kid"]) for key in keys}


def test_the_bank_publishes_its_public_keys_only(bank: str, client_keys: Path) -> None:
    published = requests.get(f"{bank}/mynaportal/jwks.json", timeout=10).json()

    assert [key["use"] for key in published["keys"]] == ["sig", "enc"]
    for key in published["keys"]:
        assert "d" not in key


def test_rotating_every_key_during_a_pending_retrieval_breaks_nothing(
    flow_signed_in: WebFlow, portal: Portal, keys_published_by_the_bank: Path
) -> None:
    portal_before = portal_kids(portal)
    control(
        portal,
        "faults",
        {"endpoint": "request", "kind": "bad_message", "message": "long_processing"},
    )
    status = flow_signed_in.authorize()
    wait_for_state(Retrieval.State.REQUESTED, timeout=15)

    new_kids = rotate_client_keys(keys_published_by_the_bank)
    rotated = control(portal, "keys", {"rotate": True, "overlap_seconds": 3600})
    form = flow_signed_in.wait_until_filled(status.url, timeout=60)

    assert field_value(form.text, "annual_income_man_yen") == "567"
    sealed_to = Retrieval.objects.get().events.filter(step="result", status=200)
    last = sealed_to.last()
    assert last is not None
    assert last.summary["jwe_header"]["kid"] == new_kids[1]
    assert portal_before < {key["kid"] for key in rotated["keys"]}


def test_after_the_overlap_window_only_the_new_keys_remain_and_flows_work(
    flow_signed_in: WebFlow, portal: Portal, keys_published_by_the_bank: Path
) -> None:
    old = {key["kid"] for key in public_jwks()["keys"]}
    rotate_client_keys(keys_published_by_the_bank)
    control(portal, "keys", {"rotate": True, "overlap_seconds": 600})
    portal_during = portal_kids(portal)

    retired = retire_old_keys(keys_published_by_the_bank)
    control(portal, "clock", {"move_seconds": 601})
    try:
        portal_after = portal_kids(portal)
        status = flow_signed_in.authorize()
        form = flow_signed_in.wait_until_filled(status.url, timeout=60)
    finally:
        control(portal, "clock", {"reset": True})

    assert retired == 2
    assert {key["kid"] for key in public_jwks()["keys"]}.isdisjoint(old)
    assert len(portal_during) >= 2
    assert len(portal_after) == 1
    assert portal_after < portal_during
    assert field_value(form.text, "annual_income_man_yen") == "567"


def test_rotate_client_keys_adds_a_pair_first_and_retire_keeps_only_it(
    tmp_path: Path, settings: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from mynaportal.client.keys import generate_client_keys

    settings.MYNAPORTAL_CLIENT_KEYS_FILE = str(tmp_path / "bank.jwks.json")
    generate_client_keys(tmp_path / "bank.jwks.json")
    first = [key["kid"] for key in public_jwks()["keys"]]

    call_command("rotate_client_keys", stdout=StringIO())
    rotated = [key["kid"] for key in public_jwks()["keys"]]
    call_command(
        "rotate_client_keys",
        "--retire",
        "--public-jwks-out",
        str(tmp_path / "public.json"),
        stdout=StringIO(),
    )
    retired = [key["kid"] for key in public_jwks()["keys"]]

    assert len(rotated) == 4
    assert rotated[2:] == first
    assert retired == rotated[:2]
    written = (tmp_path / "public.json").read_text()
    assert [key["kid"] for key in json.loads(written)["keys"]] == retired
    assert '"d"' not in written
