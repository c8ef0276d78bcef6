"""Bad input in the pre-screening form: a clear error beside the field."""

from typing import Any

import pytest
from django.test import Client

from tests.conftest import CUSTOMER_PASSWORD

VALID = {
    "desired_date": "20301001",
    "amount_man_yen": "3000",
    "term_years": "35",
    "annual_income_man_yen": "567",
}


@pytest.fixture
def signed_in(client: Client, customer: Any) -> Client:
    assert client.login(username="hanako", password=CUSTOMER_PASSWORD) is True
    return client


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("desired_date", "20300230", "存在しない日付です。"),
        ("desired_date", "2030-10-01", "8桁の数字"),
        ("desired_date", "20000101", "今日以降の日付"),
        ("amount_man_yen", "-5", "1 以上"),
        ("term_years", "36", "35 以下"),
        ("annual_income_man_yen", "abc", "整数を入力してください"),
    ],
)
def test_bad_input_gets_an_error_beside_its_field(
    signed_in: Client, field: str, value: str, message: str
) -> None:
    response = signed_in.post("/loans/apply/", {**VALID, field: value})

    assert response.status_code == 200
    page = response.content.decode()
    error_at = page.index(f'data-testid="error-{field}"')
    assert message in page[error_at : error_at + 300]
    assert f'name="{field}"' in page
    assert 'aria-invalid="true"' in page


def test_valid_input_is_screened_and_kept_as_self_declared(signed_in: Client) -> None:
    from loans.models import LoanApplication

    response = signed_in.post("/loans/apply/", VALID)

    application = LoanApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/loans/applications/{application.pk}/"
    assert application.income_source == LoanApplication.IncomeSource.SELF_DECLARED
    assert application.annual_income_man_yen == 567


def test_another_customer_gets_404_for_an_application(
    signed_in: Client, other_customer: Any
) -> None:
    signed_in.post("/loans/apply/", VALID)
    from loans.models import LoanApplication

    application = LoanApplication.objects.get()
    intruder = Client()
    intruder.login(username="taro", password=CUSTOMER_PASSWORD)

    assert intruder.get(f"/loans/applications/{application.pk}/").status_code == 404


def test_the_form_asks_anonymous_visitors_to_sign_in(client: Client, db: None) -> None:
    response = client.get("/loans/apply/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
