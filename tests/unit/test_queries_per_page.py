"""Queries per page stay few, and do not grow with the data (issue: ≤ 10): the
customer's pages and the staff's admin pages."""

import uuid
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from loans.models import LoanApplication
from mynaportal.client.models import Retrieval
from tests.conftest import CUSTOMER_PASSWORD

MAX_QUERIES = 10
PAGES = [
    "/",
    "/loans/apply/",
    "/mail/",
    "/developer/",
    "/demo/",
    "/kiosk/",
    "/accounts/login/",
    "result",
    "status",
]


def applications(owner: Any, count: int) -> list[LoanApplication]:
    return LoanApplication.objects.bulk_create(
        LoanApplication(
            applicant=owner,
            desired_date=date(2030, 10, 1),
            amount_man_yen=3000,
            term_years=35,
            annual_income_man_yen=567,
            income_source=LoanApplication.IncomeSource.SELF_DECLARED,
            screening_rate_percent="3.00",
            annual_repayment_yen=1385000,
            repayment_ratio_percent="24.4",
            decision=LoanApplication.Decision.APPROVE,
        )
        for _ in range(count)
    )


def retrievals(owner: Any, count: int) -> list[Retrieval]:
    return Retrieval.objects.bulk_create(
        Retrieval(
            owner=owner,
            state=Retrieval.State.WAITING,
            tm_codes=["TM00000000000001"],
            condition={"mode": "latest"},
            return_path="/loans/apply/",
            oauth_state=uuid.uuid4().hex,
            nonce=uuid.uuid4().hex,
            code_verifier_sealed="",
            blocked_server="municipal",
            blocked_reason="planned_stop",
        )
        for _ in range(count)
    )


def queries_of(client: Client, path: str) -> int:
    client.get(path)  # the first visit fills the session and caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)

    assert response.status_code == 200, path
    return len(captured)


def queries_with_1_and_1000(
    client: Client, customer: Any, path: str
) -> tuple[int, int]:
    """The page's queries with the customer's first application and retrieval,
    then with 999 more of each."""
    with_one = queries_of(client, path)
    applications(customer, 999)
    retrievals(customer, 999)
    return with_one, queries_of(client, path)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_makes_few_queries_and_as_many_with_1000_records(
    client: Client, customer: Any, page: str
) -> None:
    first_application = applications(customer, 1)[0]
    first_retrieval = retrievals(customer, 1)[0]
    client.login(username="hanako", password=CUSTOMER_PASSWORD)
    path = {
        "result": f"/loans/applications/{first_application.pk}/",
        "status": f"/mynaportal/retrievals/{first_retrieval.pk}/",
    }.get(page, page)
    if page == "/accounts/login/":
        client.logout()

    with_one, with_a_thousand = queries_with_1_and_1000(client, customer, path)

    assert with_one <= MAX_QUERIES
    assert with_a_thousand == with_one


ADMIN_PAGES = [
    "/admin/",
    "/admin/mynaportal_client/retrieval/",
    "/admin/loans/loanapplication/",
    "/admin/loans/kioskapplication/",
    "/admin/loans/auditentry/",
    "/admin/auth/user/",
    "retrieval",
    "application",
]
# Change pages of one record, by what the path is made of.
ADMIN_RECORD_PATHS = {
    "retrieval": "/admin/mynaportal_client/retrieval/{retrieval}/change/",
    "application": "/admin/loans/loanapplication/{application}/change/",
}


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_an_admin_page_makes_few_queries_and_as_many_with_1000_records(
    client: Client, customer: Any, admin_user: Any, page: str
) -> None:
    first_application = applications(customer, 1)[0]
    first_retrieval = retrievals(customer, 1)[0]
    client.force_login(admin_user)
    path = ADMIN_RECORD_PATHS.get(page, page).format(
        retrieval=first_retrieval.pk, application=first_application.pk
    )

    with_one, with_a_thousand = queries_with_1_and_1000(client, customer, path)

    assert with_one <= MAX_QUERIES
    assert with_a_thousand == with_one
