"""The data phase of a retrieval, carried forward by Celery.

1. ``request_data`` (IF001-04) asks for the consented information once; an
   Idempotency-Key (the retrieval's id) makes a repeated call return the same
   process, so a worker killed after the call costs nothing.
2. ``fetch_result`` (IF001-06) fetches the result and stores it verified and
   sealed. A planned stop puts the retrieval in ``waiting`` with its next try
   stored in the row; the periodic sweep picks it up, and a portal notice can
   bring it forward.
Each step claims the row with a lease on the state it expects, so duplicates
and redeliveries change nothing, and no transaction is held across a call. A
step writes its outcome only while the row is still in a step's state, so a
cancellation, a withdrawal or the end of the consent during a call stands.
"""

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from mynaportal import schedule
from mynaportal.client import conf, mail, sealing
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import PermanentPortalError, PortalError, PortalSession
from mynaportal.client.verify import open_result, verify_notice

logger = logging.getLogger(__name__)

State = Retrieval.State
ACCESS_TOKEN_MARGIN = timedelta(seconds=30)
MAX_BACKOFF_SECONDS = 300
MAX_POLL_SECONDS = 30
UNKNOWN_STOP_RECHECK = timedelta(minutes=5)
# Come back a little after the announced end, not on the edge of it.
RESUME_MARGIN = timedelta(seconds=2)
SWEEP_BATCH = 1000

TASK_FOR_STATE = {
    State.AUTHORIZED: "request_retrieval",
    State.REQUESTED: "fetch_result",
    State.WAITING: "fetch_result",
}


class MovedOn(Exception):
    """The row left the steps' states while the step was at the portal: nothing
    of the step is written, and nothing follows it (the task ends quietly)."""


@dataclass(frozen=True)
class NextStep:
    """Which task to run next for the retrieval, after ``countdown`` seconds."""

    task: str | None = None
    countdown: int = 0


def request_data(retrieval_id: str) -> NextStep:
    """IF001-04: ask the portal for the consented information."""
    retrieval = _claim(retrieval_id, [State.AUTHORIZED])
    if retrieval is None:
        return NextStep()

    session = PortalSession(str(retrieval.pk))
    try:
        answer = _with_access_token(
            retrieval,
            session,
            lambda token: session.request(
                token, retrieval.tm_codes, idempotency_key=str(retrieval.pk)
            ),
        )
    except PortalError as error:
        return _after_failure(retrieval, error)

    requested = {"state": State.REQUESTED, "process_id": answer["process_id"]}
    deferred = answer.get("deferred")
    if isinstance(deferred, dict):
        _release(retrieval, **requested)
        return _wait_for_stop(retrieval, deferred)

    seconds = _first_poll_seconds(answer)
    _release(retrieval, **requested, next_try_at=_seconds_from_now(seconds))
    return NextStep("fetch_result", seconds)


def fetch_result(retrieval_id: str) -> NextStep:
    """IF001-06: fetch the result; store it verified and sealed when ready."""
    retrieval = _claim(retrieval_id, [State.REQUESTED, State.WAITING])
    if retrieval is None:
        return NextStep()

    session = PortalSession(str(retrieval.pk))
    try:
        answer = _with_access_token(
            retrieval,
            session,
            lambda token: session.result(token, retrieval.process_id),
        )
        return _take_answer(retrieval, session, answer)
    except PortalError as error:
        return _after_failure(retrieval, error)


def _claim(retrieval_id: str, states: list[str]) -> Retrieval | None:
    """Take the row for this step, unless another worker holds it or it moved on."""
    now = timezone.now()
    claimed = (
        Retrieval.objects.filter(pk=retrieval_id, state__in=states)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + conf.lease())
    )
    if claimed != 1:
        return None

    # With its owner: the completion mail needs the address, not another query.
    retrieval = Retrieval.objects.select_related("owner").get(pk=retrieval_id)
    if _consent_over(retrieval, now):
        _finish(retrieval, State.EXPIRED, error_code="consent_expired")
        return None
    return retrieval


def _consent_over(retrieval: Retrieval, moment: datetime) -> bool:
    expires = retrieval.consent_expires_at
    return expires is not None and expires <= moment


def _in_a_step(retrieval_id: UUID | str) -> QuerySet[Retrieval]:
    """The row, while it is in one of the states a step works on: what a step
    writes after its call, so that a cancellation, a withdrawal or the end of
    the consent made meanwhile stands."""
    return Retrieval.objects.filter(pk=retrieval_id, state__in=list(TASK_FOR_STATE))


def _release(retrieval: Retrieval, **changes: Any) -> None:
    """Write the step's outcome and give the row back.

    Nothing is written when the row left the steps' states meanwhile (the
    customer cancelled or withdrew, or the consent ended while the step was at
    the portal): MovedOn, and nothing is to follow.
    """
    for name, value in changes.items():
        setattr(retrieval, name, value)
    _store(retrieval, lease_until=None, updated_at=timezone.now(), **changes)


def _store(retrieval: Retrieval, **changes: Any) -> None:
    """Write a step's changes to the row while it is still in a step; MovedOn if
    it is not."""
    if _in_a_step(retrieval.pk).update(**changes) != 1:
        raise MovedOn


