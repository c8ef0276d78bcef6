"""The ceiling for the pages: a bare Django site with one small form and one JSON view.

Served by ``make bench`` exactly as the two real sites are (gunicorn, 2 sync
workers), so the pages' requests/s can be read as a share of it. No database, no
sessions, no middleware: what is left is Django's request handling, a template
and a form, which every real page pays too.

A third view, a calibration and not a ceiling, renders the same form after three
ORM reads of a user by primary key from the bank's database (``DATABASE_URL``):
what a page pays for three queries and nothing else, as the bank's form page
makes three (its session, its user, its draft).
"""

import os
from functools import cache
from typing import Any

import dj_database_url
from django import forms
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import Context, Template
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-bare-view-not-a-secret",  # noqa: S106 - serves no one
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
    DATABASES=(
        {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
        if os.environ.get("DATABASE_URL")
        else {}
    ),
    USE_I18N=False,
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
)

PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
<form method="post">{{ form.as_div }}<button type="submit">送信</button></form>
</main></body></html>"""


class SmallForm(forms.Form):
    desired_date = forms.CharField(label="借入希望日", max_length=8)
    amount_man_yen = forms.IntegerField(label="借入希望額（万円）", min_value=1)
    term_years = forms.IntegerField(label="返済期間（年）", min_value=1)
    annual_income_man_yen = forms.IntegerField(label="年収（万円）", required=False)


@cache
def page() -> Template:
    """Compiled once per process, as a cached template loader would."""
    return Template(PAGE)


def form_view(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"title": "借入のお申込み", "form": SmallForm()}
    return HttpResponse(page().render(Context(context)))


def json_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "completed", "process_id": "bench"})


READS = 3


@cache
def _user_id() -> int:
    from django.contrib.auth.models import User

    return int(User.objects.values_list("pk", flat=True).earliest("pk"))


def form_after_reads_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth.models import User

    for _ in range(READS):
        User.objects.get(pk=_user_id())
    return form_view(request)


urlpatterns = [
    path("form/", form_view),
    path("json/", json_view),
    path("form-after-reads/", form_after_reads_view),
]

application = get_wsgi_application()
