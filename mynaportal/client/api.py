"""The client's small public interface, the only one the rest of the bank uses."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from mynaportal import catalog
from mynaportal.client import authorization, sealing
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import PortalError

__all__ = [
    "PortalError",
    "RetrievalStatus",
    "retrieval_events",
    "retrieval_status",
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
    if retrieval is None:
        return None

    completed = retrieval.state == Retrieval.State.COMPLETED and retrieval.result_sealed
    return RetrievalStatus(
        id=str(retrieval.pk),
        state=retrieval.state,
        state_label=retrieval.get_state_display(),
        error_code=retrieval.error_code,
        next_try_at=retrieval.next_try_at,
        completed_at=retrieval.completed_at,
        data=sealing.unseal_json(retrieval.result_sealed) if completed else None,
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
