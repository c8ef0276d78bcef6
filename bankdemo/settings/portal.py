"""The Mynaportal simulator: a separate site with its own database and cookies."""

from bankdemo.settings.base import *  # noqa: F403
from bankdemo.settings.base import COMMON_APPS, MIDDLEWARE, database
from bankdemo.settings.env import env_bool, env_int, env_str

INSTALLED_APPS = [*COMMON_APPS, "mynaportal.simulator"]
# First, so that everything a request does shares its one read of the clock.
MIDDLEWARE = ["mynaportal.simulator.per_request.Memo", *MIDDLEWARE]

ROOT_URLCONF = "bankdemo.portal_urls"
ERROR_PAGE_TEMPLATE = "simulator/http_error.html"
DATABASES = {"default": database("SIMULATOR_DATABASE_URL", "portal.sqlite3")}

SESSION_COOKIE_NAME = "portal_session"
CSRF_COOKIE_NAME = "portal_csrftoken"
LANGUAGE_COOKIE_NAME = "portal_language"
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions live in signed cookies: the simulator keeps no session table, and its
# flow state is held in its own authorization rows.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

# The issuer identifier, exactly as clients configure it (RFC 8414, RFC 9207).
MYNAPORTAL_SIM_ISSUER = env_str("MYNAPORTAL_SIM_ISSUER", "http://127.0.0.1:8001")
# Behind the TLS proxy (nginx, mutual TLS): trust the certificate it passes on,
# and require it on every back-channel call (RFC 8705). Never set it on a
# simulator that clients can reach without the proxy.
MYNAPORTAL_SIM_BEHIND_TLS = env_bool("MYNAPORTAL_SIM_BEHIND_TLS", False)
# How long a request stays "processing" before its result is ready.
MYNAPORTAL_SIM_PROCESSING_SECONDS = env_int(
    "MYNAPORTAL_SIM_PROCESSING_SECONDS", 2, minimum=0
)
