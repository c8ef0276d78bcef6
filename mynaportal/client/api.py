"""The client's small public interface, the only one the rest of the bank uses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from mynaportal import catalog
from mynaportal.client import authorization, card_reader, kiosk, sealing
from mynaportal.client.card_reader import CardReaderError, CardSignature, InsertedCard
from mynaportal.client.kiosk import KioskConsent
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import PortalError

__all__ = [
    "CardReaderError",
    "CardSignature",
    "InsertedCard",
    "KioskConsent",
    "PortalError",
    "RetrievalStatus",
    "discard_kiosk_retrieval",
    "identify_at_kiosk",
    "kiosk_cards",
    "kiosk_retrieval_status",
    "retrieval_events",
    "retrieval_status",
    "send_kiosk_consent",
    "sign_with_card",
    "start_retrieval",
]


@dataclass(frozen=True)
class RetrievalStatus:
    """Where a retrieval stands, and its verified data once completed."""

    id: str
    state: str
    state_label: str
    error_code: str
    next_try_at: datetime | None
    completed_at: datetime | None
    data: list[dict[str, Any]] | None
    # While a server is stopped (§2.5): which one, why, and when it is back.
    blocked_server: str = ""
    blocked_reason: str = ""
    resume_at: datetime | None = None

    @property
    def completed(self) -> bool:
        return self.state == Retrieval.State.COMPLETED

    @property
    def in_progress(self) -> bool:
        return self.state in {Retrieval.State.STARTED, *Retrieval.ACTIVE_STATES}


def start_retrieval(
    request: HttpRequest,
    *,
    tm_codes: list[str],
    condition: catalog.QueryCondition,
    return_path: str,
) -> tuple[str, str]:
    """Begin a retrieval; return (its id, the portal URL to send the user to)."""
    retrieval, url = authorization.begin(
        request, tm_codes=tm_codes, condition=condition, return_path=return_path
    )
    return str(retrieval.pk), url


def retrieval_status(
    owner: AbstractBaseUser | AnonymousUser, retrieval_id: object
) -> RetrievalStatus | None:
    """The owner's retrieval, or None if there is none with that id for them."""
    retrieval = authorization.retrieval_of(owner, str(retrieval_id))
    return None if retrieval is None else _status(retrieval)


def _status(retrieval: Retrieval) -> RetrievalStatus:
    completed = retrieval.state == Retrieval.State.COMPLETED and retrieval.result_sealed
    return RetrievalStatus(
        id=str(retrieval.pk),
        state=retrieval.state,
        state_label=retrieval.get_state_display(),
        error_code=retrieval.error_code,
        next_try_at=retrieval.next_try_at,
        completed_at=retrieval.completed_at,
        data=sealing.unseal_json(retrieval.result_sealed) if completed else None,
        blocked_server=retrieval.blocked_server,
        blocked_reason=retrieval.blocked_reason,
        resume_at=retrieval.resume_at,
    )


def retrieval_events(
    owner: AbstractBaseUser | AnonymousUser, retrieval_id: object
) -> list[dict[str, Any]]:
    """The bank's calls to the portal for a retrieval, in order (developer page)."""
    retrieval = authorization.retrieval_of(owner, str(retrieval_id))
    if retrieval is None:
        return []
    fields = ("step", "at", "status", "duration_ms", "summary")
    return [dict(event) for event in retrieval.events.values(*fields)]


def send_kiosk_consent(
    tm_codes: list[str], condition: catalog.QueryCondition
) -> KioskConsent:
    """Kiosk (§3.3 ③): send the consent given on screen; keep what comes back."""
    return kiosk.consent(tm_codes, condition)


def kiosk_cards() -> list[InsertedCard]:
    """Kiosk (§3.3 ④): the cards the (virtual) reader can take."""
    return card_reader.cards()


def sign_with_card(card: str, pin: str, pending: KioskConsent) -> CardSignature:
    """Kiosk (§3.3 ⑤): the card checks the PIN and signs the portal's challenge."""
    return card_reader.sign(card, pin, pending.challenge)


def identify_at_kiosk(pending: KioskConsent, signature: CardSignature) -> str:
    """Kiosk: hand the signature to the portal; return the retrieval's id."""
    return str(kiosk.identify(pending, signature).pk)


def kiosk_retrieval_status(retrieval_id: object) -> RetrievalStatus | None:
    """A kiosk retrieval, by the id the kiosk's own session holds."""
    retrieval = kiosk.retrieval_at_kiosk(str(retrieval_id))
    return None if retrieval is None else _status(retrieval)


def discard_kiosk_retrieval(retrieval_id: object) -> None:
    """Kiosk 取消 or idle timeout: tokens revoked, retrieved data deleted now."""
    kiosk.discard(str(retrieval_id))
