"""The portal's signing keys and its published JWKS."""

from typing import Any

from django.utils import timezone
from joserfc.jwk import ECKey

from mynaportal.simulator.models import SigningKey

SIGNING_ALGORITHM = "ES256"


def ensure_signing_key() -> SigningKey:
    """Return the current signing key, creating the first one if none exists."""
    key = SigningKey.objects.filter(retired_at__isnull=True).first()
    if key is not None:
        return key

    return rotate_signing_key()


def rotate_signing_key() -> SigningKey:
    """Create a new signing key; older keys stay published until retired."""
    jwk = ECKey.generate_key(
        "P-256", parameters={"use": "sig", "alg": SIGNING_ALGORITHM}, auto_kid=True
    )
    private = jwk.as_dict(private=True)
    return SigningKey.objects.create(kid=str(private["kid"]), private_jwk=private)


def current_signing_key() -> ECKey:
    """Return the newest unretired signing key as a JOSE key."""
    return ECKey.import_key(ensure_signing_key().private_jwk)


def public_jwks() -> dict[str, Any]:
    """Return every unretired key's public half, newest first."""
    keys = [
        ECKey.import_key(key.private_jwk).as_dict(private=False)
        for key in SigningKey.objects.filter(retired_at__isnull=True)
    ]
    return {"keys": keys}


def retire_old_keys() -> int:
    """Stop publishing every key but the newest (the end of an overlap window)."""
    newest = ensure_signing_key()
    return (
        SigningKey.objects.filter(retired_at__isnull=True)
        .exclude(pk=newest.pk)
        .update(retired_at=timezone.now())
    )
