"""Settings shared by the bank and the portal simulator."""

from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from bankdemo.settings.env import env_bool, env_list, env_str, secret_key

# Lets the code subscript Django generics (ModelAdmin[Model]) for type checks.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("BANKDEMO_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

COMMON_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sitewide.error_pages.MethodNotAllowedPage",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
            ],
            "libraries": {"bilingual": "sitewide.bilingual"},
        },
    },
]

WSGI_APPLICATION = "bankdemo.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# SQLite serves several processes in the demo (two web workers, a Celery worker,
# beat). A transaction that reads and then writes failed at once with "database
# is locked" when another process held the write lock: SQLite cannot let it wait
# there. IMMEDIATE takes the write lock at BEGIN, where waiting is safe, and
# ``timeout`` is how long any statement waits for a lock, in seconds.
SQLITE_OPTIONS = {"transaction_mode": "IMMEDIATE", "timeout": 20}


def database(env_name: str, sqlite_name: str) -> dict[str, object]:
    """Read a database URL, falling back to a SQLite file under ``var/``."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    url = env_str(env_name, f"sqlite:///{VAR_DIR / sqlite_name}")
    config = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
        # A file, not memory, so that test threads (live server, worker) share it.
        config["TEST"] = {"NAME": str(VAR_DIR / f"test-{sqlite_name}")}
    return config


def cache(env_name: str) -> dict[str, object]:
    """The default cache: this process's memory, or one Redis shared by all."""
    url = env_str(env_name, "")
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        # The URL itself is not repeated: it may hold a password.
        raise ImproperlyConfigured(
            f"{env_name} must be a redis://, rediss:// or unix:// URL"
        )
    return {
        "BACKEND": "sitewide.cache.SharedCache",
        "LOCATION": url,
        # A Redis that does not answer costs a page a second at most, not
        # redis-py's default of five.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


LANGUAGE_CODE = "ja"
# Each language named in itself, as language switches do.
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates per language over Django's own: 2026年12月19日 23:00, December 19, 2026, 23:00.
FORMAT_MODULE_PATH = ["bankdemo.formats"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Each site's own page for a failed CSRF check, as for 400/403/404/500.
CSRF_FAILURE_VIEW = "sitewide.error_pages.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# No inline script or style anywhere: every page's code comes from static files.
CSP_DIRECTIVES: dict[str, list[str]] = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "frame-ancestors": [NONE],
    "base-uri": [NONE],
    "object-src": [NONE],
}
CONTENT_SECURITY_POLICY = {
    # Django's admin pages carry inline scripts of their own.
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": CSP_DIRECTIVES,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
    "filters": {"no_query": {"()": "bankdemo.settings.logs.DropQueryStrings"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_query"],
        }
    },
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}
