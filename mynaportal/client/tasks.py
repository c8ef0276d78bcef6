"""Celery tasks: thin carriers of a retrieval id into ``flows``.

Messages hold the retrieval's id only; no token and no personal data travel
through the broker.
"""

from celery import Task, shared_task

from mynaportal.client import flows


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def request_retrieval(retrieval_id: str) -> None:
    _carry_on(flows.request_data(retrieval_id), retrieval_id)


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def fetch_result(retrieval_id: str) -> None:
    _carry_on(flows.poll_result(retrieval_id), retrieval_id)


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def sweep_due_retrievals() -> int:
    """Re-send work whose message was lost or whose broker was down."""
    due = flows.due_retrievals()
    for task_name, retrieval_id in due:
        _TASKS[task_name].delay(retrieval_id)
    return len(due)


_TASKS: dict[str, Task] = {  # type: ignore[type-arg]
    "request_retrieval": request_retrieval,
    "fetch_result": fetch_result,
}


def _carry_on(step: flows.NextStep, retrieval_id: str) -> None:
    if step.task is not None:
        _TASKS[step.task].apply_async(args=(retrieval_id,), countdown=step.countdown)


def send(task_name: str, retrieval_id: str) -> None:
    """Enqueue a step by name, at once."""
    _TASKS[task_name].delay(retrieval_id)
