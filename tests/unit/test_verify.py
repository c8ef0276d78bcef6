"""The bank's checks on ID tokens and results (SECURITY R15–R22, R20)."""

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwe, jwt
from joserfc.jwk import ECKey, KeySet, OctKey
from pytest_django.fixtures import Settings

from mynaportal import catalog
from mynaportal.client.keys import generate_client_keys, public_jwks
from mynaportal.client.verify import VerificationError, open_result, verify_id_token

ISSUER = "https://portal.example"
CLIENT_ID = "SP12345678_AB1234"
NONCE = "nonce-value-123456"


class FakeSession:
    """Stands in for the portal seam: only its JWKS is used here."""

    def __init__(self, *keys: ECKey) -> None:
        self.published = KeySet(list(keys))
        self.fetches = 0

    def jwks(self, *, refresh: bool = False) -> KeySet:
        self.fetches += 1
        return self.published


@pytest.fixture
def portal_key() -> ECKey:
    return ECKey.generate_key("P-256", parameters={"use": "sig"}, auto_kid=True)


@pytest.fixture
def bank_keys(settings: Settings, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "client.jwks.json"
    generate_client_keys(path)
    settings.MYNAPORTAL_CLIENT_KEYS_FILE = str(path)
    settings.MYNAPORTAL_ISSUER = ISSUER
    settings.MYNAPORTAL_CLIENT_ID = CLIENT_ID
    return public_jwks()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "pairwise-subject",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
    }
    return {name: value for name, value in {**base, **changes}.items() if value != ...}


def b64(value: dict[str, Any]) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(key: ECKey, body: dict[str, Any], **header: Any) -> str:
    return jwt.encode({"alg": "ES256", "kid": key.kid, **header}, body, key)


def test_a_good_id_token_gives_its_subject(portal_key: ECKey, bank_keys: Any) -> None:
    token = signed(portal_key, claims())

    assert verify_id_token(FakeSession(portal_key), token, NONCE) == "pairwise-subject"


def test_aud_as_a_one_element_list_is_accepted(
    portal_key: ECKey, bank_keys: Any
) -> None:
    token = signed(portal_key, claims(aud=[CLIENT_ID]))

    assert verify_id_token(FakeSession(portal_key), token, NONCE) == "pairwise-subject"


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://evil.example"},
        {"iss": ...},
        {"aud": "SP00000000_XX0000"},
        {"aud": [CLIENT_ID, "another"]},
        {"exp": int(time.time()) - 3600},
        {"exp": ...},
        {"iat": int(time.time()) + 3600},
        {"nonce": "another-nonce"},
        {"nonce": ...},
        {"sub": ...},
    ],
)
def test_an_id_token_with_a_bad_claim_is_rejected(
    portal_key: ECKey, bank_keys: Any, changes: dict[str, Any]
) -> None:
    token = signed(portal_key, claims(**changes))

    with pytest.raises(VerificationError):
        verify_id_token(FakeSession(portal_key), token, NONCE)


def test_alg_none_is_rejected(portal_key: ECKey, bank_keys: Any) -> None:
    header = {"alg": "none", "kid": portal_key.kid}
    unsigned = ".".join([b64(header), b64(claims()), ""])

    with pytest.raises(VerificationError):
        verify_id_token(FakeSession(portal_key), unsigned, NONCE)


def test_hs256_signed_with_the_public_key_is_rejected(
    portal_key: ECKey, bank_keys: Any
) -> None:
    public = json.dumps(portal_key.as_dict(private=False)).encode()
    forged = jwt.encode(
        {"alg": "HS256", "kid": portal_key.kid},
        claims(),
        OctKey.import_key(public),
        algorithms=["HS256"],
    )

    with pytest.raises(VerificationError):
        verify_id_token(FakeSession(portal_key), forged, NONCE)


def test_a_tampered_signature_is_rejected(portal_key: ECKey, bank_keys: Any) -> None:
    head, body, signature = signed(portal_key, claims()).split(".")
    tampered = f"{head}.{body}.{signature[:-4]}AAAA"

    with pytest.raises(VerificationError):
        verify_id_token(FakeSession(portal_key), tampered, NONCE)


def test_an_unknown_kid_refetches_the_jwks_once_then_fails(
    portal_key: ECKey, bank_keys: Any
) -> None:
    stranger = ECKey.generate_key("P-256", auto_kid=True)
    session = FakeSession(portal_key)

    with pytest.raises(VerificationError):
        verify_id_token(session, signed(stranger, claims()), NONCE)
    assert session.fetches == 2


def test_an_embedded_jwk_header_is_not_trusted(
    portal_key: ECKey, bank_keys: Any
) -> None:
    attacker = ECKey.generate_key("P-256", auto_kid=True)
    token = jwt.encode(
        {"alg": "ES256", "kid": portal_key.kid, "jwk": attacker.as_dict(private=False)},
        claims(),
        attacker,
    )

    with pytest.raises(VerificationError):
        verify_id_token(FakeSession(portal_key), token, NONCE)


def sealed_result(portal_key: ECKey, bank_jwks: dict[str, Any], **changes: Any) -> str:
    body = claims(
        nonce=...,
        process_id="p1",
        selfPersonalData=[
            {
                "tm_code": catalog.LOCAL_TAX_TM_CODE,
                "name": "地方税関係情報",
                "provider": "東京都千代田区",
                "records": [
                    {
                        "valid_from": "2026-06-01",
                        "valid_to": None,
                        "items": {"taxable_year": 2026, "salary_revenue": 5_670_000},
                    }
                ],
            }
        ],
        **changes,
    )
    encryption = next(k for k in bank_jwks["keys"] if k["use"] == "enc")
    key = ECKey.import_key(encryption)
    return jwe.encrypt_compact(
        {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": key.kid},
        signed(portal_key, body),
        key,
    )


def test_a_good_result_opens(portal_key: ECKey, bank_keys: dict[str, Any]) -> None:
    data = open_result(
        FakeSession(portal_key),
        sealed_result(portal_key, bank_keys),
        subject="pairwise-subject",
        tm_codes=[catalog.LOCAL_TAX_TM_CODE],
    )

    assert data[0]["records"][0]["items"]["salary_revenue"] == 5_670_000


def test_a_result_for_another_person_is_rejected(
    portal_key: ECKey, bank_keys: dict[str, Any]
) -> None:
    with pytest.raises(VerificationError, match="result_other_person"):
        open_result(
            FakeSession(portal_key),
            sealed_result(portal_key, bank_keys, sub="someone-else"),
            subject="pairwise-subject",
            tm_codes=[catalog.LOCAL_TAX_TM_CODE],
        )


def test_a_tampered_result_does_not_decrypt(
    portal_key: ECKey, bank_keys: dict[str, Any]
) -> None:
    parts = sealed_result(portal_key, bank_keys).split(".")
    parts[3] = parts[3][:-4] + "AAAA"

    with pytest.raises(VerificationError, match="result_decryption"):
        open_result(
            FakeSession(portal_key),
            ".".join(parts),
            subject="pairwise-subject",
            tm_codes=[catalog.LOCAL_TAX_TM_CODE],
        )
