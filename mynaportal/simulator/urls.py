from django.urls import path

from mynaportal.simulator import control_views, docs_views, status_views, views

app_name = "simulator"

urlpatterns = [
    path("", views.home, name="home"),
    path("api/openapi.json", docs_views.openapi, name="openapi"),
    path("errors/", docs_views.errors, name="errors"),
    path(".well-known/oauth-authorization-server", views.discovery, name="discovery"),
    path("jwks.json", views.jwks, name="jwks"),
    path("oauth/par", views.par, name="par"),
    path("oauth/authorize", views.authorize, name="authorize"),
    path("oauth/consent", views.consent, name="consent"),
    path("oauth/identity", views.identity_check, name="identity"),
    path("oauth/token", views.token, name="token"),
    path("oauth/revoke", views.revoke, name="revoke"),
    path("oauth/kiosk/consent", views.kiosk_consent, name="kiosk-consent"),
    path("oauth/kiosk/identity", views.kiosk_identity, name="kiosk-identity"),
    path("api/v1/card-reader/cards", views.card_reader_cards, name="card-reader"),
    path("api/v1/card-reader/sign", views.card_reader_sign, name="card-reader-sign"),
    path("request", views.self_information_request, name="request"),
    path("result", views.self_information_result, name="result"),
    path("control/", control_views.panel, name="control"),
    path("control/clock", control_views.panel_clock, name="control-clock"),
    path("control/server", control_views.panel_server, name="control-server"),
    path(
        "control/notification",
        control_views.panel_notification,
        name="control-notification",
    ),
    path("api/v1/control/state", control_views.control_state, name="api-state"),
    path("api/v1/control/clock", control_views.control_clock, name="api-clock"),
    path("api/v1/control/servers", control_views.control_server, name="api-server"),
    path("api/v1/control/faults", control_views.control_fault, name="api-faults"),
    path("api/v1/control/grants", control_views.control_grants, name="api-grants"),
    path("api/v1/control/keys", control_views.control_keys, name="api-keys"),
    path(
        "api/v1/control/consents/revoke",
        control_views.control_consents,
        name="api-consents-revoke",
    ),
    path("api/v1/clients", control_views.clients_api, name="api-clients"),
    path("api/v1/clients/<str:client_id>", control_views.client_api, name="api-client"),
    path(
        "api/v1/clients/<str:client_id>/lifecycle",
        control_views.client_lifecycle_api,
        name="api-client-lifecycle",
    ),
    path("inspector/", control_views.inspector_page, name="inspector"),
    path(
        "inspector/<str:flow_key>/",
        control_views.inspector_page,
        name="inspector-flow",
    ),
    path(
        "api/v1/inspector/<str:flow_key>",
        control_views.inspector_api,
        name="api-inspector",
    ),
    path("api/v1/personas", control_views.personas_api, name="api-personas"),
    path("control/personas/", control_views.personas_panel, name="personas"),
    path(
        "control/personas/import",
        control_views.personas_panel_import,
        name="personas-import",
    ),
    path("control/clients/", control_views.clients_panel, name="clients"),
    path(
        "control/clients/register",
        control_views.clients_panel_register,
        name="clients-register",
    ),
    path(
        "control/clients/<str:client_id>/lifecycle",
        control_views.clients_panel_lifecycle,
        name="clients-lifecycle",
    ),
    path(
        "api/v1/control/notifications",
        control_views.control_notification,
        name="api-notification",
    ),
    path(
        "api/v1/operating-status",
        status_views.operating_status_api,
        name="operating-status-api",
    ),
    path(
        "operating-status/",
        status_views.operating_status_page,
        name="operating-status",
    ),
]