def _take_answer(
    retrieval: Retrieval, session: PortalSession, answer: dict[str, Any]
) -> NextStep:
    status = answer.get("status")
    if status == "processing":
        wait = answer.get("retry_after")
        seconds = wait if isinstance(wait, int) and wait > 0 else 1
        return _poll_again(retrieval, seconds=min(seconds, MAX_POLL_SECONDS))
    if status == "error" and answer.get("error") == "middle_server_unavailable":
        return _wait_for_stop(retrieval, answer)
    if status == "error":
        error = answer.get("error")
        raise PermanentPortalError(error[:60] if isinstance(error, str) else "error")
    if status != "completed" or not isinstance(answer.get("result"), str):
        raise PermanentPortalError("result_malformed")

    data = open_result(
        session,
        answer["result"],
        subject=retrieval.subject,
        tm_codes=retrieval.tm_codes,
    )
    _complete(retrieval, data)
    return NextStep()


def _complete(retrieval: Retrieval, data: list[dict[str, Any]]) -> None:
    """Store the result once; tell the customer by mail if they had to wait.

    Only the call whose update completes the row sends the mail, and the same
    update records it as sent: one mail per retrieval, whatever is redelivered.
    """
    now = timezone.now()
    mail_sent = {"mail_sent_at": now} if retrieval.waited else {}
    completed = Retrieval.objects.filter(
        pk=retrieval.pk, state__in=[State.REQUESTED, State.WAITING]
    ).update(
        **mail_sent,
        state=State.COMPLETED,
        result_sealed=sealing.seal_json(data),
        error_code="",
        next_try_at=None,
        lease_until=None,
        blocked_server="",
        blocked_reason="",
        completed_at=now,
        updated_at=now,
    )
    if completed == 1 and retrieval.waited:
        mail.send_completion_notice(retrieval)


def _wait_for_stop(retrieval: Retrieval, answer: dict[str, Any]) -> NextStep:
    """A planned stop: store the next try for the end of it; no hammering (Q17)."""
    resume_at = _resume_at(answer, retrieval.tm_codes)
    delay = _delay_until(answer, resume_at)
    next_try = timezone.now() + delay
    if _consent_over(retrieval, next_try):
        _finish(retrieval, State.EXPIRED, error_code="stop_outlasts_consent")
        return NextStep()

    server = answer.get("server")
    reason = answer.get("reason")
    _release(
        retrieval,
        state=State.WAITING,
        waited=True,
        next_try_at=next_try,
        resume_at=resume_at,
        blocked_server=server if isinstance(server, str) else "",
        blocked_reason=reason if isinstance(reason, str) else "",
    )
    return NextStep()


def _resume_at(answer: dict[str, Any], tm_codes: list[str]) -> datetime | None:
    """The portal's end of the stop, cross-checked with the local calendar."""
    try:
        said = datetime.fromisoformat(str(answer.get("available_at")))
    except ValueError:
        return None
    if said.tzinfo is None:
        return None

    local = schedule.next_operating(tm_codes, said)
    if local is not None and local > said:
        logger.warning("Portal's end of stop disagrees with the local calendar")
        return local
    return said


def _delay_until(answer: dict[str, Any], resume_at: datetime | None) -> timedelta:
    retry_after = answer.get("retry_after")
    if resume_at is None or not isinstance(retry_after, int) or retry_after < 0:
        return UNKNOWN_STOP_RECHECK

    said = datetime.fromisoformat(str(answer["available_at"]))
    return timedelta(seconds=retry_after) + (resume_at - said) + RESUME_MARGIN


def _first_poll_seconds(answer: dict[str, Any]) -> int:
    """When to ask for the result: the portal's hint, else one second."""
    hint = answer.get("retry_after")
    if isinstance(hint, int) and not isinstance(hint, bool) and hint >= 0:
        return min(hint, MAX_POLL_SECONDS)
    return 1


def _poll_again(retrieval: Retrieval, *, seconds: int) -> NextStep:
    _release(retrieval, next_try_at=_seconds_from_now(seconds))
    return NextStep("fetch_result", seconds)


def _seconds_from_now(seconds: int) -> datetime:
    return timezone.now() + timedelta(seconds=seconds)


def _with_access_token(retrieval: Retrieval, session: PortalSession, call: Any) -> Any:
    """Make a data call; on 401, refresh the access token once and try again (R24)."""
    expires = retrieval.access_expires_at
    if expires is not None and expires <= timezone.now() + ACCESS_TOKEN_MARGIN:
        _refresh(retrieval, session)

    try:
        return call(sealing.unseal(retrieval.access_token_sealed))
    except PermanentPortalError as error:
        if error.code != "invalid_token":
            raise
    _refresh(retrieval, session)

    try:
        return call(sealing.unseal(retrieval.access_token_sealed))
    except PermanentPortalError as error:
        # A fresh token refused too: the consent is gone; never loop (R24).
        if error.code == "invalid_token":
            raise PermanentPortalError("consent_again") from None
        raise


