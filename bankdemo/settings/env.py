"""Strict readers for settings taken from the environment.

A malformed value stops the process at start-up with a message that names the
variable, instead of surfacing later as a confusing failure.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    """Return the variable as text, or the default when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return the variable as a boolean; anything but a clear yes or no fails."""
    raw = os.environ.get(name)
    if raw is None:
        return default

    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return the variable as a whole number no smaller than ``minimum``."""
    raw = os.environ.get(name)
    if raw is None:
        return default

    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {raw!r}"
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: str) -> list[str]:
    """Return a comma-separated variable as a list of non-empty items."""
    return [part.strip() for part in env_str(name, default).split(",") if part.strip()]


def secret_key(var_dir: Path) -> str:
    """Return ``DJANGO_SECRET_KEY``, or a per-checkout key kept under ``var/``.

    The generated key never enters the repository; production settings refuse
    to start without the variable.
    """
    configured = os.environ.get("DJANGO_SECRET_KEY")
    if configured:
        return configured

    key_file = var_dir / "secret-key"
    if not key_file.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
