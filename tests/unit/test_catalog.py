"""Tests of mynaportal.catalog: servers, categories, TM codes, query conditions."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mynaportal.catalog import (
    CATEGORIES,
    COMMON_SERVERS,
    ITEM_KINDS,
    LOCAL_TAX,
    LOCAL_TAX_TM_CODE,
    SERVERS,
    Category,
    QueryCondition,
    QueryConditionError,
    QueryMode,
    category,
    check_condition,
    is_tm_code,
    servers_needed,
)

PENSION_HOLDERS = (
    "pension-service",
    "municipal",
    "chikousai-hosho",
    "chikyosai",
    "kokkyosai",
    "shigaku-kyosai",
)


def by_name(name: str) -> Category:
    (found,) = [entry for entry in CATEGORIES.values() if entry.name == name]
    return found


# --------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------


def test_servers_have_the_exact_codes_in_table_order() -> None:
    assert tuple(SERVERS) == (
        "myna-portal",
        "info-network",
        "juki-net",
        "municipal",
        "chikousai-hosho",
        "hellowork",
        "medical-insurers",
        "chikyosai",
        "kokkyosai",
        "shigaku-kyosai",
        "labour-standards",
        "pension-service",
        "public-funds-account",
    )
    assert len(SERVERS) == 13


def test_server_keys_match_their_codes() -> None:
    for code, server in SERVERS.items():
        assert server.code == code
        assert server.name
        assert server.name_en


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("myna-portal", "マイナポータル"),
        ("municipal", "自治体中間サーバ"),
        ("hellowork", "職業安定局（ハローワーク）中間サーバ"),
        ("shigaku-kyosai", "日本私立学校振興・共済事業団（長期）中間サーバ"),
        ("public-funds-account", "口座情報登録・連携システム中間サーバ"),
    ],
)
def test_server_names(code: str, name: str) -> None:
    assert SERVERS[code].name == name


def test_common_servers() -> None:
    assert COMMON_SERVERS == ("myna-portal", "info-network", "juki-net")


# --------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------


def test_categories_follow_table_2_5_5() -> None:
    assert [entry.name for entry in CATEGORIES.values()] == [
        "世帯",
        "地方税",
        "公金受取口座",
        "医療保険",
        "予防接種",
        "健康・医療その他",
        "子ども・子育て支援",
        "母子家庭等関係",
        "母子保健",
        "教育・就学支援",
        "子ども・子育てその他",
        "障害保健福祉",
        "生活保護・福祉一般",
        "中国残留邦人等支援",
        "介護・高齢者福祉",
        "雇用",
        "労災補償",
        "年金・日本年金機構関係",
    ]


def test_tm_codes_are_unique_and_well_formed() -> None:
    codes = [entry.tm_code for entry in CATEGORIES.values()]
    assert len(set(codes)) == len(codes)
    assert list(CATEGORIES) == codes
    for code in codes:
        assert is_tm_code(code), code


def test_every_category_server_exists() -> None:
    for entry in CATEGORIES.values():
        assert entry.servers, entry.name
        for code in entry.servers:
            assert code in SERVERS, (entry.name, code)


def test_items_are_well_formed() -> None:
    for entry in CATEGORIES.values():
        keys = [item.key for item in entry.items]
        assert len(keys) >= 3, entry.name
        assert len(set(keys)) == len(keys), entry.name
        for item in entry.items:
            assert item.kind in ITEM_KINDS
            assert item.key.isidentifier() and item.key == item.key.lower()
            assert item.label and item.label_en
        if entry.latest_item is not None:
            assert entry.item(entry.latest_item).kind in ("year", "date")


def test_some_category_has_no_latest_item() -> None:
    assert any(entry.latest_item is None for entry in CATEGORIES.values())


@pytest.mark.parametrize(
    ("name", "servers"),
    [
        ("世帯", ("municipal",)),
        ("地方税", ("municipal",)),
        ("公金受取口座", ("public-funds-account",)),
        ("医療保険", ("medical-insurers", "municipal")),
        ("予防接種", ("municipal",)),
        ("健康・医療その他", ("medical-insurers", "municipal", "chikousai-hosho")),
        ("子ども・子育て支援", ("municipal",)),
        ("母子家庭等関係", ("municipal",)),
        ("母子保健", ("municipal",)),
        ("教育・就学支援", ("municipal",)),
        ("子ども・子育てその他", ("municipal",)),
        ("障害保健福祉", ("municipal",)),
        ("生活保護・福祉一般", ("municipal", "pension-service")),
        ("中国残留邦人等支援", ("municipal",)),
        ("介護・高齢者福祉", ("municipal",)),
        ("雇用", ("hellowork",)),
        ("労災補償", ("labour-standards", "chikousai-hosho")),
        ("年金・日本年金機構関係", PENSION_HOLDERS),
    ],
)
def test_category_holders(name: str, servers: tuple[str, ...]) -> None:
    assert by_name(name).servers == servers


def test_local_tax() -> None:
    assert category(LOCAL_TAX_TM_CODE) is LOCAL_TAX
    assert LOCAL_TAX.name == "地方税"
    assert LOCAL_TAX.display_name == "地方税関係情報"
    assert LOCAL_TAX.field == "税・所得・口座情報"
    assert LOCAL_TAX.servers == ("municipal",)
    assert LOCAL_TAX.latest_item == "taxable_year"
    keys = [item.key for item in LOCAL_TAX.items]
    assert keys[0] == "taxable_year"
    for key in ("salary_revenue", "public_pension_revenue", "business_income"):
        assert key in keys


def test_local_tax_items_in_display_order() -> None:
    assert [(item.key, item.label, item.kind) for item in LOCAL_TAX.items] == [
        ("taxable_year", "課税年度", "year"),
        ("total_income_etc", "総所得金額等", "yen"),
        ("total_income", "合計所得金額", "yen"),
        ("salary_revenue", "給与収入額", "yen"),
        ("salary_income", "給与所得額", "yen"),
        ("public_pension_revenue", "公的年金等収入額", "yen"),
        ("public_pension_income", "公的年金等所得額", "yen"),
        ("business_income", "事業所得額", "yen"),
        ("real_estate_income", "不動産所得額", "yen"),
        ("dividend_income", "配当所得額", "yen"),
        ("miscellaneous_income", "雑所得額", "yen"),
        ("total_deductions", "所得控除額合計", "yen"),
        ("taxable_base", "課税標準額", "yen"),
        ("municipal_income_levy", "市町村民税所得割額", "yen"),
        ("prefectural_income_levy", "道府県民税所得割額", "yen"),
        ("municipal_per_capita_levy", "市町村民税均等割額", "yen"),
        ("prefectural_per_capita_levy", "道府県民税均等割額", "yen"),
        ("dependents", "扶養親族数", "count"),
    ]


def test_category_item_lookup() -> None:
    assert LOCAL_TAX.item("salary_revenue").label == "給与収入額"
    with pytest.raises(KeyError, match="no_such_item"):
        LOCAL_TAX.item("no_such_item")


@pytest.mark.parametrize("code", ["TM99999999999999", "XX", ""])
def test_category_unknown_code(code: str) -> None:
    with pytest.raises(KeyError, match="unknown TM code"):
        category(code)


# --------------------------------------------------------------------------
# TM codes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("TM02010000000001", True),
        ("TM00000000000000", True),
        ("TM0201000000001", False),  # 13 digits
        ("TM020100000000011", False),  # 15 digits
        ("tm02010000000001", False),
        ("TM0201000000000a", False),
        ("TM０２０１００００００００００１", False),  # full-width digits
        ("TM02010000000001\n", False),
        (" TM02010000000001", False),
        ("", False),
        (None, False),
        (2010000000001, False),
    ],
)
def test_is_tm_code(value: object, expected: bool) -> None:
    assert is_tm_code(value) is expected


# --------------------------------------------------------------------------
# Servers needed
# --------------------------------------------------------------------------


def test_servers_needed_for_local_tax() -> None:
    assert servers_needed([LOCAL_TAX_TM_CODE]) == (
        "myna-portal",
        "info-network",
        "juki-net",
        "municipal",
    )


def test_servers_needed_for_nothing_is_the_common_servers() -> None:
    assert servers_needed([]) == COMMON_SERVERS


def test_servers_needed_for_pension() -> None:
    pension = by_name("年金・日本年金機構関係")
    needed = servers_needed([pension.tm_code])
    assert len(set(needed)) == len(needed)
    assert needed[:3] == COMMON_SERVERS
    assert set(needed) == set(COMMON_SERVERS) | set(PENSION_HOLDERS)
    assert len(needed) == 9


def test_servers_needed_merges_and_keeps_table_order() -> None:
    codes = [
        by_name("雇用").tm_code,
        LOCAL_TAX_TM_CODE,
        by_name("公金受取口座").tm_code,
        LOCAL_TAX_TM_CODE,
    ]
    expected = (
        "myna-portal",
        "info-network",
        "juki-net",
        "municipal",
        "hellowork",
        "public-funds-account",
    )
    assert servers_needed(codes) == expected
    assert servers_needed(reversed(codes)) == expected
    assert servers_needed(iter(codes)) == expected


def test_servers_needed_rejects_unknown_codes_and_bare_strings() -> None:
    with pytest.raises(KeyError, match="unknown TM code"):
        servers_needed(["TM99999999999999"])
    with pytest.raises(TypeError):
        servers_needed(LOCAL_TAX_TM_CODE)


# --------------------------------------------------------------------------
# Query conditions
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "data"),
    [
        (
            QueryCondition(QueryMode.AS_OF, as_of=date(2024, 4, 1)),
            {"mode": "as_of", "as_of": "2024-04-01"},
        ),
        (
            QueryCondition(
                QueryMode.RANGE, date_from=date(2024, 1, 1), date_to=date(2024, 3, 31)
            ),
            {"mode": "range", "from": "2024-01-01", "to": "2024-03-31"},
        ),
        (
            QueryCondition(
                QueryMode.RANGE, date_from=date(2024, 2, 29), date_to=date(2024, 2, 29)
            ),
            {"mode": "range", "from": "2024-02-29", "to": "2024-02-29"},
        ),
        (QueryCondition(QueryMode.LATEST), {"mode": "latest"}),
    ],
)
def test_condition_round_trip(condition: QueryCondition, data: dict[str, str]) -> None:
    assert condition.to_json() == data
    assert QueryCondition.from_json(data) == condition
    assert QueryCondition.from_json(condition.to_json()) == condition


def test_query_modes() -> None:
    assert [(mode.value, mode.label) for mode in QueryMode] == [
        ("as_of", "時点指定"),
        ("range", "範囲指定"),
        ("latest", "最新情報指定"),
    ]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "latest",
        ["mode", "latest"],
        {},
        {"mode": "LATEST"},
        {"mode": "now"},
        {"mode": None},
        {"mode": 1},
        {"mode": "latest", "as_of": "2024-04-01"},
        {"mode": "as_of"},
        {"mode": "as_of", "as_of": "2024-04-01", "to": "2024-04-02"},
        {"mode": "as_of", "as_of": None},
        {"mode": "as_of", "as_of": 20240401},
        {"mode": "as_of", "as_of": "20240401"},
        {"mode": "as_of", "as_of": "2024-4-1"},
        {"mode": "as_of", "as_of": "2024-02-30"},
        {"mode": "as_of", "as_of": "2024-13-01"},
        {"mode": "as_of", "as_of": "2024-W14-1"},
        {"mode": "as_of", "as_of": "2024-04-01T00:00:00"},
        {"mode": "as_of", "as_of": "2024-04-01 "},
        {"mode": "as_of", "as_of": "２０２４-04-01"},
        {"mode": "range", "from": "2024-01-01"},
        {"mode": "range", "to": "2024-01-01"},
        {"mode": "range", "from": "2024-01-01", "to": "2024-03-31", "x": "1"},
        {"mode": "range", "date_from": "2024-01-01", "date_to": "2024-03-31"},
        {"mode": "range", "from": "2024-04-01", "to": "2024-03-31"},
        {"mode": "range", "from": "2024-01-01", "to": ""},
        {"mode": "range", "from": "2024-01-01", "to": 0},
        {"mode": "latest", 1: "x"},
    ],
)
def test_from_json_rejects_bad_input(data: object) -> None:
    with pytest.raises(QueryConditionError) as caught:
        QueryCondition.from_json(data)
    assert caught.value.code == "invalid_condition"
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": QueryMode.AS_OF},
        {"mode": QueryMode.AS_OF, "as_of": date(2024, 4, 1), "date_to": date.max},
        {"mode": QueryMode.AS_OF, "as_of": datetime(2024, 4, 1, 12, 0)},
        {"mode": QueryMode.RANGE, "date_from": date(2024, 4, 1)},
        {"mode": QueryMode.RANGE, "date_from": date(2024, 4, 2), "date_to": date.min},
        {"mode": QueryMode.LATEST, "as_of": date(2024, 4, 1)},
        {"mode": "latest"},
    ],
)
def test_constructor_rejects_inconsistent_conditions(kwargs: dict[str, object]) -> None:
    with pytest.raises(QueryConditionError) as caught:
        QueryCondition(**kwargs)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_condition"


def test_check_condition_latest_needs_a_latest_item() -> None:
    household = by_name("世帯")
    assert household.latest_item is None
    latest = QueryCondition(QueryMode.LATEST)
    with pytest.raises(QueryConditionError) as caught:
        check_condition(latest, [LOCAL_TAX_TM_CODE, household.tm_code])
    assert caught.value.code == "latest_not_supported"
    assert household.tm_code in str(caught.value)
    assert LOCAL_TAX_TM_CODE not in str(caught.value)


def test_check_condition_accepts_supported_requests() -> None:
    household = by_name("世帯")
    check_condition(QueryCondition(QueryMode.LATEST), [LOCAL_TAX_TM_CODE])
    as_of = QueryCondition(QueryMode.AS_OF, as_of=date(2024, 4, 1))
    check_condition(as_of, [LOCAL_TAX_TM_CODE, household.tm_code])
    check_condition(QueryCondition(QueryMode.LATEST), [])


def test_check_condition_rejects_unknown_codes() -> None:
    with pytest.raises(KeyError, match="unknown TM code"):
        check_condition(QueryCondition(QueryMode.LATEST), ["TM99999999999999"])
