"""Celery tasks: thin carriers of a retrieval id into ``retrieve``.

Messages hold the retrieval's id only; no token and no personal data travel
through the broker. Transient failures are retried here with capped, jittered
backoff; the row records each attempt, and runs out into ``failed``.
"""

from collections.abc import Callable

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from mynaportal.client import conf, retention, retrieve
from mynaportal.client.portal import TransientPortalError

# A ceiling for Celery; the configured number of attempts is checked per run.
RETRY_CEILING = 50


def _run(
    task: Task,  # type: ignore[type-arg]
    step: Callable[[str], retrieve.NextStep],
    retrieval_id: str,
) -> None:
    try:
        following = step(retrieval_id)
    except retrieve.MovedOn:
        return
    except TransientPortalError as error:
        if task.request.retries + 1 >= conf.max_attempts():
            retrieve.give_up(retrieval_id, error.code)
            return
        countdown = retrieve.backoff(task.request.retries, error.retry_after)
        retrieve.note_retry(retrieval_id, countdown, error.code)
        raise task.retry(countdown=countdown, exc=error) from None
    except (OperationalError, InterfaceError) as error:
        # The database dropped this worker's connection (a restart, a failover):
        # try again once it is replaced, after this task (bankdemo/celery.py).
        # Nothing is noted on the row, which may be out of reach; its lease and
        # state make a repeated step harmless.
        countdown = retrieve.backoff(task.request.retries, None)
        raise task.retry(countdown=countdown, exc=error) from None

    if following.task is not None:
        send(following.task, retrieval_id, countdown=following.countdown)


@shared_task(
    bind=True,
    ignore_result=True,
    max_retries=RETRY_CEILING,
    soft_time_limit=60,
    time_limit=90,
)
def request_retrieval(self: Task, retrieval_id: str) -> None:  # type: ignore[type-arg]
    _run(self, retrieve.request_data, retrieval_id)


@shared_task(
    bind=True,
    ignore_result=True,
    max_retries=RETRY_CEILING,
    soft_time_limit=60,
    time_limit=90,
)
def fetch_result(self: Task, retrieval_id: str) -> None:  # type: ignore[type-arg]
    _run(self, retrieve.fetch_result, retrieval_id)


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def sweep_due_retrievals() -> int:
    """Send what is due: next tries after a stop, and work whose message was lost."""
    sent = 0
    while due := retrieve.due_retrievals():
        for task_name, retrieval_id in due:
            send(task_name, retrieval_id)
        sent += len(due)
    return sent


@shared_task(ignore_result=True, soft_time_limit=300, time_limit=330)
def purge_expired_data() -> int:
    """Delete personal data and tokens past the consented period (§4.2)."""
    return retention.purge_expired()


_TASKS = {"request_retrieval": request_retrieval, "fetch_result": fetch_result}


def send(task_name: str, retrieval_id: str, *, countdown: int = 0) -> None:
    """Enqueue a step by name."""
    _TASKS[task_name].apply_async(args=(retrieval_id,), countdown=countdown)
