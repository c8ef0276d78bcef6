"""Keep personal data only for the consented period and purpose (guideline §4.2).

At the end of the consent, or when the customer withdraws it, the retrieved
data and the tokens are deleted; the row stays, holding only the fact that a
retrieval took place. When the customer stops a retrieval before its data came,
the purpose has ended too: the consent is revoked and the tokens are deleted.
"""

import logging

from django.utils import timezone

from mynaportal.client import sealing
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import PortalError, PortalSession

logger = logging.getLogger(__name__)

State = Retrieval.State
# What could fetch data at the portal, or finish the authorization.
CREDENTIALS = {
    "access_token_sealed": "",
    "refresh_token_sealed": "",
    "code_verifier_sealed": "",
}
PERSONAL_FIELDS = {**CREDENTIALS, "result_sealed": "", "subject": "", "process_id": ""}
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
        _revoke_at_portal(str(retrieval.pk), retrieval.refresh_token_sealed)
    _stop(retrieval, "withdrawn")
    Retrieval.objects.filter(pk=retrieval.pk).update(
        purged_at=timezone.now(), lease_until=None, **PERSONAL_FIELDS
    )
    return True


def cancel(retrieval: Retrieval, *, reason: str = "cancelled_by_user") -> bool:
    """Stop a retrieval before its data came: the customer stopped it (§2.4 ※2),
    or a new one replaced it (Q15). The consent is revoked at the portal and the
    tokens are deleted here, so nothing more can be fetched. The row stays,
    cancelled with ``reason``. False if it had already ended.

    The tokens are read after the state has changed, when no step can store a
    refreshed one any more.
    """
    if not _stop(retrieval, reason):
        return False

    sealed = (
        Retrieval.objects.filter(pk=retrieval.pk)
        .values_list("refresh_token_sealed", flat=True)
        .get()
    )
    if sealed:
        _revoke_at_portal(str(retrieval.pk), sealed)
    Retrieval.objects.filter(pk=retrieval.pk).update(lease_until=None, **CREDENTIALS)
    return True


def _stop(retrieval: Retrieval, reason: str) -> bool:
    """Cancelled with ``reason`` unless it had already ended; True if it was."""
    stopped = Retrieval.objects.filter(pk=retrieval.pk, state__in=UNFINISHED).update(
        state=State.CANCELLED, error_code=reason, next_try_at=None
    )
    return stopped == 1


def _revoke_at_portal(retrieval_id: str, refresh_token_sealed: str) -> None:
    try:
        PortalSession(retrieval_id).revoke(sealing.unseal(refresh_token_sealed))
    except PortalError as error:
        # The tokens are deleted here regardless; at the portal they end with
        # the consent period at the latest.
        logger.warning("Revocation of %s failed: %s", retrieval_id, error.code)
