from django.urls import path

from loans import demo, developer, views

app_name = "loans"

urlpatterns = [
    path("", views.home, name="home"),
    path("loans/apply/", views.apply, name="apply"),
    path("loans/applications/<uuid:application_id>/", views.result, name="result"),
    path("mail/", views.mailbox, name="mailbox"),
    path("developer/", developer.developer, name="developer"),
    path("demo/", demo.guide, name="demo"),
    path("demo/<slug:slug>/", demo.start_scenario, name="demo-scenario"),
]
