"""Two sites with their own cookies; seeds that change nothing the second time."""

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from loans.models import AuditEntry, LoanApplication
from tests.conftest import Portal
from tests.httpflow import WebFlow

SIMULATOR_MODELS = ["simulator.persona", "simulator.card", "simulator.client"]


def test_each_site_keeps_cookies_of_its_own_name(
    flow_signed_in: WebFlow, portal: Portal
) -> None:
    flow_signed_in.start(desired_date="20301001")

    names = {cookie.name: cookie for cookie in flow_signed_in.http.cookies}
    assert {"bank_session", "bank_csrftoken"} <= set(names)
    assert "portal_session" in names
    assert not {"sessionid", "csrftoken"} & set(names)
    assert names["bank_session"].get_nonstandard_attr("SameSite") == "Lax"
    assert names["bank_session"].has_nonstandard_attr("HttpOnly") is True


def test_the_bank_seed_changes_nothing_the_second_time(
    transactional_db: None, client_keys: Path, tmp_path: Path
) -> None:
    out = tmp_path / "public.json"
    call_command("seed_bank", "--public-jwks-out", str(out))
    users = list(get_user_model().objects.values_list("email", "password"))

    call_command("seed_bank", "--public-jwks-out", str(out))

    assert list(get_user_model().objects.values_list("email", "password")) == users
    assert len(users) == 3
    assert all("d" not in key for key in json.loads(out.read_text())["keys"])


def test_the_portal_seed_changes_nothing_the_second_time(portal: Portal) -> None:
    before = portal.manage("dumpdata", *SIMULATOR_MODELS)

    output = portal.manage(*portal.seed)

    assert "Personas created: 0" in output
    assert portal.manage("dumpdata", *SIMULATOR_MODELS) == before


@pytest.fixture
def application(transactional_db: None, customer: Any) -> LoanApplication:
    call_command("seed_bank")
    return LoanApplication.objects.create(
        applicant=customer,
        desired_date="2030-10-01",
        amount_man_yen=3000,
        term_years=35,
        annual_income_man_yen=567,
        income_source=LoanApplication.IncomeSource.MYNAPORTAL,
        screening_rate_percent="3.00",
        annual_repayment_yen=1385000,
        repayment_ratio_percent="24.4",
        decision=LoanApplication.Decision.APPROVE,
    )


def test_staff_see_applications_but_not_the_income(
    application: LoanApplication, client: Client
) -> None:
    client.login(username="staff", password="staff-demo-2026")

    changelist = client.get("/admin/loans/loanapplication/").content.decode()
    detail = client.get(f"/admin/loans/loanapplication/{application.pk}/change/")

    assert "3000" in changelist
    assert "567" not in changelist
    assert "567" not in detail.content.decode()
    assert AuditEntry.objects.count() == 0


def test_a_reviewer_sees_the_income_and_every_look_is_audited(
    application: LoanApplication, client: Client
) -> None:
    client.login(username="reviewer", password="reviewer-demo-2026")

    detail = client.get(f"/admin/loans/loanapplication/{application.pk}/change/")

    assert detail.status_code == 200
    assert "567" in detail.content.decode()
    entry = AuditEntry.objects.get()
    assert entry.action == "view"
    assert entry.object_id == str(application.pk)
    assert entry.user is not None
    assert entry.user.username == "reviewer"


def test_the_simulator_home_page_is_its_own_site(portal: Portal) -> None:
    page = requests.get(f"{portal.url}/", timeout=10).text

    assert "マイナポータル" in page
    assert "portal/portal.css" in page
    assert "〇〇銀行" not in page
