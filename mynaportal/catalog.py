"""Catalog of Mynaportal self-information: categories, items and middle servers.

Shared by the bank's client and the simulator; it imports nothing outside the
standard library (no Django), so either side can use it anywhere.

Sources, in the Digital Agency's guideline (reference/mynaportal-selfinfo-api-
guideline-v2.2.md): the servers are those of 表2.5-1〜2.5-4, with the stable codes
of DESIGN.md §4; the categories and their holders are 表2.5-5 (自己情報と中間サーバ
の対比表); the query conditions are 表2.6-1 (自己情報の照会方法).

TM codes: results are keyed by 特定個人情報名コード, "TM" followed by 14 digits. The
official list of codes is not public, so the codes here are this project's own
numbering: "TM" + field number (2 digits, in the order of 表2.5-5) + detail number
within the field (2 digits) + a 10-digit serial (always 1 here). 地方税, the second
detail of the second field, is TM02010000000001. A real integration must replace
them with the codes Mynaportal hands out on application.

The item lists are plausible stand-ins for what Mynaportal displays, except 地方税,
which follows Mynaportal's display of the 住民税 record (DESIGN.md §4).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "CATEGORIES",
    "COMMON_SERVERS",
    "INVALID_CONDITION",
    "ITEM_KINDS",
    "LATEST_NOT_SUPPORTED",
    "LOCAL_TAX",
    "LOCAL_TAX_TM_CODE",
    "SERVERS",
    "Category",
    "Item",
    "QueryCondition",
    "QueryConditionError",
    "QueryMode",
    "Server",
    "category",
    "check_condition",
    "is_tm_code",
    "servers_needed",
]

# --------------------------------------------------------------------------
# Servers (表2.5-1〜2.5-4, codes of DESIGN.md §4)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """A system that must be operating for an immediate retrieval."""

    code: str
    name: str
    name_en: str


_SERVER_LIST: tuple[Server, ...] = (
    Server("myna-portal", "マイナポータル", "Mynaportal"),
    Server(
        "info-network",
        "情報提供ネットワークシステム",
        "Information Provision Network System",
    ),
    Server(
        "juki-net",
        "住民基本台帳ネットワークシステム",
        "Basic Resident Registry Network System (Juki-net)",
    ),
    Server("municipal", "自治体中間サーバ", "Municipal middle server"),
    Server(
        "chikousai-hosho",
        "地方公務員災害補償基金中間サーバ",
        "Local Government Officials' Accident Compensation Fund middle server",
    ),
    Server(
        "hellowork",
        "職業安定局（ハローワーク）中間サーバ",
        "Employment Security Bureau (Hello Work) middle server",
    ),
    Server(
        "medical-insurers",
        "医療保険者等向け中間サーバ",
        "Middle server for medical insurers",
    ),
    Server(
        "chikyosai",
        "地共済（長期）中間サーバ",
        "Local public servants' mutual aid (long-term) middle server",
    ),
    Server(
        "kokkyosai",
        "国共済（長期）中間サーバ",
        "National public servants' mutual aid (long-term) middle server",
    ),
    Server(
        "shigaku-kyosai",
        "日本私立学校振興・共済事業団（長期）中間サーバ",
        "Promotion and Mutual Aid Corporation for Private Schools of Japan"
        " (long-term) middle server",
    ),
    Server(
        "labour-standards",
        "労働基準局中間サーバ",
        "Labour Standards Bureau middle server",
    ),
    Server(
        "pension-service",
        "日本年金機構中間サーバ",
        "Japan Pension Service middle server",
    ),
    Server(
        "public-funds-account",
        "口座情報登録・連携システム中間サーバ",
        "Account registration and linkage system middle server",
    ),
)

SERVERS: dict[str, Server] = {server.code: server for server in _SERVER_LIST}
"""Every server, by code, in the order of DESIGN.md §4's table."""

