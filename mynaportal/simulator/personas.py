"""Synthetic personas, their local-tax records and their virtual cards.

Every value here is invented. Individual numbers are generated with a wrong
check digit so that none of them can belong to a real person.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Income:
    """One 課税年度 of a persona: revenues in yen."""

    taxable_year: int
    salary: int = 0
    pension: int = 0
    business: int = 0


@dataclass(frozen=True)
class PersonaSpec:
    slug: str
    name: str
    name_kana: str
    birth_date: date
    municipality: str
    pin: str
    incomes: tuple[Income, ...] = field(default_factory=tuple)
    note: str = ""


DEMO_PERSONAS = (
    PersonaSpec(
        slug="yamada-hanako",
        name="山田 花子",
        name_kana="ヤマダ ハナコ",
        birth_date=date(1988, 5, 12),
        municipality="東京都千代田区",
        pin="1234",
        incomes=(
            Income(2024, salary=5_380_000),
            Income(2025, salary=5_520_000),
            Income(2026, salary=5_670_000),
        ),
        note="会社員。最新の課税年度の給与収入額 5,670,000 円（年収 567 万円）。",
    ),
    PersonaSpec(
        slug="suzuki-ichiro",
        name="鈴木 一郎",
        name_kana="スズキ イチロウ",
        birth_date=date(1962, 11, 3),
        municipality="大阪府大阪市",
        pin="2345",
        incomes=(Income(2022, salary=6_000_000, pension=500_000),),
        note="ガイドライン図 3.3-6 の利用者。課税年度 2022 のみ（年収 650 万円）。",
    ),
    PersonaSpec(
        slug="tanaka-kenji",
        name="田中 健二",
        name_kana="タナカ ケンジ",
        birth_date=date(1979, 2, 20),
        municipality="福岡県福岡市",
        pin="3456",
        incomes=(
            Income(2023, business=3_900_000),
            Income(2024, business=4_350_000),
            Income(2025, business=4_120_000),
            Income(2026, business=4_800_000),
        ),
        note="個人事業主。4 年分の記録（事業所得額）。",
    ),
    PersonaSpec(
        slug="sato-misaki",
        name="佐藤 美咲",
        name_kana="サトウ ミサキ",
        birth_date=date(1993, 8, 30),
        municipality="北海道札幌市",
        pin="4567",
        incomes=(
            Income(2024, salary=4_100_000),
            Income(2025, salary=4_450_000),
            Income(2026, salary=4_720_000, business=300_000),
        ),
        note="会社員、副業あり。3 年分の記録。",
    ),
    PersonaSpec(
        slug="takahashi-sho",
        name="高橋 翔",
        name_kana="タカハシ ショウ",
        birth_date=date(1990, 1, 15),
        municipality="愛知県名古屋市",
        pin="5678",
        incomes=(Income(2026, salary=3_800_000),),
        note="暗証番号を 3 回間違えるとカードがロックされることを試す利用者。",
    ),
)


def invalid_individual_number(seed: str) -> str:
    """Return 12 digits whose check digit is deliberately wrong."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:11]
    return digits + str((check_digit(digits) + 1) % 10)


def check_digit(first_eleven: str) -> int:
    """The individual number's check digit over its first 11 digits."""
    total = 0
    for n, digit in enumerate(reversed(first_eleven), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(digit) * weight

    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def local_tax_items(income: Income) -> dict[str, int]:
    """Derive a plausible 住民税 record from revenues (simplified rules)."""
    salary_income = max(0, income.salary - _salary_deduction(income.salary))
    pension_income = max(0, income.pension - _pension_deduction(income.pension))
    total = salary_income + pension_income + income.business
    deductions = 430_000 + income.salary * 14 // 100 if total else 0
    taxable = max(0, total - deductions) // 1000 * 1000
    return {
        "taxable_year": income.taxable_year,
        "total_income_etc": total,
        "total_income": total,
        "salary_revenue": income.salary,
        "salary_income": salary_income,
        "public_pension_revenue": income.pension,
        "public_pension_income": pension_income,
        "business_income": income.business,
        "real_estate_income": 0,
        "dividend_income": 0,
        "miscellaneous_income": 0,
        "total_deductions": deductions,
        "taxable_base": taxable,
        "municipal_income_levy": taxable * 6 // 100,
        "prefectural_income_levy": taxable * 4 // 100,
        "municipal_per_capita_levy": 3_500 if total else 0,
        "prefectural_per_capita_levy": 1_500 if total else 0,
        "dependents": 0,
    }


def _salary_deduction(revenue: int) -> int:
    if revenue <= 1_625_000:
        return min(revenue, 550_000)
    if revenue <= 1_800_000:
        return revenue * 40 // 100 - 100_000
    if revenue <= 3_600_000:
        return revenue * 30 // 100 + 80_000
    if revenue <= 6_600_000:
        return revenue * 20 // 100 + 440_000
    if revenue <= 8_500_000:
        return revenue * 10 // 100 + 1_100_000
    return 1_950_000


def _pension_deduction(revenue: int) -> int:
    if revenue <= 1_300_000:
        return min(revenue, 600_000)
    if revenue <= 4_100_000:
        return revenue * 25 // 100 + 275_000
    if revenue <= 7_700_000:
        return revenue * 15 // 100 + 685_000
    return revenue * 5 // 100 + 1_455_000
