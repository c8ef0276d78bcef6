"""A URL whose view fails, to see what the bank's error page shows (R35)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure whose details must not reach the customer")


urlpatterns = [path("fails/", fails)]