COMMON_SERVERS: tuple[str, ...] = ("myna-portal", "info-network", "juki-net")
"""Servers every immediate retrieval needs, whatever it asks for (§2.5)."""

# --------------------------------------------------------------------------
# Items and categories (表2.5-5)
# --------------------------------------------------------------------------

ITEM_KINDS: tuple[str, ...] = ("year", "date", "yen", "text", "count")
"""Allowed values of Item.kind.

year: a year as an integer (e.g. 課税年度 2024); date: an ISO date, a year-month
being carried as the first day of the month; yen: an integer amount in yen;
text: a string; count: a non-negative integer.
"""

_PERIOD_KINDS = frozenset({"year", "date"})

_TM_CODE = re.compile(r"TM[0-9]{14}")


def is_tm_code(value: object) -> bool:
    """Whether value is shaped like a TM code: "TM" + exactly 14 ASCII digits."""
    return isinstance(value, str) and _TM_CODE.fullmatch(value) is not None


@dataclass(frozen=True)
class Item:
    """One item of a category, as displayed by Mynaportal."""

    key: str
    label: str
    label_en: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in ITEM_KINDS:
            raise ValueError(f"item {self.key!r}: unknown kind {self.kind!r}")


@dataclass(frozen=True)
class Category:
    """A category of self-information (one 分野詳細名 of 表2.5-5)."""

    tm_code: str
    field: str
    name: str
    display_name: str
    name_en: str
    servers: tuple[str, ...]
    items: tuple[Item, ...]
    latest_item: str | None

    def __post_init__(self) -> None:
        if not is_tm_code(self.tm_code):
            raise ValueError(f"{self.name}: malformed TM code {self.tm_code!r}")
        if not self.servers or len(set(self.servers)) != len(self.servers):
            raise ValueError(f"{self.name}: servers must be non-empty and distinct")
        unknown = [code for code in self.servers if code not in SERVERS]
        if unknown:
            raise ValueError(f"{self.name}: unknown servers {unknown}")
        keys = [item.key for item in self.items]
        if not keys or len(set(keys)) != len(keys):
            raise ValueError(f"{self.name}: item keys must be non-empty and distinct")
        if self.latest_item is not None and (
            self.latest_item not in keys
            or self.item(self.latest_item).kind not in _PERIOD_KINDS
        ):
            raise ValueError(
                f"{self.name}: latest_item {self.latest_item!r} must be the key of"
                " a year or date item"
            )

    def item(self, key: str) -> Item:
        """Return the item with this key; KeyError when there is none."""
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(f"category {self.tm_code} ({self.name}) has no item {key!r}")


# Field names (分野名) of 表2.5-5.
_HOUSEHOLD = "世帯"
_TAX = "税・所得・口座情報"
_HEALTH = "社会保険（健康・医療）"
_CHILDREN = "社会保険（子ども・子育て）"
_WELFARE = "社会保険（福祉・介護）"
_EMPLOYMENT = "社会保険（雇用・労働）"
_PENSION = "社会保険（年金）"

LOCAL_TAX_TM_CODE: str = "TM02010000000001"

