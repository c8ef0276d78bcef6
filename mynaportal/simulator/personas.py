"""Synthetic personas, their local-tax records and their virtual cards.

Every value here is invented. Individual numbers are generated with a wrong
check digit so that none of them can belong to a real person.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from django.utils.translation import gettext_noop

# The state a persona's card is issued in, for trying the identity step's errors.
CardState = Literal["valid", "locked", "expired", "revoked", "two_wrong_pins"]
CARD_STATES: tuple[CardState, ...] = get_args(CardState)


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
    municipality_connected: bool = True
    card: CardState = "valid"

    def __post_init__(self) -> None:
        if self.card not in CARD_STATES:
            raise ValueError(f"{self.slug}: unknown card state {self.card!r}")


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
        note=gettext_noop(
            "会社員。最新の課税年度の給与収入額 5,670,000 円（年収 567 万円）。"
        ),
    ),
    PersonaSpec(
        slug="suzuki-ichiro",
        name="鈴木 一郎",
        name_kana="スズキ イチロウ",
        birth_date=date(1962, 11, 3),
        municipality="大阪府大阪市",
        pin="2345",
        incomes=(Income(2022, salary=6_000_000, pension=500_000),),
        note=gettext_noop(
            "ガイドライン図 3.3-6 の利用者。課税年度 2022 のみ（年収 650 万円）。"
        ),
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
        note=gettext_noop("個人事業主。4 年分の記録（事業所得額）。"),
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
        note=gettext_noop("会社員、副業あり。3 年分の記録。"),
    ),
    PersonaSpec(
        slug="takahashi-sho",
        name="高橋 翔",
        name_kana="タカハシ ショウ",
        birth_date=date(1990, 1, 15),
        municipality="愛知県名古屋市",
        pin="5678",
        incomes=(Income(2026, salary=3_800_000),),
        note=gettext_noop(
            "暗証番号を 3 回間違えるとカードがロックされることを試す利用者。"
        ),
    ),
    PersonaSpec(
        slug="ito-sakura",
        name="伊藤 さくら",
        name_kana="イトウ サクラ",
        birth_date=date(2001, 3, 25),
        municipality="宮城県仙台市",
        pin="6789",
        note=gettext_noop(
            "地方税の記録が一つもない利用者。どの課税年度を求めても no_data。"
        ),
    ),
    PersonaSpec(
        slug="watanabe-ken",
        name="渡辺 健",
        name_kana="ワタナベ ケン",
        birth_date=date(1985, 9, 9),
        municipality="〇〇県みなみ町",
        pin="7890",
        incomes=(
            Income(2025, salary=4_200_000),
            Income(2026, salary=4_350_000),
        ),
        note=gettext_noop(
            "記録はあるが住所地の自治体が未接続の利用者（not_connected）。"
        ),
        municipality_connected=False,
    ),
    PersonaSpec(
        slug="yamamoto-hina",
        name="山本 陽菜",
        name_kana="ヤマモト ヒナ",
        birth_date=date(2003, 10, 18),
        municipality="京都府京都市",
        pin="8901",
        incomes=(Income(2026),),
        note=gettext_noop(
            "学生。課税年度 2026 の記録はあるが所得はゼロ（年収 0 万円）。"
        ),
    ),
    PersonaSpec(
        slug="nakamura-daisuke",
        name="中村 大輔",
        name_kana="ナカムラ ダイスケ",
        birth_date=date(1975, 7, 7),
        municipality="神奈川県横浜市",
        pin="9012",
        incomes=(
            Income(2025, salary=45_000_000),
            Income(2026, salary=48_000_000),
        ),
        note=gettext_noop(
            "役員。非常に高い給与収入 48,000,000 円（年収 4,800 万円）。"
        ),
    ),
    PersonaSpec(
        slug="kobayashi-masao",
        name="小林 正男",
        name_kana="コバヤシ マサオ",
        birth_date=date(1956, 4, 10),
        municipality="広島県広島市",
        pin="1357",
        incomes=(
            Income(2025, pension=2_350_000),
            Income(2026, pension=2_400_000),
        ),
        note=gettext_noop(
            "65 歳以上の年金受給者。公的年金等収入 2,400,000 円（年収 240 万円）。"
        ),
    ),
    PersonaSpec(
        slug="kato-yumi",
        name="加藤 由美",
        name_kana="カトウ ユミ",
        birth_date=date(1982, 12, 1),
        municipality="埼玉県さいたま市",
        pin="2468",
        incomes=(Income(2026, salary=5_100_000),),
        note=gettext_noop(
            "カードがすでにロックされている利用者（暗証番号を入れても進めない）。"
        ),
        card="locked",
    ),
    PersonaSpec(
        slug="yoshida-naoki",
        name="吉田 直樹",
        name_kana="ヨシダ ナオキ",
        birth_date=date(1970, 6, 22),
        municipality="静岡県静岡市",
        pin="3579",
        incomes=(Income(2026, salary=6_200_000),),
        note=gettext_noop("利用者証明用電子証明書の有効期限が切れている利用者。"),
        card="expired",
    ),
    PersonaSpec(
        slug="yamaguchi-megumi",
        name="山口 恵",
        name_kana="ヤマグチ メグミ",
        birth_date=date(1987, 2, 14),
        municipality="兵庫県神戸市",
        pin="4680",
        incomes=(Income(2026, salary=3_950_000),),
        note=gettext_noop("利用者証明用電子証明書が失効している利用者。"),
        card="revoked",
    ),
    PersonaSpec(
        slug="matsumoto-tsubasa",
        name="松本 翼",
        name_kana="マツモト ツバサ",
        birth_date=date(1996, 11, 30),
        municipality="千葉県千葉市",
        pin="5791",
        incomes=(Income(2026, salary=4_400_000),),
        note=gettext_noop(
            "すでに暗証番号を 2 回間違えている利用者。次に間違えるとロック。"
        ),
        card="two_wrong_pins",
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


def local_tax_items(income: Income, birth_date: date | None = None) -> dict[str, int]:
    """Derive a plausible 住民税 record from revenues (simplified rules).

    The pension deduction follows the holder's age at the end of the income
    year (the year before the taxable year); without a birth date the
    under-65 table applies.
    """
    salary_income = max(0, income.salary - _salary_deduction(income.salary))
    pension_income = max(0, income.pension - _pension_deduction_for(income, birth_date))
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


def age_at_year_end(birth_date: date, year: int) -> int:
    """Age on 31 December of ``year``, counted as Japanese law counts it.

    One grows a year older on the day before the birthday, so a person born
    on 1 January is already a year older on the 31 December before.
    """
    born_on_new_year = (birth_date.month, birth_date.day) == (1, 1)
    return year - birth_date.year + (1 if born_on_new_year else 0)


def _pension_deduction_for(income: Income, birth_date: date | None) -> int:
    income_year = income.taxable_year - 1
    if birth_date is not None and age_at_year_end(birth_date, income_year) >= 65:
        return _pension_deduction_65_and_over(income.pension)
    return _pension_deduction(income.pension)


def _pension_deduction_65_and_over(revenue: int) -> int:
    if revenue <= 3_300_000:
        return min(revenue, 1_100_000)
    if revenue <= 4_100_000:
        return revenue * 25 // 100 + 275_000
    if revenue <= 7_700_000:
        return revenue * 15 // 100 + 685_000
    return revenue * 5 // 100 + 1_455_000


def _pension_deduction(revenue: int) -> int:
    """The public-pension deduction of a holder under 65."""
    if revenue <= 1_300_000:
        return min(revenue, 600_000)
    if revenue <= 4_100_000:
        return revenue * 25 // 100 + 275_000
    if revenue <= 7_700_000:
        return revenue * 15 // 100 + 685_000
    return revenue * 5 // 100 + 1_455_000
