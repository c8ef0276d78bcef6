"""Mutual TLS behind nginx: the client's verified certificate, and tokens bound to it.

nginx verifies the certificate against the demo CA and passes it on in
``X-SSL-Client-Cert`` (and the outcome in ``X-SSL-Client-Verify``), replacing
whatever a client sent in those headers. The simulator trusts them only when
``MYNAPORTAL_SIM_BEHIND_TLS`` says it runs behind that proxy; then every
back-channel call needs the registered client's certificate (its subject's CN
is the client id), and access tokens are bound to the certificate's SHA-256
thumbprint (RFC 8705 §3, ``cnf`` ``x5t#S256``).
"""

import base64
from typing import Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.http import HttpRequest

from mynaportal.simulator.models import Client, Token, digest
from mynaportal.simulator.oauth import OAuthError

VERIFY_HEADER = "X-SSL-Client-Verify"
CERTIFICATE_HEADER = "X-SSL-Client-Cert"


def behind_tls() -> bool:
    """Whether the simulator runs behind the TLS proxy (and must trust it)."""
    return bool(getattr(settings, "MYNAPORTAL_SIM_BEHIND_TLS", False))


def certificate_thumbprint(request: HttpRequest) -> str:
    """``x5t#S256`` of the proxy-verified client certificate, or ``""``."""
    if not behind_tls() or request.headers.get(VERIFY_HEADER) != "SUCCESS":
        return ""

    certificate = _certificate(request)
    if certificate is None:
        return ""
    return _thumbprint(certificate)


def authenticate(request: HttpRequest, client: Client) -> str:
    """Behind TLS, require the client's own certificate; return its thumbprint."""
    if not behind_tls():
        return ""

    certificate = (
        _certificate(request)
        if request.headers.get(VERIFY_HEADER) == "SUCCESS"
        else None
    )
    if certificate is None:
        raise OAuthError("invalid_client", "A client certificate is required", 401)
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if [name.value for name in names] != [client.client_id]:
        raise OAuthError("invalid_client", "The certificate is not the client's", 401)
    return _thumbprint(certificate)


def bind(answer: dict[str, Any], thumbprint: str) -> dict[str, Any]:
    """Bind a token answer's tokens to the certificate; say so in ``cnf``."""
    if not thumbprint:
        return answer

    issued = [answer.get("access_token"), answer.get("refresh_token")]
    hashes_ = [digest(token) for token in issued if isinstance(token, str)]
    Token.objects.filter(token_hash__in=hashes_).update(
        certificate_thumbprint=thumbprint
    )
    return {**answer, "cnf": {"x5t#S256": thumbprint}}


def check_binding(request: HttpRequest, token: Token) -> None:
    """A bound token works only with its certificate (RFC 8705 §3)."""
    if not token.certificate_thumbprint:
        if behind_tls():
            raise OAuthError("invalid_token", "The token is not bound", 401)
        return

    if certificate_thumbprint(request) != token.certificate_thumbprint:
        raise OAuthError(
            "invalid_token", "The token was bound to another certificate", 401
        )


def _certificate(request: HttpRequest) -> x509.Certificate | None:
    pem = unquote(request.headers.get(CERTIFICATE_HEADER, ""))
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        return None


def _thumbprint(certificate: x509.Certificate) -> str:
    raw = certificate.fingerprint(hashes.SHA256())
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
