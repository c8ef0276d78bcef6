"""The three query conditions of §2.6, end to end through the developer page."""

import json
import re
import time

import pytest

from mynaportal.client.models import Retrieval
from tests.httpflow import HOLDER, PIN, WebFlow, csrf_of


def run(flow: WebFlow, **condition: str) -> str:
    """Ask on the developer page, go through the portal, return the final page."""
    page = flow.http.get(f"{flow.bank}/developer/")
    consent = flow.http.post(
        f"{flow.bank}/developer/",
        data={"csrfmiddlewaretoken": csrf_of(page.text), **condition},
        headers={"Referer": f"{flow.bank}/developer/"},
    )
    identity = flow.consent(consent)
    flow.identify(identity, HOLDER, PIN, follow=True)

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not Retrieval.objects.filter(state__in=Retrieval.ACTIVE_STATES).exists():
            break
        time.sleep(0.3)
    return flow.http.get(f"{flow.bank}/developer/").text


def years(page: str) -> list[int]:
    raw = re.search(r'data-testid="raw-result">(.*?)</pre>', page, re.S)
    assert raw is not None, "no raw result on the page"
    data = json.loads(raw.group(1).replace("&quot;", '"'))
    return sorted(record["items"]["taxable_year"] for record in data[0]["records"])


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"mode": "as_of", "as_of": "2025-07-01"}, [2025]),
        (
            {"mode": "range", "date_from": "2024-07-01", "date_to": "2025-07-01"},
            [2024, 2025],
        ),
        ({"mode": "latest"}, [2026]),
    ],
)
def test_each_query_condition_returns_its_records(
    flow_signed_in: WebFlow, condition: dict[str, str], expected: list[int]
) -> None:
    page = run(flow_signed_in, **condition)

    assert years(page) == expected
    assert 'data-testid="bank-step-token"' in page
    assert 'data-testid="bank-step-result"' in page


def test_a_date_without_a_record_is_no_data(flow_signed_in: WebFlow) -> None:
    page = run(flow_signed_in, mode="as_of", as_of="2020-01-01")

    assert Retrieval.objects.get().error_code == "no_data"
    assert "no_data" in page


def test_a_range_without_its_dates_is_refused_on_the_form(
    flow_signed_in: WebFlow,
) -> None:
    page = flow_signed_in.http.get(f"{flow_signed_in.bank}/developer/")
    answer = flow_signed_in.http.post(
        f"{flow_signed_in.bank}/developer/",
        data={"csrfmiddlewaretoken": csrf_of(page.text), "mode": "range"},
        headers={"Referer": f"{flow_signed_in.bank}/developer/"},
    )

    assert answer.status_code == 200
    assert 'class="bank-error"' in answer.text
    assert Retrieval.objects.count() == 0
