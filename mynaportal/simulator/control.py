"""Scenario control shared by the control panel and the JSON control API."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Sum

from mynaportal import catalog, schedule
from mynaportal.simulator import clock, notifications, oauth
from mynaportal.simulator.models import (
    Client,
    Fault,
    Grant,
    Persona,
    ProcessRequest,
    SimulatorClock,
    Token,
)


class ControlError(ValueError):
    """A control command that cannot be carried out, with a clear reason."""


def parse_moment(value: object) -> datetime:
    """An ISO 8601 time; without an offset it is read as Japan time."""
    if not isinstance(value, str):
        raise ControlError("Give the time as an ISO 8601 string")

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ControlError(f"Not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=schedule.JST)


def apply_clock(command: dict[str, Any]) -> datetime:
    """Set, move, freeze or reset the clock; then notify what became ready."""
    if command.get("reset") is True:
        moment = clock.reset()
    elif "at" in command:
        moment = clock.set_time(
            parse_moment(command["at"]), frozen=command.get("frozen") is True
        )
    elif isinstance(command.get("move_seconds"), int | float):
        moment = clock.move(float(command["move_seconds"]))
    elif isinstance(command.get("frozen"), bool):
        moment = clock.set_time(clock.now(), frozen=command["frozen"])
    else:
        raise ControlError("Use one of: at (+frozen), move_seconds, frozen, reset")

    notifications.notify_ready()
    return moment


def apply_server(code: object, state: object) -> None:
    """Force a server up or down, or give it back to its calendar."""
    if code not in catalog.SERVERS:
        raise ControlError(f"Unknown server code: {code!r}")
    choices = {"up": True, "down": False, "calendar": None}
    if state not in choices:
        raise ControlError("state must be up, down or calendar")

    clock.force_server(str(code), choices[str(state)])
    notifications.notify_ready()


def send_notice(process_id: object) -> bool:
    """Send a process's notice now, whatever its state ("send it now")."""
    process = (
        ProcessRequest.objects.select_related("grant__client")
        .filter(process_id=process_id)
        .first()
    )
    if process is None:
        raise ControlError("Unknown process_id")
    return notifications.notify(process)


def issue_grants(command: dict[str, Any]) -> dict[str, Any]:
    """Consents and tokens without the browser journey (a test helper, S21).

    For load tests and CI: what a completed consent and code exchange would
    have produced, for a registered client and a persona, ``count`` times.
    """
    client = Client.objects.filter(client_id=command.get("client_id")).first()
    persona = Persona.objects.filter(slug=command.get("persona")).first()
    count = command.get("count", 1)
    if client is None or persona is None:
        raise ControlError("Give a registered client_id and a persona slug")
    if not isinstance(count, int) or not 1 <= count <= 10_000:
        raise ControlError("count must be a whole number from 1 to 10000")

    return {"grants": [oauth.grant_tokens(client, persona) for _ in range(count)]}


def revoke_consents(command: dict[str, Any]) -> dict[str, Any]:
    """Withdraw a person's consents to a client from the portal's side (S19).

    Every token of them stops working at once; the client learns it on its
    next call (401, then ``invalid_grant`` on refresh) and must ask again.
    """
    client = Client.objects.filter(client_id=command.get("client_id")).first()
    persona = Persona.objects.filter(slug=command.get("persona")).first()
    if client is None or persona is None:
        raise ControlError("Give a registered client_id and a persona slug")

    now = clock.now()
    live = Grant.objects.filter(client=client, persona=persona, revoked_at=None)
    Token.objects.filter(grant__in=live, revoked_at=None).update(revoked_at=now)
    return {"revoked": live.update(revoked_at=now)}


def snapshot() -> dict[str, Any]:
    """The clock, the forced servers and the deferred processes, as JSON."""
    now = clock.now()
    state = SimulatorClock.objects.filter(pk=1).first()
    return {
        "now": now.astimezone(schedule.JST).isoformat(),
        "frozen": bool(state and state.frozen_at),
        "forced": clock.forced_states(),
        "faults": list(
            Fault.objects.values("endpoint", "kind", "value", "remaining", "hits")
        ),
        "deferred": [
            {
                "process_id": process.process_id,
                "client_id": process.grant.client.client_id,
                "deferred_until": _iso(process.deferred_until),
            }
            for process in notifications.pending()
        ],
        "calls": _call_counts(),
    }


def _call_counts() -> dict[str, int]:
    """Calls made for every process, to show that clients do not hammer."""
    totals = ProcessRequest.objects.aggregate(
        processes=Count("id"),
        requests=Sum("request_calls"),
        results=Sum("result_calls"),
        most_requests=Max("request_calls"),
        most_results=Max("result_calls"),
    )
    return {name: int(value or 0) for name, value in totals.items()}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(schedule.JST).isoformat() if moment else None
