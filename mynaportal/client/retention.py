"""Keep personal data only for the consented period and purpose (guideline §4.2).

At the end of the consent, or when the customer withdraws it, the retrieved
data and the tokens are deleted; the row stays, holding only the fact that a
retrieval took place.
"""

import logging

from django.utils import timezone

from mynaportal.client import sealing
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import PortalError, PortalSession

logger = logging.getLogger(__name__)

State = Retrieval.State
PERSONAL_FIELDS = {
    "result_sealed": "",
    "access_token_sealed": "",
    "refresh_token_sealed": "",
    "code_verifier_sealed": "",
    "subject": "",
    "process_id": "",
}
UNFINISHED = [State.STARTED, *Retrieval.ACTIVE_STATES]


def purge_expired() -> int:
    """Delete the data and tokens of every retrieval whose consent has ended."""
    now = timezone.now()
    due = Retrieval.objects.filter(consent_expires_at__lte=now, purged_at__isnull=True)
    due.filter(state__in=UNFINISHED).update(
        state=State.EXPIRED, error_code="consent_expired", next_try_at=None
    )
    return due.update(purged_at=now, lease_until=None, **PERSONAL_FIELDS)


def withdraw(retrieval: Retrieval) -> bool:
    """The customer withdraws consent: revoke at the portal, delete here (R31)."""
    if retrieval.purged_at is not None:
        return False

    if retrieval.refresh_token_sealed:
        _revoke_at_portal(retrieval)
    now = timezone.now()
    Retrieval.objects.filter(pk=retrieval.pk, state__in=UNFINISHED).update(
        state=State.CANCELLED, error_code="withdrawn", next_try_at=None
    )
    Retrieval.objects.filter(pk=retrieval.pk).update(
        purged_at=now, lease_until=None, **PERSONAL_FIELDS
    )
    return True


def _revoke_at_portal(retrieval: Retrieval) -> None:
    try:
        PortalSession(str(retrieval.pk)).revoke(
            sealing.unseal(retrieval.refresh_token_sealed)
        )
    except PortalError as error:
        # The tokens are deleted here regardless; at the portal they end with
        # the consent period at the latest.
        logger.warning("Revocation of %s failed: %s", retrieval.pk, error.code)
