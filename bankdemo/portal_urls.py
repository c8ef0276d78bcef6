"""Root URLs of the portal simulator's site."""

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("mynaportal.simulator.urls")),
]

# The site's own pages, not Django's defaults (sitewide.error_pages).
handler400 = "sitewide.error_pages.bad_request"
handler403 = "sitewide.error_pages.permission_denied"
handler404 = "sitewide.error_pages.page_not_found"
handler500 = "sitewide.error_pages.server_error"
