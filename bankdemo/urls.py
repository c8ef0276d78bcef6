"""Root URLs of the bank's site."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("mynaportal/", include("mynaportal.client.urls")),
    path("", include("loans.urls")),
]
