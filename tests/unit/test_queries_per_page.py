"""Queries per page stay few, and do not grow with the data (issue: ≤ 10)."""

from datetime import date
from typing import Any

import pytest
from django.test import Client

from loans.models import LoanApplication
from tests.conftest import CUSTOMER_PASSWORD

MAX_QUERIES = 10


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


@pytest.mark.parametrize("count", [1, 1000])
@pytest.mark.parametrize(
    "page", ["/", "/loans/apply/", "/mail/", "/developer/", "result"]
)
def test_a_page_makes_few_queries_whatever_the_data(
    client: Client,
    customer: Any,
    django_assert_max_num_queries: Any,
    count: int,
    page: str,
) -> None:
    created = applications(customer, count)
    client.login(username="hanako", password=CUSTOMER_PASSWORD)
    path = f"/loans/applications/{created[0].pk}/" if page == "result" else page
    client.get(path)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(path)

    assert response.status_code == 200
