"""What every simulator call reads first: its clock, whether anything is forced
or queued, and which signing key is current.

Each call asks for the simulator's time, for the servers forced up or down and
for the faults queued for its endpoint. Through the ORM those were three
queries, about 1 ms of CPU together, on every call; one ORM query joining them
cost as much, nearly all of it in building the SQL. This fixed statement costs
0.14 ms and one round trip (BENCHMARKS.md). It gives the clock row's offset and
frozen time, whether any server is forced and any fault or bad message is
queued (only then does a call read those rows), and the ``kid`` of the newest
unretired signing key, so that a call that signs reads no key row it has seen
before (``keys.current_signing_key``). Kept once per request, like the rest of
``per_request``; the functions that change any of it call ``forget``.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.db import connection
from django.utils.dateparse import parse_datetime

from mynaportal.simulator import per_request
from mynaportal.simulator.models import (
    Fault,
    ServerOverride,
    SigningKey,
    SimulatorClock,
)

NAME = "control_state"
STATEMENT = (
    "SELECT (SELECT {offset} FROM {clock} WHERE {id} = 1),"
    " (SELECT {frozen} FROM {clock} WHERE {id} = 1),"
    " EXISTS (SELECT 1 FROM {overrides}),"
    " EXISTS (SELECT 1 FROM {faults} WHERE {remaining} > 0),"
    " (SELECT {kid} FROM {keys} WHERE {retired} IS NULL"
    " ORDER BY {created} DESC, {key_id} DESC LIMIT 1)"
)


@dataclass(frozen=True)
class ControlState:
    offset_seconds: float
    frozen_at: datetime | None
    servers_forced: bool
    faults_queued: bool
    signing_kid: str | None


def current() -> ControlState:
    """The state for this request (read anew on every call outside a request)."""
    return per_request.remembered(NAME, _read)


def forget() -> None:
    per_request.forget(NAME)


@cache
def _statement() -> str:
    """Built once per process: the names are the models', the database one."""
    quote = connection.ops.quote_name
    clock, fault, key = SimulatorClock._meta, Fault._meta, SigningKey._meta
    names = {
        "clock": quote(clock.db_table),
        "id": quote(str(clock.pk.column)),
        "offset": quote(str(clock.get_field("offset_seconds").column)),
        "frozen": quote(str(clock.get_field("frozen_at").column)),
        "overrides": quote(ServerOverride._meta.db_table),
        "faults": quote(fault.db_table),
        "remaining": quote(str(fault.get_field("remaining").column)),
        # The newest first, as SigningKey's own ordering puts them.
        "keys": quote(key.db_table),
        "kid": quote(str(key.get_field("kid").column)),
        "retired": quote(str(key.get_field("retired_at").column)),
        "created": quote(str(key.get_field("created_at").column)),
        "key_id": quote(str(key.pk.column)),
    }
    # Only the models' own table and column names, quoted: no input reaches it.
    return STATEMENT.format(**names)


def _read() -> ControlState:
    with connection.cursor() as cursor:
        cursor.execute(_statement())
        offset, frozen, forced, queued, kid = cursor.fetchone()
    return ControlState(
        offset_seconds=float(offset or 0),
        frozen_at=_aware(frozen),
        servers_forced=bool(forced),
        faults_queued=bool(queued),
        signing_kid=str(kid) if kid else None,
    )


def _aware(value: object) -> datetime | None:
    """PostgreSQL gives an aware datetime; SQLite the stored UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
