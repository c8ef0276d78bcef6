"""The bank's Celery application; configuration comes from ``CELERY_*`` settings."""

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankdemo.settings.bank")

app = Celery("bankdemo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_stale_connections(task: Any = None, **kwargs: Any) -> None:
    """Around each task, what Django does around each request: close a database
    connection that failed or outlived CONN_MAX_AGE. Celery itself checks only
    every CELERY_DB_REUSE_MAX tasks, so a connection the database dropped would
    fail every task in between. Not for a task run in the caller's process
    (eager), whose connection, and transaction, are the caller's."""
    if task is not None and getattr(task.request, "is_eager", False):
        return

    close_old_connections()
