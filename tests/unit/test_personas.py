"""Personas are synthetic: no generated individual number can be real."""

import pytest

from mynaportal.simulator.personas import (
    DEMO_PERSONAS,
    Income,
    check_digit,
    invalid_individual_number,
    local_tax_items,
)


def test_the_check_digit_matches_a_published_example() -> None:
    # 12345678901 → check digit 8 (worked example of the check-digit rule).
    assert check_digit("12345678901") == 8


@pytest.mark.parametrize("spec", DEMO_PERSONAS, ids=lambda spec: spec.slug)
def test_generated_individual_numbers_fail_the_check_digit(spec: object) -> None:
    number = invalid_individual_number(spec.slug)  # type: ignore[attr-defined]

    assert len(number) == 12
    assert number.isdigit() is True
    assert int(number[-1]) != check_digit(number[:11])


def test_hanakos_latest_record_gives_567_man_yen() -> None:
    hanako = next(spec for spec in DEMO_PERSONAS if spec.slug == "yamada-hanako")
    latest = max(hanako.incomes, key=lambda income: income.taxable_year)

    items = local_tax_items(latest)

    assert items["taxable_year"] == 2026
    assert items["salary_revenue"] == 5_670_000
    assert items["public_pension_revenue"] == 0
    assert items["business_income"] == 0


def test_the_kiosk_resident_of_figure_3_3_6() -> None:
    items = local_tax_items(Income(2022, salary=6_000_000, pension=500_000))

    assert items["salary_revenue"] == 6_000_000
    assert items["public_pension_revenue"] == 500_000
    assert items["business_income"] == 0
