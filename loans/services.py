"""The bank's rules: income from the local-tax record, and the pre-screening."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mynaportal import catalog

SCREENING_RATE_PERCENT = Decimal("3.00")
APPROVE_UP_TO_PERCENT = Decimal("25.0")
REFER_UP_TO_PERCENT = Decimal("35.0")
MAN_YEN = 10_000
INCOME_ITEMS = {"salary_revenue", "public_pension_revenue", "business_income"}


@dataclass(frozen=True)
class RetrievedIncome:
    """Annual income per DESIGN §4, with its breakdown and source."""

    taxable_year: int
    salary_revenue: int
    public_pension_revenue: int
    business_income: int
    provider: str

    @property
    def total_yen(self) -> int:
        return max(
            0, self.salary_revenue + self.public_pension_revenue + self.business_income
        )

    @property
    def man_yen(self) -> int:
        """In 万円, rounded down."""
        return self.total_yen // MAN_YEN


def income_from_local_tax(data: list[dict[str, Any]]) -> RetrievedIncome | None:
    """Take the latest 課税年度 of the 地方税 record; None when there is none."""
    entries = [e for e in data if e.get("tm_code") == catalog.LOCAL_TAX_TM_CODE]
    records = [
        (entry["provider"], record["items"])
        for entry in entries
        for record in entry["records"]
        if isinstance(record["items"].get("taxable_year"), int)
    ]
    if not records:
        return None

    provider, items = max(records, key=lambda pair: pair[1]["taxable_year"])
    if not INCOME_ITEMS.issubset(items):
        # A partial record: filling the form from it would understate income.
        return None
    return RetrievedIncome(
        taxable_year=items["taxable_year"],
        salary_revenue=items["salary_revenue"],
        public_pension_revenue=items["public_pension_revenue"],
        business_income=items["business_income"],
        provider=provider,
    )


@dataclass(frozen=True)
class Screening:
    annual_repayment_yen: int
    repayment_ratio_percent: Decimal
    decision: str


def screen(amount_man_yen: int, term_years: int, income_man_yen: int) -> Screening:
    """返済負担率: yearly repayment at the screening rate over annual income."""
    principal = amount_man_yen * MAN_YEN
    monthly_rate = SCREENING_RATE_PERCENT / 100 / 12
    months = term_years * 12
    factor = (1 + monthly_rate) ** months
    monthly = principal * monthly_rate * factor / (factor - 1)
    annual = int((monthly * 12).to_integral_value(rounding=ROUND_HALF_UP))

    ratio = (Decimal(annual) * 100 / (income_man_yen * MAN_YEN)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    if ratio <= APPROVE_UP_TO_PERCENT:
        decision = "approve"
    elif ratio <= REFER_UP_TO_PERCENT:
        decision = "refer"
    else:
        decision = "decline"
    return Screening(annual, ratio, decision)
