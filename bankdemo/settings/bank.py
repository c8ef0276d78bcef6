"""The bank's site: customers, the loan form and the Mynaportal client."""

from urllib.parse import urlsplit

from csp.constants import SELF

from bankdemo.settings.base import *  # noqa: F403
from bankdemo.settings.base import (
    COMMON_APPS,
    CONTENT_SECURITY_POLICY,
    CSP_DIRECTIVES,
    MIDDLEWARE,
    TEMPLATES,
    VAR_DIR,
    cache,
    database,
)
from bankdemo.settings.env import env_int, env_str

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    *COMMON_APPS,
    "allauth",
    "allauth.account",
    "loans",
    "mynaportal.client",
]

MIDDLEWARE = [*MIDDLEWARE, "allauth.account.middleware.AccountMiddleware"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware"),
    "django.contrib.auth.middleware.AuthenticationMiddleware",
)

ROOT_URLCONF = "bankdemo.urls"
ERROR_PAGE_TEMPLATE = "loans/http_error.html"
DATABASES = {"default": database("DATABASE_URL", "bank.sqlite3")}
# allauth counts sign-in rate limits here: shared by every web process when set.
CACHES = {"default": cache("DJANGO_CACHE_URL")}

# The bank and the portal run on the same host in the demo, and browsers do not
# separate cookies by port: each site keeps cookies of its own name.
SESSION_COOKIE_NAME = "bank_session"
CSRF_COOKIE_NAME = "bank_csrftoken"
LANGUAGE_COOKIE_NAME = "bank_language"
# Lax, not Strict: the redirect back from the portal is a cross-site top-level
# navigation and must still carry the session that holds the pending retrieval.
SESSION_COOKIE_SAMESITE = "Lax"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "loans:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "loans:home"

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "loans.mail.DemoMailboxBackend")
DEFAULT_FROM_EMAIL = "noreply@bank.example"

CELERY_BROKER_URL = env_str("REDIS_URL", "") or "filesystem://"
if not CELERY_BROKER_URL.startswith("redis"):
    # kombu's filesystem transport: an embedded broker for a bare machine.
    (VAR_DIR / "broker").mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "broker-control").mkdir(parents=True, exist_ok=True)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if CELERY_BROKER_URL.startswith("redis")
    else {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        # Its exchange tables too, not in a "control" folder wherever it runs.
        "control_folder": str(VAR_DIR / "broker-control"),
    }
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that is down must not hold up the page that enqueues (SECURITY Q1):
# give up quickly; the row keeps its next try and the sweep sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Celery closes the database connection around every task unless told to keep
# it: a new PostgreSQL connection per task cost most of the drain's database
# time. Kept across tasks: bankdemo/celery.py closes it, as Django does after a
# request, once it has failed or outlived CONN_MAX_AGE; Celery's own check comes
# only every CELERY_DB_REUSE_MAX tasks.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 100, minimum=0)
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BEAT_SCHEDULE = {
    "mynaportal-sweep": {
        "task": "mynaportal.client.tasks.sweep_due_retrievals",
        "schedule": env_int("MYNAPORTAL_SWEEP_SECONDS", 30, minimum=1),
    },
    "mynaportal-retention": {
        "task": "mynaportal.client.tasks.purge_expired_data",
        "schedule": 3600,
    },
}

# The Mynaportal client (mynaportal.client). The demo defaults point at the
# simulator that `make demo` starts beside the bank.
MYNAPORTAL_ISSUER = env_str("MYNAPORTAL_ISSUER", "http://127.0.0.1:8001")
MYNAPORTAL_CLIENT_ID = env_str("MYNAPORTAL_CLIENT_ID", "SP12345678_AB1234")
MYNAPORTAL_REDIRECT_URI = env_str(
    "MYNAPORTAL_REDIRECT_URI", "http://127.0.0.1:8000/mynaportal/callback/"
)
MYNAPORTAL_CLIENT_KEYS_FILE = env_str(
    "MYNAPORTAL_CLIENT_KEYS_FILE", str(VAR_DIR / "keys" / "bank-client.jwks.json")
)
MYNAPORTAL_TIMEOUT_SECONDS = env_int("MYNAPORTAL_TIMEOUT_SECONDS", 10, minimum=1)
# Mutual TLS with the portal (guideline §4.2): the bank's client certificate
# and key, and the CA that signed the portal's server certificate. Empty: plain
# HTTP to a local simulator (`make demo`).
MYNAPORTAL_TLS_CLIENT_CERT_FILE = env_str("MYNAPORTAL_TLS_CLIENT_CERT_FILE", "")
MYNAPORTAL_TLS_CLIENT_KEY_FILE = env_str("MYNAPORTAL_TLS_CLIENT_KEY_FILE", "")
MYNAPORTAL_TLS_CA_FILE = env_str("MYNAPORTAL_TLS_CA_FILE", "")
MYNAPORTAL_MAX_ATTEMPTS = env_int("MYNAPORTAL_MAX_ATTEMPTS", 8, minimum=1)
# Longer than a task's hard time limit (90 s), so a live worker never loses it.
MYNAPORTAL_LEASE_SECONDS = env_int("MYNAPORTAL_LEASE_SECONDS", 120, minimum=1)
MYNAPORTAL_SWEEP_GRACE_SECONDS = env_int(
    "MYNAPORTAL_SWEEP_GRACE_SECONDS", 60, minimum=1
)
# The branch kiosk's card reader (guideline §3); unset, the simulator's virtual
# reader at the issuer.
MYNAPORTAL_CARD_READER_URL = env_str("MYNAPORTAL_CARD_READER_URL", "")
# Seconds without a touch after which a kiosk returns to its start and wipes
# what it showed.
BANK_KIOSK_IDLE_SECONDS = env_int("BANK_KIOSK_IDLE_SECONDS", 60, minimum=5)
# Keys that seal retrieved data and tokens at rest: "kid:base64-32-bytes,..."
# with the newest first. Unset, one key is derived from the secret key.
BANK_DATA_KEYS = env_str("BANK_DATA_KEYS", "")

TEMPLATES[0]["OPTIONS"]["context_processors"].append(  # type: ignore[index]
    "django.contrib.auth.context_processors.auth"
)


def _portal_origin(issuer: str) -> str:
    """The portal's origin for form-action; any port on loopback (demo, tests)."""
    parts = urlsplit(issuer)
    if parts.hostname in {"127.0.0.1", "localhost"}:
        return f"{parts.scheme}://{parts.hostname}:*"
    return f"{parts.scheme}://{parts.netloc}"


# The button to Mynaportal posts to the bank, which redirects to the portal:
# form-action covers that redirect, so the portal's origin must be listed.
CONTENT_SECURITY_POLICY = {
    **CONTENT_SECURITY_POLICY,
    "DIRECTIVES": {
        **CSP_DIRECTIVES,
        "form-action": [SELF, _portal_origin(MYNAPORTAL_ISSUER)],
    },
}
