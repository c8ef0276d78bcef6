"""The Django project package: settings, root URLs, WSGI and the Celery app."""

from bankdemo.celery import app as celery_app

__all__ = ["celery_app"]
