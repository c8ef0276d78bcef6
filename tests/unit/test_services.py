"""The bank's rules: the income of DESIGN §4 and the pre-screening decision."""

from decimal import Decimal
from typing import Any

import pytest

from loans import services
from mynaportal import catalog


def local_tax(
    *records: dict[str, int], provider: str = "東京都千代田区"
) -> list[dict[str, Any]]:
    return [
        {
            "tm_code": catalog.LOCAL_TAX_TM_CODE,
            "name": "地方税関係情報",
            "provider": provider,
            "records": [
                {"valid_from": "2026-06-01", "valid_to": None, "items": items}
                for items in records
            ],
        }
    ]


def test_income_takes_the_latest_taxable_year_and_rounds_down_to_man_yen() -> None:
    others = {"public_pension_revenue": 0, "business_income": 0}
    data = local_tax(
        {"taxable_year": 2025, "salary_revenue": 5_520_000, **others},
        {"taxable_year": 2026, "salary_revenue": 5_679_999, **others},
    )

    income = services.income_from_local_tax(data)

    assert income is not None
    assert income.taxable_year == 2026
    assert income.total_yen == 5_679_999
    assert income.man_yen == 567


def test_income_adds_salary_pension_and_business() -> None:
    data = local_tax(
        {
            "taxable_year": 2022,
            "salary_revenue": 6_000_000,
            "public_pension_revenue": 500_000,
            "business_income": 0,
        }
    )

    income = services.income_from_local_tax(data)

    assert income is not None
    assert income.man_yen == 650


def test_no_local_tax_record_gives_no_income() -> None:
    assert services.income_from_local_tax([]) is None


def test_a_partial_record_gives_no_income_rather_than_a_low_one() -> None:
    data = local_tax({"taxable_year": 2026, "business_income": 1_000_000})

    assert services.income_from_local_tax(data) is None


@pytest.mark.parametrize(
    ("amount", "term", "income", "ratio", "decision"),
    [
        (3000, 35, 567, Decimal("24.4"), "approve"),
        (4000, 35, 567, Decimal("32.6"), "refer"),
        (5000, 20, 400, Decimal("83.2"), "decline"),
    ],
)
def test_screening_uses_the_repayment_burden_ratio(
    amount: int, term: int, income: int, ratio: Decimal, decision: str
) -> None:
    screening = services.screen(amount, term, income)

    assert screening.repayment_ratio_percent == ratio
    assert screening.decision == decision
