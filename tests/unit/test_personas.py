"""Personas are synthetic: no generated individual number can be real."""

from datetime import date

import pytest

from loans.services import RetrievedIncome
from mynaportal.simulator.personas import (
    CARD_STATES,
    DEMO_PERSONAS,
    Income,
    PersonaSpec,
    age_at_year_end,
    check_digit,
    invalid_individual_number,
    local_tax_items,
)

BY_SLUG = {spec.slug: spec for spec in DEMO_PERSONAS}


def latest(spec: PersonaSpec) -> Income:
    return max(spec.incomes, key=lambda income: income.taxable_year)


def filled_man_yen(spec: PersonaSpec) -> int:
    """What the bank's form fills from the persona's latest record."""
    items = local_tax_items(latest(spec), spec.birth_date)
    return RetrievedIncome(
        taxable_year=items["taxable_year"],
        salary_revenue=items["salary_revenue"],
        public_pension_revenue=items["public_pension_revenue"],
        business_income=items["business_income"],
        provider=spec.municipality,
    ).man_yen


def test_the_check_digit_matches_a_published_example() -> None:
    # 12345678901 → check digit 8 (worked example of the check-digit rule).
    assert check_digit("12345678901") == 8


@pytest.mark.parametrize("spec", DEMO_PERSONAS, ids=lambda spec: spec.slug)
def test_generated_individual_numbers_fail_the_check_digit(spec: PersonaSpec) -> None:
    number = invalid_individual_number(spec.slug)

    assert len(number) == 12
    assert number.isdigit() is True
    assert int(number[-1]) != check_digit(number[:11])


def test_every_slug_is_unique() -> None:
    slugs = [spec.slug for spec in DEMO_PERSONAS]

    assert len(slugs) == len(set(slugs))


def test_every_pin_has_four_digits_and_is_unique() -> None:
    pins = [spec.pin for spec in DEMO_PERSONAS]

    assert all(len(pin) == 4 and pin.isdigit() for pin in pins)
    assert len(pins) == len(set(pins))


def test_the_first_five_personas_are_unchanged() -> None:
    first = [(s.slug, s.name, s.pin, filled_man_yen(s)) for s in DEMO_PERSONAS[:5]]

    assert first == [
        ("yamada-hanako", "山田 花子", "1234", 567),
        ("suzuki-ichiro", "鈴木 一郎", "2345", 650),
        ("tanaka-kenji", "田中 健二", "3456", 480),
        ("sato-misaki", "佐藤 美咲", "4567", 502),
        ("takahashi-sho", "高橋 翔", "5678", 380),
    ]
    assert all(s.card == "valid" for s in DEMO_PERSONAS[:5])
    assert all(s.municipality_connected is True for s in DEMO_PERSONAS[:5])


def test_several_years_of_records() -> None:
    years = [income.taxable_year for income in BY_SLUG["tanaka-kenji"].incomes]

    assert years == [2023, 2024, 2025, 2026]


def test_no_record_at_all_for_no_data() -> None:
    assert BY_SLUG["ito-sakura"].incomes == ()
    assert BY_SLUG["ito-sakura"].municipality_connected is True
    assert BY_SLUG["ito-sakura"].card == "valid"


def test_records_behind_a_municipality_that_is_not_connected() -> None:
    watanabe = BY_SLUG["watanabe-ken"]

    assert watanabe.municipality_connected is False
    assert [income.taxable_year for income in watanabe.incomes] == [2025, 2026]
    assert [spec.slug for spec in DEMO_PERSONAS if not spec.municipality_connected] == [
        "watanabe-ken"
    ]


def test_zero_income() -> None:
    hina = BY_SLUG["yamamoto-hina"]

    assert latest(hina) == Income(2026, salary=0, pension=0, business=0)
    assert local_tax_items(latest(hina), hina.birth_date)["total_income"] == 0
    assert filled_man_yen(hina) == 0


def test_very_high_income_fills_4800_man_yen() -> None:
    daisuke = BY_SLUG["nakamura-daisuke"]
    items = local_tax_items(latest(daisuke), daisuke.birth_date)

    assert items["salary_revenue"] == 48_000_000
    # 48,000,000 − the capped salary deduction of 1,950,000.
    assert items["salary_income"] == 46_050_000
    assert filled_man_yen(daisuke) == 4_800


def test_self_employed_business_income() -> None:
    kenji = BY_SLUG["tanaka-kenji"]

    assert latest(kenji) == Income(2026, business=4_800_000)
    assert filled_man_yen(kenji) == 480


def test_the_pensioner_gets_the_65_and_over_deduction() -> None:
    masao = BY_SLUG["kobayashi-masao"]
    items = local_tax_items(latest(masao), masao.birth_date)

    assert latest(masao) == Income(2026, pension=2_400_000)
    assert age_at_year_end(masao.birth_date, 2025) == 69
    assert items["public_pension_revenue"] == 2_400_000
    # 2,400,000 − 1,100,000 (65 and over, revenue up to 3,300,000).
    assert items["public_pension_income"] == 1_300_000
    assert items["total_income"] == 1_300_000
    assert filled_man_yen(masao) == 240


def test_under_65_the_pension_deduction_is_the_smaller_table() -> None:
    items = local_tax_items(Income(2026, pension=2_400_000), date(1980, 4, 10))

    # 2,400,000 − (2,400,000 × 25% + 275,000).
    assert items["public_pension_income"] == 1_525_000


@pytest.mark.parametrize(
    ("birth_date", "pension_income"),
    [
        (date(1961, 1, 1), 1_300_000),  # 65 on 31 December 2025 by law
        (date(1961, 1, 2), 1_525_000),  # still 64
    ],
)
def test_age_is_taken_at_the_end_of_the_year_before(
    birth_date: date, pension_income: int
) -> None:
    items = local_tax_items(Income(2026, pension=2_400_000), birth_date)

    assert items["public_pension_income"] == pension_income


@pytest.mark.parametrize(
    ("slug", "card"),
    [
        ("kato-yumi", "locked"),
        ("yoshida-naoki", "expired"),
        ("yamaguchi-megumi", "revoked"),
        ("matsumoto-tsubasa", "two_wrong_pins"),
    ],
)
def test_card_states(slug: str, card: str) -> None:
    assert BY_SLUG[slug].card == card
    assert [spec.slug for spec in DEMO_PERSONAS if spec.card == card] == [slug]
    assert BY_SLUG[slug].incomes != ()


def test_an_unknown_card_state_is_refused() -> None:
    assert "valid" in CARD_STATES

    with pytest.raises(ValueError, match="unknown card state"):
        PersonaSpec(
            slug="x",
            name="x",
            name_kana="x",
            birth_date=date(2000, 1, 1),
            municipality="x",
            pin="0000",
            card="lost",  # type: ignore[arg-type]
        )


def test_hanakos_latest_record_gives_567_man_yen() -> None:
    items = local_tax_items(latest(BY_SLUG["yamada-hanako"]))

    assert items["taxable_year"] == 2026
    assert items["salary_revenue"] == 5_670_000
    assert items["public_pension_revenue"] == 0
    assert items["business_income"] == 0


def test_the_kiosk_resident_of_figure_3_3_6() -> None:
    items = local_tax_items(Income(2022, salary=6_000_000, pension=500_000))

    assert items["salary_revenue"] == 6_000_000
    assert items["public_pension_revenue"] == 500_000
    assert items["business_income"] == 0
