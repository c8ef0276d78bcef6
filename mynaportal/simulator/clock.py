"""The simulator's notion of the current time, which the control panel can move.

Only business rules follow it (the operating calendar and the expiry of codes,
tokens and consents); ``iat`` and ``exp`` inside signed tokens use real time.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from mynaportal.simulator import control_state, per_request
from mynaportal.simulator.models import ServerOverride, SimulatorClock

OVERRIDES = "server_overrides"


def _state() -> SimulatorClock:
    state, _ = SimulatorClock.objects.get_or_create(pk=1)
    return state


def now() -> datetime:
    """Return the simulator's current time (timezone-aware)."""
    state = control_state.current()
    if state.frozen_at is not None:
        return state.frozen_at
    return timezone.now() + timedelta(seconds=state.offset_seconds)


def set_time(moment: datetime, *, frozen: bool) -> datetime:
    """Jump to ``moment``; frozen, the clock stays there until told otherwise."""
    state = _state()
    state.frozen_at = moment if frozen else None
    state.offset_seconds = (moment - timezone.now()).total_seconds()
    state.save()
    control_state.forget()
    return now()


def move(seconds: float) -> datetime:
    """Move the clock forward (or back, with a negative number)."""
    current = now()
    state = _state()
    return set_time(
        current + timedelta(seconds=seconds), frozen=state.frozen_at is not None
    )


def reset() -> datetime:
    """Back to real time."""
    SimulatorClock.objects.filter(pk=1).delete()
    control_state.forget()
    return now()


def forced_states() -> dict[str, bool]:
    """Servers forced up (True) or down (False) from the control panel."""
    if not control_state.current().servers_forced:
        return {}

    rows = per_request.remembered(
        OVERRIDES,
        lambda: list(ServerOverride.objects.values_list("server_code", "operating")),
    )
    return dict(rows)


def force_server(server_code: str, operating: bool | None) -> None:
    """Force a server up or down; ``None`` returns it to its calendar."""
    per_request.forget(OVERRIDES)
    control_state.forget()
    if operating is None:
        ServerOverride.objects.filter(server_code=server_code).delete()
        return

    ServerOverride.objects.update_or_create(
        server_code=server_code, defaults={"operating": operating}
    )
