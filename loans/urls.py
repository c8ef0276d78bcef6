from django.urls import path

from loans import demo, developer, kiosk, views

app_name = "loans"

urlpatterns = [
    path("", views.home, name="home"),
    path("loans/apply/", views.apply, name="apply"),
    path("loans/applications/<uuid:application_id>/", views.result, name="result"),
    path("mail/", views.mailbox, name="mailbox"),
    path("developer/", developer.developer, name="developer"),
    path("demo/", demo.guide, name="demo"),
    path("demo/<slug:slug>/", demo.start_scenario, name="demo-scenario"),
    path("kiosk/", kiosk.start, name="kiosk-start"),
    path("kiosk/service/", kiosk.service, name="kiosk-service"),
    path("kiosk/consent/", kiosk.consent, name="kiosk-consent"),
    path("kiosk/card/", kiosk.card, name="kiosk-card"),
    path("kiosk/pin/", kiosk.pin, name="kiosk-pin"),
    path("kiosk/retrieving/", kiosk.retrieving, name="kiosk-retrieving"),
    path("kiosk/confirm/", kiosk.confirm, name="kiosk-confirm"),
    path("kiosk/done/", kiosk.done, name="kiosk-done"),
    path("kiosk/cancel/", kiosk.cancel, name="kiosk-cancel"),
]