_CATEGORY_LIST: tuple[Category, ...] = (
    Category(
        tm_code="TM01010000000001",
        field=_HOUSEHOLD,
        name="世帯",
        display_name="世帯情報",
        name_en="Household",
        servers=("municipal",),
        items=(
            Item(
                "household_head_name", "世帯主氏名", "Name of head of household", "text"
            ),
            Item("relationship", "続柄", "Relationship to head of household", "text"),
            Item(
                "household_members", "世帯員数", "Number of household members", "count"
            ),
        ),
        latest_item=None,
    ),
    Category(
        tm_code=LOCAL_TAX_TM_CODE,
        field=_TAX,
        name="地方税",
        display_name="地方税関係情報",
        name_en="Local tax",
        servers=("municipal",),
        items=(
            Item("taxable_year", "課税年度", "Taxable year", "year"),
            Item("total_income_etc", "総所得金額等", "Total income etc.", "yen"),
            Item("total_income", "合計所得金額", "Total income", "yen"),
            Item("salary_revenue", "給与収入額", "Salary revenue", "yen"),
            Item("salary_income", "給与所得額", "Salary income", "yen"),
            Item(
                "public_pension_revenue",
                "公的年金等収入額",
                "Public pension etc. revenue",
                "yen",
            ),
            Item(
                "public_pension_income",
                "公的年金等所得額",
                "Public pension etc. income",
                "yen",
            ),
            Item("business_income", "事業所得額", "Business income", "yen"),
            Item("real_estate_income", "不動産所得額", "Real estate income", "yen"),
            Item("dividend_income", "配当所得額", "Dividend income", "yen"),
            Item("miscellaneous_income", "雑所得額", "Miscellaneous income", "yen"),
            Item(
                "total_deductions", "所得控除額合計", "Total income deductions", "yen"
            ),
            Item("taxable_base", "課税標準額", "Taxable base", "yen"),
            Item(
                "municipal_income_levy",
                "市町村民税所得割額",
                "Municipal inhabitant tax, income levy",
                "yen",
            ),
            Item(
                "prefectural_income_levy",
                "道府県民税所得割額",
                "Prefectural inhabitant tax, income levy",
                "yen",
            ),
            Item(
                "municipal_per_capita_levy",
                "市町村民税均等割額",
                "Municipal inhabitant tax, per-capita levy",
                "yen",
            ),
            Item(
                "prefectural_per_capita_levy",
                "道府県民税均等割額",
                "Prefectural inhabitant tax, per-capita levy",
                "yen",
            ),
            Item("dependents", "扶養親族数", "Number of dependents", "count"),
        ),
        latest_item="taxable_year",
    ),
    Category(
        tm_code="TM02020000000001",
        field=_TAX,
        name="公金受取口座",
        display_name="公金受取口座情報",
        name_en="Account for receiving public funds",
        servers=("public-funds-account",),
        items=(
            Item("bank_name", "金融機関名", "Financial institution", "text"),
            Item("branch_name", "支店名", "Branch", "text"),
            Item("account_type", "口座種別", "Account type", "text"),
            # Masked as Mynaportal displays it, e.g. "****567".
            Item("account_number", "口座番号", "Account number (masked)", "text"),
        ),
        latest_item=None,
    ),
    Category(
        tm_code="TM03010000000001",
        field=_HEALTH,
        name="医療保険",
        display_name="医療保険関係情報",
        name_en="Medical insurance",
        servers=("medical-insurers", "municipal"),
        items=(
            Item("insurer_name", "保険者名", "Insurer", "text"),
            Item("insured_type", "被保険者区分", "Insured person type", "text"),
            Item(
                "qualification_acquired_on",
                "被保険者資格取得年月日",
                "Date coverage began",
                "date",
            ),
            Item(
                "qualification_lost_on", "資格喪失年月日", "Date coverage ended", "date"
            ),
        ),
        latest_item="qualification_acquired_on",
    ),
    Category(
        tm_code="TM03020000000001",
        field=_HEALTH,
        name="予防接種",
        display_name="予防接種関係情報",
        name_en="Vaccinations",
        servers=("municipal",),
        items=(
            Item("vaccine_name", "予防接種名", "Vaccination", "text"),
            Item("vaccinated_on", "接種年月日", "Date of vaccination", "date"),
            Item("dose_number", "接種回数", "Dose number", "count"),
            Item("municipality", "実施市区町村", "Municipality", "text"),
        ),
        latest_item="vaccinated_on",
    ),
    Category(
        tm_code="TM03030000000001",
        field=_HEALTH,
        name="健康・医療その他",
        display_name="その他の健康・医療関係情報",
        name_en="Other health and medical care",
        servers=("medical-insurers", "municipal", "chikousai-hosho"),
        items=(
            Item("checkup_name", "健康診査名", "Health check-up", "text"),
            Item("checkup_on", "受診年月日", "Date of check-up", "date"),
            Item(
                "high_cost_benefit",
                "高額療養費支給額",
                "High-cost medical care benefit",
                "yen",
            ),
            Item("benefit_decided_on", "支給決定年月日", "Date of decision", "date"),
        ),
        latest_item="checkup_on",
    ),
    Category(
        tm_code="TM04010000000001",
        field=_CHILDREN,
        name="子ども・子育て支援",
        display_name="子ども・子育て支援関係情報",
        name_en="Child and child-rearing support",
        servers=("municipal",),
        items=(
            Item("benefit_name", "給付名称", "Benefit", "text"),
            Item("eligible_children", "支給対象児童数", "Eligible children", "count"),
            Item("monthly_amount", "支給月額", "Monthly amount", "yen"),
            Item("certified_on", "認定年月日", "Date of certification", "date"),
        ),
        latest_item="certified_on",
    ),
    Category(
        tm_code="TM04020000000001",
        field=_CHILDREN,
        name="母子家庭等関係",
        display_name="母子家庭等関係情報",
        name_en="Single-parent households",
        servers=("municipal",),
        items=(
            Item("allowance_name", "手当名称", "Allowance", "text"),
            Item("eligible_children", "対象児童数", "Eligible children", "count"),
            Item("monthly_amount", "手当月額", "Monthly amount", "yen"),
            Item("certified_on", "認定年月日", "Date of certification", "date"),
        ),
        latest_item="certified_on",
    ),
    Category(
        tm_code="TM04030000000001",
        field=_CHILDREN,
        name="母子保健",
        display_name="母子保健関係情報",
        name_en="Maternal and child health",
        servers=("municipal",),
        items=(
            Item(
                "pregnancy_notified_on",
                "妊娠届出年月日",
                "Date of pregnancy notification",
                "date",
            ),
            Item(
                "handbook_issued_on",
                "母子健康手帳交付年月日",
                "Date maternal and child health handbook issued",
                "date",
            ),
            Item("infant_checkup_name", "乳幼児健康診査名", "Infant check-up", "text"),
            Item("infant_checkup_on", "受診年月日", "Date of check-up", "date"),
        ),
        latest_item="pregnancy_notified_on",
    ),
    Category(
        tm_code="TM04040000000001",
        field=_CHILDREN,
        name="教育・就学支援",
        display_name="教育・就学支援関係情報",
        name_en="Education and school attendance support",
        servers=("municipal",),
        items=(
            Item("support_name", "援助名称", "Support", "text"),
            Item("school_year", "対象年度", "School year", "year"),
            Item("support_amount", "援助額", "Amount of support", "yen"),
            Item("certified_on", "認定年月日", "Date of certification", "date"),
        ),
        latest_item="school_year",
    ),
    Category(
        tm_code="TM04050000000001",
        field=_CHILDREN,
        name="子ども・子育てその他",
        display_name="その他の子ども・子育て関係情報",
        name_en="Other child and child-rearing",
        servers=("municipal",),
        items=(
            Item("facility_name", "利用施設名", "Childcare facility", "text"),
            Item("certification_type", "支給認定区分", "Certification type", "text"),
            Item("use_started_on", "利用開始年月日", "Date use began", "date"),
            Item("monthly_fee", "保育料月額", "Monthly childcare fee", "yen"),
        ),
        latest_item="use_started_on",
    ),
    Category(
        tm_code="TM05010000000001",
        field=_WELFARE,
        name="障害保健福祉",
        display_name="障害保健福祉関係情報",
        name_en="Disability health and welfare",
        servers=("municipal",),
        items=(
            Item("certificate_type", "手帳種別", "Certificate type", "text"),
            Item("grade", "等級", "Grade", "text"),
            Item("issued_on", "交付年月日", "Date of issue", "date"),
            Item(
                "service_name",
                "障害福祉サービス名",
                "Disability welfare service",
                "text",
            ),
        ),
        latest_item="issued_on",
    ),
    Category(
        tm_code="TM05020000000001",
        field=_WELFARE,
        name="生活保護・福祉一般",
        display_name="生活保護・福祉一般関係情報",
        name_en="Public assistance and general welfare",
        servers=("municipal", "pension-service"),
        items=(
            Item("assistance_type", "扶助の種類", "Type of assistance", "text"),
            Item("started_on", "保護開始年月日", "Date assistance began", "date"),
            Item("ended_on", "保護廃止年月日", "Date assistance ended", "date"),
            Item("monthly_amount", "保護費月額", "Monthly amount", "yen"),
        ),
        latest_item="started_on",
    ),
    Category(
        tm_code="TM05030000000001",
        field=_WELFARE,
        name="中国残留邦人等支援",
        display_name="中国残留邦人等支援関係情報",
        name_en="Support for Japanese left behind in China",
        servers=("municipal",),
        items=(
            Item("support_type", "支援給付の種類", "Type of support benefit", "text"),
            Item("started_on", "支給開始年月日", "Date payments began", "date"),
            Item("monthly_amount", "支援給付月額", "Monthly amount", "yen"),
        ),
        latest_item="started_on",
    ),
    Category(
        tm_code="TM05040000000001",
        field=_WELFARE,
        name="介護・高齢者福祉",
        display_name="介護・高齢者福祉関係情報",
        name_en="Long-term care and welfare for the elderly",
        servers=("municipal",),
        items=(
            Item("care_level", "要介護状態区分", "Care level", "text"),
            Item(
                "certification_starts_on",
                "認定有効期間開始年月日",
                "Certification valid from",
                "date",
            ),
            Item(
                "certification_ends_on",
                "認定有効期間終了年月日",
                "Certification valid until",
                "date",
            ),
            Item(
                "annual_premium",
                "介護保険料年額",
                "Annual care insurance premium",
                "yen",
            ),
        ),
        latest_item="certification_starts_on",
    ),
    Category(
        tm_code="TM06010000000001",
        field=_EMPLOYMENT,
        name="雇用",
        display_name="雇用保険関係情報",
        name_en="Employment insurance",
        servers=("hellowork",),
        items=(
            Item(
                "insured_since",
                "雇用保険被保険者資格取得年月日",
                "Date employment insurance coverage began",
                "date",
            ),
            Item("employer_name", "事業所名", "Employer", "text"),
            Item(
                "basic_allowance_daily", "基本手当日額", "Daily basic allowance", "yen"
            ),
            Item("benefit_days", "所定給付日数", "Prescribed benefit days", "count"),
        ),
        latest_item="insured_since",
    ),
    Category(
        tm_code="TM06020000000001",
        field=_EMPLOYMENT,
        name="労災補償",
        display_name="労災補償関係情報",
        name_en="Workers' accident compensation",
        servers=("labour-standards", "chikousai-hosho"),
        items=(
            Item("benefit_type", "給付の種類", "Type of benefit", "text"),
            Item("decided_on", "支給決定年月日", "Date of decision", "date"),
            Item("benefit_amount", "支給額", "Amount paid", "yen"),
        ),
        latest_item="decided_on",
    ),
    Category(
        tm_code="TM07010000000001",
        field=_PENSION,
        name="年金・日本年金機構関係",
        display_name="年金関係情報",
        name_en="Pensions and Japan Pension Service",
        servers=(
            "pension-service",
            "municipal",
            "chikousai-hosho",
            "chikyosai",
            "kokkyosai",
            "shigaku-kyosai",
        ),
        items=(
            Item("pension_type", "年金種別", "Type of pension", "text"),
            Item("annual_amount", "年金額", "Annual pension amount", "yen"),
            # A year-month, carried as the first day of the month.
            Item(
                "payment_start_month", "支給開始年月", "Payments start (month)", "date"
            ),
            Item("contribution_months", "加入期間月数", "Months of coverage", "count"),
        ),
        latest_item="payment_start_month",
    ),
)


