"""Demo JPKI: a simulated user-authentication CA and My Number card certificates.

The simulator runs its own CA, which is not the real JPKI. Each virtual card holds
an RSA-2048 key and a certificate modelled on the 利用者証明用電子証明書, whose
subject is an opaque reference and never the holder's name.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_SIZE = 2048
PUBLIC_EXPONENT = 65537
CHALLENGE_BYTES = 32
CA_ORGANIZATION = "Mynaportal Simulator (demo, not JPKI)"
DEFAULT_CA_COMMON_NAME = "Demo JPKI User Authentication CA (simulator)"

VERIFICATION_ERROR_CODES = frozenset(
    {"bad_signature", "untrusted_certificate", "not_yet_valid", "expired", "revoked"}
)


class CardVerificationError(Exception):
    """A card's certificate or signature did not pass verification."""

    code: str

    def __init__(self, code: str) -> None:
        if code not in VERIFICATION_ERROR_CODES:
            raise ValueError(f"unknown card verification error code: {code!r}")

        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class IssuedCertificate:
    """A private key with its certificate, both as PEM text."""

    key_pem: str
    certificate_pem: str
    serial_number: int


def create_demo_ca(
    *,
    now: datetime,
    common_name: str = DEFAULT_CA_COMMON_NAME,
    years: int = 20,
) -> IssuedCertificate:
    """Create the self-signed demo CA that issues card certificates."""
    _require_aware(now, "now")

    if years < 1:
        raise ValueError("years must be at least 1")

    key = _new_rsa_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, CA_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    builder = _ca_extensions(
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * years)),
        key.public_key(),
    )
    certificate = builder.sign(key, hashes.SHA256())

    return _issued(key, certificate)


def issue_card_certificate(
    ca: IssuedCertificate,
    *,
    holder_reference: str,
    not_before: datetime,
    not_after: datetime,
) -> IssuedCertificate:
    """Issue a user-authentication certificate for a new card key."""
    _require_aware(not_before, "not_before")
    _require_aware(not_after, "not_after")

    if not_after <= not_before:
        raise ValueError("not_after must be later than not_before")

    if not holder_reference:
        raise ValueError("holder_reference must not be empty")

    ca_key = _load_rsa_private_key(ca.key_pem)
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate_pem.encode())
    key = _new_rsa_key()
    builder = _card_extensions(
        x509.CertificateBuilder()
        .subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, holder_reference)])
        )
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after),
        key.public_key(),
        ca_certificate,
    )
    certificate = builder.sign(ca_key, hashes.SHA256())

    return _issued(key, certificate)


def sign_challenge(card_key_pem: str, challenge: bytes) -> bytes:
    """Sign a challenge with a card key using RSA PKCS#1 v1.5 and SHA-256."""
    key = _load_rsa_private_key(card_key_pem)

    return key.sign(challenge, padding.PKCS1v15(), hashes.SHA256())


def verify_card_signature(
    *,
    ca_certificate_pem: str,
    card_certificate_pem: str,
    challenge: bytes,
    signature: bytes,
    at: datetime,
    revoked_serials: frozenset[int] = frozenset(),
) -> int:
    """Verify a card's certificate and challenge signature; return the serial."""
    _require_aware(at, "at")

    card_certificate = _trusted_card_certificate(
        ca_certificate_pem, card_certificate_pem
    )

    _check_validity(card_certificate, at)

    if card_certificate.serial_number in revoked_serials:
        raise CardVerificationError("revoked")

    _check_challenge_signature(card_certificate, challenge, signature)

    return card_certificate.serial_number


def new_challenge() -> bytes:
    """Return a fresh random challenge for a card to sign."""
    return secrets.token_bytes(CHALLENGE_BYTES)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_SIZE)


@lru_cache(maxsize=256)
def _load_rsa_private_key(key_pem: str) -> rsa.RSAPrivateKey:
    """Parse a key once per process: checking an RSA key costs more than a
    signature, and every card-and-PIN step signs (BENCHMARKS.md)."""
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)

    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("expected an RSA private key")

    return key


def _ca_extensions(
    builder: x509.CertificateBuilder, public_key: rsa.RSAPublicKey
) -> x509.CertificateBuilder:
    return (
        builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=0), critical=True
        )
        .add_extension(key_usage(key_cert_sign=True), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    )


def _card_extensions(
    builder: x509.CertificateBuilder,
    public_key: rsa.RSAPublicKey,
    ca_certificate: x509.Certificate,
) -> x509.CertificateBuilder:
    ca_key_identifier = ca_certificate.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value

    return (
        builder.add_extension(
            x509.BasicConstraints(ca=False, path_length=None), critical=True
        )
        .add_extension(key_usage(key_cert_sign=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_key_identifier
            ),
            critical=False,
        )
    )


def key_usage(*, key_cert_sign: bool) -> x509.KeyUsage:
    """A CA's usage (certificates and CRLs), or an end entity's (signatures)."""
    return x509.KeyUsage(
        digital_signature=not key_cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=key_cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _issued(key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> IssuedCertificate:
    key_pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)

    return IssuedCertificate(
        key_pem=key_pem.decode("ascii"),
        certificate_pem=certificate_pem.decode("ascii"),
        serial_number=certificate.serial_number,
    )


def _trusted_card_certificate(
    ca_certificate_pem: str, card_certificate_pem: str
) -> x509.Certificate:
    try:
        ca_certificate = x509.load_pem_x509_certificate(ca_certificate_pem.encode())
        card_certificate = x509.load_pem_x509_certificate(card_certificate_pem.encode())
        card_certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, InvalidSignature) as error:
        raise CardVerificationError("untrusted_certificate") from error

    return card_certificate


def _check_validity(certificate: x509.Certificate, at: datetime) -> None:
    if at < certificate.not_valid_before_utc:
        raise CardVerificationError("not_yet_valid")

    if at > certificate.not_valid_after_utc:
        raise CardVerificationError("expired")


def _check_challenge_signature(
    certificate: x509.Certificate, challenge: bytes, signature: bytes
) -> None:
    public_key = certificate.public_key()

    if not isinstance(public_key, rsa.RSAPublicKey):
        # Demo JPKI cards only hold RSA keys; any other key type is not ours.
        raise CardVerificationError("untrusted_certificate")

    try:
        public_key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, TypeError, InvalidSignature) as error:
        raise CardVerificationError("bad_signature") from error
