"""Tests for the simulated JPKI CA, card certificates and challenge signatures."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mynaportal.simulator import jpki
from mynaportal.simulator.jpki import CardVerificationError, IssuedCertificate

NOW = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
CARD_NOT_BEFORE = NOW
CARD_NOT_AFTER = NOW + timedelta(days=5 * 365)
HOLDER_REFERENCE = "card-7f3a9c2e"
HOLDER_NAME = "Yamada Taro"


@pytest.fixture(scope="module")
def ca() -> IssuedCertificate:
    return jpki.create_demo_ca(now=NOW - timedelta(days=1))


@pytest.fixture(scope="module")
def card(ca: IssuedCertificate) -> IssuedCertificate:
    return _issue(ca)


@pytest.fixture(scope="module")
def other_card(ca: IssuedCertificate) -> IssuedCertificate:
    return _issue(ca)


@pytest.fixture(scope="module")
def same_name_ca() -> IssuedCertificate:
    return jpki.create_demo_ca(now=NOW - timedelta(days=1))


@pytest.fixture(scope="module")
def other_name_ca() -> IssuedCertificate:
    return jpki.create_demo_ca(now=NOW - timedelta(days=1), common_name="Other CA")


def _issue(ca: IssuedCertificate) -> IssuedCertificate:
    return jpki.issue_card_certificate(
        ca,
        holder_reference=HOLDER_REFERENCE,
        not_before=CARD_NOT_BEFORE,
        not_after=CARD_NOT_AFTER,
    )


def _verify(
    ca: IssuedCertificate,
    card: IssuedCertificate,
    *,
    challenge: bytes = b"challenge",
    signature: bytes | None = None,
    at: datetime = NOW + timedelta(days=30),
    revoked_serials: frozenset[int] = frozenset(),
) -> int:
    if signature is None:
        signature = jpki.sign_challenge(card.key_pem, b"challenge")

    return jpki.verify_card_signature(
        ca_certificate_pem=ca.certificate_pem,
        card_certificate_pem=card.certificate_pem,
        challenge=challenge,
        signature=signature,
        at=at,
        revoked_serials=revoked_serials,
    )


def _error_code(verification: Callable[[], object]) -> str:
    with pytest.raises(CardVerificationError) as caught:
        verification()

    return caught.value.code


def test_fresh_card_verifies_and_returns_its_serial(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    serial = _verify(ca, card)

    assert serial == card.serial_number
    assert (
        serial
        == x509.load_pem_x509_certificate(card.certificate_pem.encode()).serial_number
    )


def test_verifies_with_a_fresh_random_challenge(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    challenge = jpki.new_challenge()
    signature = jpki.sign_challenge(card.key_pem, challenge)

    assert _verify(ca, card, challenge=challenge, signature=signature) == (
        card.serial_number
    )


def test_wrong_challenge_is_a_bad_signature(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    assert (
        _error_code(lambda: _verify(ca, card, challenge=b"another challenge"))
        == "bad_signature"
    )


def test_signature_by_another_cards_key_is_a_bad_signature(
    ca: IssuedCertificate, card: IssuedCertificate, other_card: IssuedCertificate
) -> None:
    signature = jpki.sign_challenge(other_card.key_pem, b"challenge")

    assert (
        _error_code(lambda: _verify(ca, card, signature=signature)) == "bad_signature"
    )


def test_garbage_signature_is_a_bad_signature(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    assert _error_code(lambda: _verify(ca, card, signature=b"")) == "bad_signature"
    assert (
        _error_code(lambda: _verify(ca, card, signature=b"\x00" * 256))
        == "bad_signature"
    )


def test_card_from_a_ca_with_the_same_name_is_untrusted(
    same_name_ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    assert _error_code(lambda: _verify(same_name_ca, card)) == "untrusted_certificate"


def test_card_from_a_differently_named_ca_is_untrusted(
    ca: IssuedCertificate, other_name_ca: IssuedCertificate
) -> None:
    foreign_card = _issue(other_name_ca)

    assert _error_code(lambda: _verify(ca, foreign_card)) == "untrusted_certificate"


def test_before_not_before_is_not_yet_valid(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    at = CARD_NOT_BEFORE - timedelta(seconds=1)

    assert _error_code(lambda: _verify(ca, card, at=at)) == "not_yet_valid"


def test_validity_bounds_are_inclusive(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    assert _verify(ca, card, at=CARD_NOT_BEFORE) == card.serial_number
    assert _verify(ca, card, at=CARD_NOT_AFTER) == card.serial_number


def test_after_not_after_is_expired(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    at = CARD_NOT_AFTER + timedelta(seconds=1)

    assert _error_code(lambda: _verify(ca, card, at=at)) == "expired"


def test_revoked_serial_is_revoked(
    ca: IssuedCertificate, card: IssuedCertificate, other_card: IssuedCertificate
) -> None:
    revoked = frozenset({card.serial_number})

    assert _error_code(lambda: _verify(ca, card, revoked_serials=revoked)) == "revoked"
    assert _verify(ca, other_card, revoked_serials=revoked) == (
        other_card.serial_number
    )


def test_expiry_is_checked_before_revocation(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    at = CARD_NOT_AFTER + timedelta(days=1)
    revoked = frozenset({card.serial_number})

    assert (
        _error_code(lambda: _verify(ca, card, at=at, revoked_serials=revoked))
        == "expired"
    )


def test_revocation_is_checked_before_the_signature(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    revoked = frozenset({card.serial_number})

    assert (
        _error_code(lambda: _verify(ca, card, signature=b"", revoked_serials=revoked))
        == "revoked"
    )


def test_garbage_card_pem_is_untrusted(ca: IssuedCertificate) -> None:
    with pytest.raises(CardVerificationError) as caught:
        jpki.verify_card_signature(
            ca_certificate_pem=ca.certificate_pem,
            card_certificate_pem="-----BEGIN CERTIFICATE-----\nnot a cert\n",
            challenge=b"challenge",
            signature=b"signature",
            at=NOW,
        )

    assert caught.value.code == "untrusted_certificate"


def test_garbage_ca_pem_is_untrusted(card: IssuedCertificate) -> None:
    with pytest.raises(CardVerificationError) as caught:
        jpki.verify_card_signature(
            ca_certificate_pem="garbage",
            card_certificate_pem=card.certificate_pem,
            challenge=b"challenge",
            signature=b"signature",
            at=NOW,
        )

    assert caught.value.code == "untrusted_certificate"


def test_card_subject_is_the_opaque_reference_not_the_name(
    card: IssuedCertificate,
) -> None:
    certificate = x509.load_pem_x509_certificate(card.certificate_pem.encode())
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)

    assert [attribute.value for attribute in common_names] == [HOLDER_REFERENCE]
    assert HOLDER_NAME not in certificate.subject.rfc4514_string()
    assert len(certificate.subject) == 1


def test_card_certificate_extensions(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    certificate = x509.load_pem_x509_certificate(card.certificate_pem.encode())
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
    extensions = certificate.extensions
    key_usage = extensions.get_extension_for_class(x509.KeyUsage)
    ca_key_id = ca_certificate.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value.digest
    authority_key_id = extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier
    ).value

    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert key_usage.critical is True
    assert key_usage.value.digital_signature is True
    assert key_usage.value.key_cert_sign is False
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    assert authority_key_id.key_identifier == ca_key_id
    assert certificate.issuer == ca_certificate.subject


def test_ca_certificate_is_a_ca(ca: IssuedCertificate) -> None:
    certificate = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value

    assert constraints.critical is True
    assert constraints.value.ca is True
    assert constraints.value.path_length == 0
    assert key_usage.key_cert_sign is True
    assert key_usage.crl_sign is True
    assert certificate.issuer == certificate.subject
    assert certificate.subject.rfc4514_string() == (
        "CN=Demo JPKI User Authentication CA (simulator),"
        "O=Mynaportal Simulator (demo\\, not JPKI),C=JP"
    )


def test_ca_validity_spans_the_requested_years() -> None:
    ca = jpki.create_demo_ca(now=NOW, years=3)
    certificate = x509.load_pem_x509_certificate(ca.certificate_pem.encode())

    assert certificate.not_valid_before_utc == NOW
    assert certificate.not_valid_after_utc == NOW + timedelta(days=3 * 365)


def test_key_pem_is_unencrypted_pkcs8(card: IssuedCertificate) -> None:
    assert card.key_pem.startswith("-----BEGIN PRIVATE KEY-----\n")


def test_naive_datetimes_are_rejected(
    ca: IssuedCertificate, card: IssuedCertificate
) -> None:
    naive = datetime(2025, 4, 1, 9, 0)

    with pytest.raises(ValueError, match="timezone-aware"):
        _verify(ca, card, at=naive)

    with pytest.raises(ValueError, match="timezone-aware"):
        jpki.create_demo_ca(now=naive)

    with pytest.raises(ValueError, match="timezone-aware"):
        jpki.issue_card_certificate(
            ca, holder_reference="x", not_before=naive, not_after=CARD_NOT_AFTER
        )


def test_new_challenge_is_32_random_bytes() -> None:
    first = jpki.new_challenge()
    second = jpki.new_challenge()

    assert len(first) == 32
    assert len(second) == 32
    assert first != second


def test_unknown_error_code_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown card verification error code"):
        CardVerificationError("oops")