def _index(categories: Iterable[Category]) -> dict[str, Category]:
    index: dict[str, Category] = {}
    for entry in categories:
        if entry.tm_code in index:
            raise ValueError(f"duplicate TM code {entry.tm_code}")
        index[entry.tm_code] = entry
    return index


CATEGORIES: dict[str, Category] = _index(_CATEGORY_LIST)
"""Every category, by TM code, in the order of 表2.5-5."""

LOCAL_TAX: Category = CATEGORIES[LOCAL_TAX_TM_CODE]
"""地方税関係情報: the income record the bank's form is filled from."""


def category(tm_code: str) -> Category:
    """Return the category of a TM code; KeyError when it is not in the catalog."""
    try:
        return CATEGORIES[tm_code]
    except KeyError:
        shape = "" if is_tm_code(tm_code) else " (not 'TM' + 14 digits)"
        raise KeyError(f"unknown TM code {tm_code!r}{shape}") from None


def _codes(tm_codes: Iterable[str]) -> tuple[str, ...]:
    # A lone string is an Iterable[str] too; iterating it would yield characters.
    if isinstance(tm_codes, str):
        raise TypeError("expected an iterable of TM codes, not a single string")
    return tuple(tm_codes)


def servers_needed(tm_codes: Iterable[str]) -> tuple[str, ...]:
    """Servers that must all be operating to retrieve these categories now.

    COMMON_SERVERS plus every server holding one of the categories, each once, in
    the order of SERVERS (so the answer does not depend on the order of tm_codes).
    Unknown TM codes raise KeyError.
    """
    needed = set(COMMON_SERVERS)
    for tm_code in _codes(tm_codes):
        needed.update(category(tm_code).servers)
    return tuple(code for code in SERVERS if code in needed)


