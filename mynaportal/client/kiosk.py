"""The kiosk variant of a retrieval (guideline §3, DESIGN §3).

The kiosk is the client and the card stays inside it, so nothing is redirected:
1. ``consent``: the kiosk authenticates itself (``private_key_jwt``) and sends
   the consent the customer gave on its screen; the portal answers with the
   challenge for the card.
2. ``identify``: after the PIN pad the card signs that challenge; the portal
   verifies the signature and issues the tokens, whose ID token is checked as
   on the web. The data phase then goes to Celery, exactly as for the web.
3. ``discard``: the customer cancels or walks away: the tokens are revoked at
   the portal and whatever was retrieved is deleted at once.
"""

import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from mynaportal import catalog
from mynaportal.client import authorization, conf, retention
from mynaportal.client.card_reader import CardSignature
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import PermanentPortalError, PortalSession
from mynaportal.client.verify import verify_id_token


@dataclass(frozen=True)
class KioskConsent:
    """A consent sent to the portal and waiting for the card: no personal data."""

    kiosk_request: str
    challenge: str
    nonce: str
    tm_codes: list[str]
    condition: dict[str, str]

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, stored: object) -> "KioskConsent | None":
        if not isinstance(stored, dict) or set(stored) != set(cls.__dataclass_fields__):
            return None
        return cls(**stored)


def consent(tm_codes: list[str], condition: catalog.QueryCondition) -> KioskConsent:
    """Send the customer's consent from the kiosk; the portal returns a challenge."""
    catalog.check_condition(condition, tm_codes)
    nonce = secrets.token_urlsafe(32)

    answer = PortalSession().kiosk_consent(
        {
            "client_id": conf.client_id(),
            "scope": "openid",
            "nonce": nonce,
            "tm_codes": " ".join(tm_codes),
            "query_condition": json.dumps(condition.to_json(), separators=(",", ":")),
            "consent": "given",
        }
    )
    return KioskConsent(
        kiosk_request=answer["kiosk_request"],
        challenge=answer["challenge"],
        nonce=nonce,
        tm_codes=tm_codes,
        condition=condition.to_json(),
    )


def identify(pending: KioskConsent, signature: CardSignature) -> Retrieval:
    """Hand the card's signature to the portal; start the data phase."""
    session = PortalSession()
    tokens = session.kiosk_identity(
        {
            "kiosk_request": pending.kiosk_request,
            "certificate": signature.certificate_pem,
            "signature": signature.signature,
        }
    )
    subject = verify_id_token(session, str(tokens.get("id_token", "")), pending.nonce)
    if not isinstance(tokens.get("refresh_token"), str):
        raise PermanentPortalError("token_malformed")

    retrieval = Retrieval(
        owner=None,
        channel=Retrieval.Channel.KIOSK,
        state=Retrieval.State.AUTHORIZED,
        tm_codes=pending.tm_codes,
        condition=pending.condition,
        return_path="",
        # No redirect, so no state to compare: a unique value that never will.
        oauth_state=f"kiosk-{secrets.token_hex(16)}",
        nonce=pending.nonce,
        code_verifier_sealed="",
        subject=subject,
    )
    with transaction.atomic():
        authorization.store_tokens(retrieval, tokens)
        retrieval.save()
        session.attach(str(retrieval.pk))
        transaction.on_commit(
            lambda: authorization.enqueue("request_retrieval", retrieval.pk)
        )
    return retrieval


def retrieval_at_kiosk(retrieval_id: str) -> Retrieval | None:
    """A kiosk's retrieval by the id its session holds (never a web one)."""
    try:
        return Retrieval.objects.filter(
            pk=retrieval_id, channel=Retrieval.Channel.KIOSK
        ).first()
    except (ValueError, TypeError, ValidationError):
        return None


def discard(retrieval_id: str) -> None:
    """取消 or walking away: revoke at the portal and delete the data at once."""
    retrieval = retrieval_at_kiosk(retrieval_id)
    if retrieval is not None:
        retention.withdraw(retrieval)
