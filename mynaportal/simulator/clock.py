"""The simulator's notion of the current time, in one place."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """Return the simulator's current time (timezone-aware)."""
    return timezone.now()
