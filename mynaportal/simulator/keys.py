"""The portal's signing keys and its published JWKS."""

from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.db.models import Q, QuerySet
from joserfc.jwk import ECKey

from mynaportal import jose_keys
from mynaportal.simulator import clock, control_state
from mynaportal.simulator.models import SigningKey

SIGNING_ALGORITHM = "ES256"


def ensure_signing_key() -> SigningKey:
    """Return the current signing key, creating the first one if none exists."""
    key = SigningKey.objects.filter(retired_at__isnull=True).first()
    if key is not None:
        return key

    return rotate_signing_key()


def rotate_signing_key(overlap: timedelta | None = None) -> SigningKey:
    """Create a new signing key; older keys stay published until retired.

    With ``overlap``, they are retired by themselves when it has passed (on
    the simulator's clock): long enough for every client to refetch the JWKS.
    """
    jwk = ECKey.generate_key(
        "P-256", parameters={"use": "sig", "alg": SIGNING_ALGORITHM}, auto_kid=True
    )
    private = jwk.as_dict(private=True)
    older = _published().values_list("pk", flat=True)
    if overlap is not None:
        SigningKey.objects.filter(pk__in=list(older)).update(
            retired_at=clock.now() + overlap
        )
    key = SigningKey.objects.create(kid=str(private["kid"]), private_jwk=private)
    control_state.forget()
    return key


def _published() -> QuerySet[SigningKey]:
    now = clock.now()
    return SigningKey.objects.filter(Q(retired_at=None) | Q(retired_at__gt=now))


def current_signing_key() -> ECKey:
    """Return the newest unretired signing key as a JOSE key.

    Which key that is comes with the call's control state, in the statement
    every call reads anyway; only a simulator with no key yet makes one here.
    """
    kid = control_state.current().signing_kid
    if kid is None:
        kid = ensure_signing_key().kid
    return _key_named(kid)


@lru_cache(maxsize=32)
def _key_named(kid: str) -> ECKey:
    """A key's row, read once per process: its ``kid`` is the thumbprint of its
    public half (RFC 7638), so one ``kid`` never names two keys."""
    return jose_keys.ec_key(SigningKey.objects.get(kid=kid).private_jwk)


def public_jwks() -> dict[str, Any]:
    """Return every unretired key's public half, newest first."""
    keys = [
        ECKey.import_key(key.private_jwk).as_dict(private=False) for key in _published()
    ]
    return {"keys": keys}


def retire_old_keys() -> int:
    """Stop publishing every key but the newest (the end of an overlap window)."""
    newest = ensure_signing_key()
    return _published().exclude(pk=newest.pk).update(retired_at=clock.now())