def _refresh(retrieval: Retrieval, session: PortalSession) -> None:
    try:
        tokens = session.token(
            {
                "grant_type": "refresh_token",
                "refresh_token": sealing.unseal(retrieval.refresh_token_sealed),
            }
        )
    except PermanentPortalError:
        raise PermanentPortalError("consent_again") from None

    expires_in = tokens.get("expires_in")
    if not isinstance(expires_in, int) or expires_in <= 0:
        raise PermanentPortalError("token_malformed")
    retrieval.access_token_sealed = sealing.seal(str(tokens["access_token"]))
    retrieval.access_expires_at = timezone.now() + timedelta(seconds=expires_in)
    # If its tokens were deleted meanwhile, the new one is not kept, or used.
    _store(
        retrieval,
        access_token_sealed=retrieval.access_token_sealed,
        access_expires_at=retrieval.access_expires_at,
    )


def _after_failure(retrieval: Retrieval, error: PortalError) -> NextStep:
    """Permanent answers end the retrieval; transient ones go back to the task."""
    if error.code == "consent_again":
        # The portal no longer honours the grant (its consent ended or was
        # revoked): only a fresh consent can bring the data (Q9, Q17).
        _finish(retrieval, State.EXPIRED, error_code=error.code)
        return NextStep()

    if error.permanent:
        logger.warning("Retrieval %s failed: %s", retrieval.pk, error.code)
        _finish(retrieval, State.FAILED, error_code=error.code)
        return NextStep()

    _release(retrieval)
    raise error


def backoff(retries: int, retry_after: int | None) -> int:
    """Capped exponential backoff with jitter, never shorter than Retry-After."""
    base = min(MAX_BACKOFF_SECONDS, 2 ** (retries + 1))
    jittered = base / 2 + random.uniform(0, base / 2)  # noqa: S311 - not crypto
    return int(min(MAX_BACKOFF_SECONDS, max(retry_after or 0, jittered))) + 1


def note_retry(retrieval_id: str, countdown: int, code: str) -> None:
    """Record a transient failure and when the next try is due."""
    retrieval = Retrieval.objects.filter(pk=retrieval_id).first()
    if retrieval is None:
        return

    _in_a_step(retrieval_id).update(
        attempts=retrieval.attempts + 1,
        next_try_at=timezone.now() + timedelta(seconds=countdown),
        error_code=code[:60],
    )


def give_up(retrieval_id: str, code: str) -> None:
    """Attempts ran out: failed, with the reason; the customer may start afresh."""
    retrieval = Retrieval.objects.filter(pk=retrieval_id).first()
    if retrieval is not None:
        logger.warning("Retrieval %s gave up after retries: %s", retrieval_id, code)
        _finish(retrieval, State.FAILED, error_code=f"gave_up:{code}"[:60])


def _finish(retrieval: Retrieval, state: str, *, error_code: str = "") -> None:
    now = timezone.now()
    _in_a_step(retrieval.pk).update(
        state=state,
        error_code=error_code,
        next_try_at=None,
        lease_until=None,
        completed_at=now,
        updated_at=now,
    )
    retrieval.state = state
    retrieval.error_code = error_code


def take_notice(token: str) -> str | None:
    """A portal notice that a result is ready: bring the retrieval forward.

    Returns the retrieval id to fetch now, or None when the notice names no
    retrieval that waits (a late or repeated notice changes nothing).
    """
    process_id = verify_notice(PortalSession(), token)
    retrieval = Retrieval.objects.filter(
        process_id=process_id, state__in=[State.REQUESTED, State.WAITING]
    ).first()
    if retrieval is None:
        return None

    Retrieval.objects.filter(pk=retrieval.pk).update(next_try_at=timezone.now())
    return str(retrieval.pk)


def mark_undelivered(retrieval_id: str) -> None:
    """The broker refused the step's message: make it due for the next sweep."""
    Retrieval.objects.filter(pk=retrieval_id).update(
        next_try_at=timezone.now() - conf.sweep_grace()
    )


def due_retrievals() -> list[tuple[str, str]]:
    """Work whose next try has come, or whose message was lost: (task, id) to send.

    Each row handed out has its next try pushed back by the grace period, so a
    sweep running again before the worker gets to it sends nothing twice.
    """
    now = timezone.now()
    grace = conf.sweep_grace()
    overdue = now - grace
    in_flight = Q(state__in=[State.AUTHORIZED, State.REQUESTED])
    lost = Q(next_try_at__lt=overdue) | Q(
        next_try_at__isnull=True, updated_at__lt=overdue
    )
    died = Q(lease_until__lt=now)
    due = Q(state=State.WAITING, next_try_at__lte=now) | (in_flight & (lost | died))
    free = Q(lease_until__isnull=True) | died
    rows = list(
        Retrieval.objects.filter(due & free).values_list("pk", "state")[:SWEEP_BATCH]
    )
    Retrieval.objects.filter(pk__in=[pk for pk, _ in rows]).update(
        next_try_at=now + grace, lease_until=None
    )
    return [(TASK_FOR_STATE[State(state)], str(pk)) for pk, state in rows]
