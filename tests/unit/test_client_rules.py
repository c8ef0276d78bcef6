"""Small rules of the bank's client: return paths, sealing, result shapes."""

import pytest

from mynaportal import catalog
from mynaportal.client import authorization, sealing
from mynaportal.client.verify import VerificationError, checked_personal_data


@pytest.mark.parametrize(
    "candidate",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_foreign_return_addresses_are_ignored(candidate: str) -> None:
    assert authorization.safe_return_path(candidate, "/loans/apply/") == "/loans/apply/"


def test_a_local_return_path_is_kept() -> None:
    assert authorization.safe_return_path("/loans/apply/", "/") == "/loans/apply/"


def test_sealed_values_open_and_do_not_show_the_plaintext() -> None:
    sealed = sealing.seal("refresh-token-value")

    assert "refresh-token-value" not in sealed
    assert sealing.unseal(sealed) == "refresh-token-value"


def test_a_tampered_sealed_value_does_not_open() -> None:
    sealed = sealing.seal("value")

    with pytest.raises(sealing.UnsealError):
        sealing.unseal(sealed[:-4] + "AAAA")


def entry(items: dict[str, object], **extra: object) -> list[dict[str, object]]:
    return [
        {
            "tm_code": catalog.LOCAL_TAX_TM_CODE,
            "name": "地方税関係情報",
            "provider": "東京都千代田区",
            "records": [{"valid_from": "2026-06-01", "valid_to": None, "items": items}],
            **extra,
        }
    ]


def test_a_twelve_digit_value_is_dropped_before_use() -> None:
    data = entry({"taxable_year": 2026, "salary_revenue": 123456789012})

    checked = checked_personal_data(data, [catalog.LOCAL_TAX_TM_CODE])

    assert checked[0]["records"][0]["items"] == {"taxable_year": 2026}


@pytest.mark.parametrize(
    "data",
    [
        entry({"taxable_year": 2026}, unexpected="field"),
        entry({"taxable_year": 2026, "unknown_item": 1}),
        entry({"taxable_year": "2026"}),
        entry({"salary_revenue": True}),
        [],
        "not a list",
    ],
)
def test_a_result_of_the_wrong_shape_is_rejected(data: object) -> None:
    with pytest.raises(VerificationError):
        checked_personal_data(data, [catalog.LOCAL_TAX_TM_CODE])


def test_a_result_for_unrequested_information_is_rejected() -> None:
    data = entry({"taxable_year": 2026})

    with pytest.raises(VerificationError):
        checked_personal_data(data, ["TM01010000000001"])
