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

# The site's own pages, not Django's defaults (sitewide.error_pages).
handler400 = "sitewide.error_pages.bad_request"
handler403 = "sitewide.error_pages.permission_denied"
handler404 = "sitewide.error_pages.page_not_found"
handler500 = "sitewide.error_pages.server_error"
