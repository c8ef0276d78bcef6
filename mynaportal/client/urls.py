from django.urls import path

from mynaportal.client import views

app_name = "mynaportal"

urlpatterns = [
    path("callback/", views.callback, name="callback"),
    path("notifications/", views.notification, name="notification"),
    path("jwks.json", views.jwks, name="jwks"),
    path("retrievals/<uuid:retrieval_id>/", views.status, name="status"),
    path("retrievals/<uuid:retrieval_id>/cancel/", views.cancel, name="cancel"),
    path("retrievals/<uuid:retrieval_id>/withdraw/", views.withdraw, name="withdraw"),
]
