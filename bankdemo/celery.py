"""The bank's Celery application; configuration comes from ``CELERY_*`` settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankdemo.settings.bank")

app = Celery("bankdemo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
