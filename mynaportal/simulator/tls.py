"""The demo TLS CA: the portal's server certificate and clients' certificates.

Mutual TLS as deployed (guideline §4.2, FAPI 2.0, RFC 8705): nginx terminates
TLS in front of the simulator, verifies client certificates against this CA
and passes the verified certificate on. A demo CA only: its key sits beside
its certificate, and nothing it signs is trusted outside the demo.
"""

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mynaportal.simulator import jpki

LIFETIME = timedelta(days=365)
ORGANISATION = "Mynaportal simulator demo"


@dataclass(frozen=True)
class Issued:
    """A certificate and its key, as PEM files."""

    certificate: Path
    key: Path


def create_ca(folder: Path) -> Issued:
    """A self-signed CA for the demo, written to ``folder``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("Mynaportal simulator demo TLS CA")
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(jpki.key_usage(key_cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return _write(folder, "ca", certificate, key)


def issue(
    ca: Issued,
    folder: Path,
    common_name: str,
    *,
    server: bool = False,
    not_after: datetime | None = None,
) -> Issued:
    """A leaf certificate: the portal's (``server``) or a client's (CN = client id)."""
    ca_certificate = x509.load_pem_x509_certificate(ca.certificate.read_bytes())
    ca_key = serialization.load_pem_private_key(ca.key.read_bytes(), password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("The demo CA's key must be an EC key")
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    end = not_after or now + LIFETIME
    purpose = (
        ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    )

    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now, end) - timedelta(days=1))
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
    stem = "server" if server else f"client-{common_name}"
    return _write(folder, stem, builder.sign(ca_key, hashes.SHA256()), key)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write(
    folder: Path,
    stem: str,
    certificate: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
) -> Issued:
    folder.mkdir(parents=True, exist_ok=True)
    issued = Issued(folder / f"{stem}.pem", folder / f"{stem}.key")
    issued.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    issued.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    issued.key.chmod(0o600)
    return issued
