"""The client's settings, read when used so tests and deployments can change them.

Every knob has the ``MYNAPORTAL_`` prefix; pointing the bank at another portal
means changing these alone.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings


def issuer() -> str:
    """The portal's issuer identifier, compared exactly with its metadata."""
    return str(settings.MYNAPORTAL_ISSUER).rstrip("/")


def client_id() -> str:
    return str(settings.MYNAPORTAL_CLIENT_ID)


def redirect_uri() -> str:
    """The callback URL registered with the portal, exactly."""
    return str(settings.MYNAPORTAL_REDIRECT_URI)


def client_keys_file() -> Path:
    return Path(settings.MYNAPORTAL_CLIENT_KEYS_FILE)


def timeout() -> float:
    """Seconds to wait for any single call to the portal."""
    return float(settings.MYNAPORTAL_TIMEOUT_SECONDS)


def lease() -> timedelta:
    """How long a worker may hold a retrieval; past it, the step is sent again."""
    return timedelta(seconds=int(settings.MYNAPORTAL_LEASE_SECONDS))


def sweep_grace() -> timedelta:
    """How late a step's message may be before the sweep sends it again."""
    return timedelta(seconds=int(settings.MYNAPORTAL_SWEEP_GRACE_SECONDS))


def max_attempts() -> int:
    """How many transient failures a retrieval survives before it fails."""
    return int(settings.MYNAPORTAL_MAX_ATTEMPTS)


def card_reader_url() -> str:
    """The kiosk's card reader; unset, the simulator's virtual one at the issuer."""
    configured = str(getattr(settings, "MYNAPORTAL_CARD_READER_URL", "") or "")
    return configured.rstrip("/") or issuer() + "/api/v1/card-reader"


def tls_client_certificate() -> tuple[str, str] | None:
    """The bank's TLS client certificate and key files, for mutual TLS."""
    certificate = str(getattr(settings, "MYNAPORTAL_TLS_CLIENT_CERT_FILE", ""))
    key = str(getattr(settings, "MYNAPORTAL_TLS_CLIENT_KEY_FILE", ""))
    return (certificate, key) if certificate and key else None


def tls_verify() -> str | bool:
    """The CA file that signs the portal's server certificate, or the system's."""
    return str(getattr(settings, "MYNAPORTAL_TLS_CA_FILE", "")) or True
