"""WSGI entry point for either site, chosen by ``DJANGO_SETTINGS_MODULE``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bankdemo.settings.bank")

application = get_wsgi_application()
