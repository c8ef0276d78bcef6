from django.urls import path

from loans import views

app_name = "loans"

urlpatterns = [
    path("", views.home, name="home"),
    path("loans/apply/", views.apply, name="apply"),
    path("loans/applications/<uuid:application_id>/", views.result, name="result"),
    path("mail/", views.mailbox, name="mailbox"),
]