# --------------------------------------------------------------------------
# Query conditions (表2.6-1)
# --------------------------------------------------------------------------

INVALID_CONDITION = "invalid_condition"
LATEST_NOT_SUPPORTED = "latest_not_supported"

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class QueryConditionError(ValueError):
    """A query condition that is malformed or cannot be used for the request.

    code is a stable, machine-readable reason: INVALID_CONDITION or
    LATEST_NOT_SUPPORTED.
    """

    def __init__(self, message: str, *, code: str = INVALID_CONDITION) -> None:
        super().__init__(message)
        self.code = code


class QueryMode(StrEnum):
    """照会方法 of 表2.6-1."""

    AS_OF = "as_of"  # 時点指定: the information valid on one date
    RANGE = "range"  # 範囲指定: all the information of a period
    LATEST = "latest"  # 最新情報指定: the latest information at request time

    @property
    def label(self) -> str:
        """The guideline's Japanese term."""
        return _MODE_LABELS[self]


_MODE_LABELS: Mapping[QueryMode, str] = {
    QueryMode.AS_OF: "時点指定",
    QueryMode.RANGE: "範囲指定",
    QueryMode.LATEST: "最新情報指定",
}

_MODES = frozenset(mode.value for mode in QueryMode)

_DATE_FIELDS = ("as_of", "date_from", "date_to")

