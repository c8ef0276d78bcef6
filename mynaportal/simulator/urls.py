from django.urls import path

from mynaportal.simulator import views

app_name = "simulator"

urlpatterns = [
    path("", views.home, name="home"),
    path(".well-known/oauth-authorization-server", views.discovery, name="discovery"),
    path("jwks.json", views.jwks, name="jwks"),
    path("oauth/par", views.par, name="par"),
    path("oauth/authorize", views.authorize, name="authorize"),
    path("oauth/consent", views.consent, name="consent"),
    path("oauth/identity", views.identity_check, name="identity"),
    path("oauth/token", views.token, name="token"),
    path("request", views.self_information_request, name="request"),
    path("result", views.self_information_result, name="result"),
]
