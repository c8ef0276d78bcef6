"""Root URLs of the portal simulator's site."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("mynaportal.simulator.urls")),
]