# The date fields each mode takes.
_FIELDS: Mapping[QueryMode, frozenset[str]] = {
    QueryMode.AS_OF: frozenset({"as_of"}),
    QueryMode.RANGE: frozenset({"date_from", "date_to"}),
    QueryMode.LATEST: frozenset(),
}

# The keys of each mode's JSON form, "mode" included.
_JSON_KEYS: Mapping[QueryMode, frozenset[str]] = {
    QueryMode.AS_OF: frozenset({"mode", "as_of"}),
    QueryMode.RANGE: frozenset({"mode", "from", "to"}),
    QueryMode.LATEST: frozenset({"mode"}),
}


def _is_plain_date(value: object) -> bool:
    # datetime is a subclass of date, but would not survive to_json/from_json.
    return isinstance(value, date) and not isinstance(value, datetime)


def _parse_date(data: Mapping[str, object], key: str) -> date:
    value = data[key]
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        raise QueryConditionError(f"{key!r} must be a date as 'YYYY-MM-DD'")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise QueryConditionError(f"{key!r} is not a valid date: {value!r}") from None


@dataclass(frozen=True)
class QueryCondition:
    """A query condition; the constructor rejects inconsistent combinations.

    AS_OF needs as_of only; RANGE needs date_from and date_to (date_from <=
    date_to, both inclusive) only; LATEST needs none of the dates.
    """

    mode: QueryMode
    as_of: date | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.mode, QueryMode):
            raise QueryConditionError(f"unknown query mode {self.mode!r}")
        for name in _DATE_FIELDS:
            value = getattr(self, name)
            if value is not None and not _is_plain_date(value):
                raise QueryConditionError(f"{name} must be a date, not {value!r}")
        given = {name for name in _DATE_FIELDS if getattr(self, name) is not None}
        expected = _FIELDS[self.mode]
        if given != expected:
            wanted = ", ".join(sorted(expected)) or "no dates"
            raise QueryConditionError(f"mode {self.mode.value!r} takes {wanted}")
        if (
            self.date_from is not None
            and self.date_to is not None
            and self.date_from > self.date_to
        ):
            raise QueryConditionError(
                f"range starts after it ends: {self.date_from} > {self.date_to}"
            )

    def to_json(self) -> dict[str, str]:
        """Return the JSON form, dates as 'YYYY-MM-DD'.

        {"mode": "as_of", "as_of": ...}, {"mode": "range", "from": ..., "to": ...}
        or {"mode": "latest"}.
        """
        data = {"mode": self.mode.value}
        if self.as_of is not None:
            data["as_of"] = self.as_of.isoformat()
        if self.date_from is not None:
            data["from"] = self.date_from.isoformat()
        if self.date_to is not None:
            data["to"] = self.date_to.isoformat()
        return data

    @classmethod
    def from_json(cls, data: object) -> QueryCondition:
        """Parse the JSON form strictly; QueryConditionError on any deviation."""
        if not isinstance(data, dict):
            raise QueryConditionError("a query condition must be a JSON object")
        mode_value = data.get("mode")
        if not isinstance(mode_value, str) or mode_value not in _MODES:
            raise QueryConditionError(f"unknown query mode {mode_value!r}")
        mode = QueryMode(mode_value)
        expected = _JSON_KEYS[mode]
        if set(data) != expected:
            missing = sorted(expected - set(data))
            extra = sorted(map(repr, set(data) - expected))
            raise QueryConditionError(
                f"mode {mode.value!r}: missing keys {missing}, unexpected keys {extra}"
            )
        if mode is QueryMode.AS_OF:
            return cls(mode, as_of=_parse_date(data, "as_of"))
        if mode is QueryMode.RANGE:
            return cls(
                mode,
                date_from=_parse_date(data, "from"),
                date_to=_parse_date(data, "to"),
            )
        return cls(mode)


def check_condition(condition: QueryCondition, tm_codes: Iterable[str]) -> None:
    """Check that the condition can be used for every requested category.

    最新情報指定 is only available for categories with an item carrying a period
    or date (表2.6-1 ※); otherwise QueryConditionError with code
    LATEST_NOT_SUPPORTED. Unknown TM codes raise KeyError.
    """
    categories = [category(tm_code) for tm_code in _codes(tm_codes)]
    if condition.mode is not QueryMode.LATEST:
        return
    unsupported = [entry for entry in categories if entry.latest_item is None]
    if unsupported:
        names = ", ".join(f"{entry.tm_code} ({entry.name})" for entry in unsupported)
        raise QueryConditionError(
            f"latest_not_supported: 最新情報指定 is not available for {names}",
            code=LATEST_NOT_SUPPORTED,
        )
