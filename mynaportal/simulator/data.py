"""The data API: self-information requests (IF001-04) and results (IF001-06).

A result is a signed JWT (JWS) nested in a JWE encrypted to the client's
registered encryption key, so only that client can read it and it can tell
that the portal wrote it.
"""

import math
import secrets
import time
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from joserfc import jwe
from joserfc.errors import JoseError

from mynaportal import catalog, jose_keys, schedule
from mynaportal.simulator import clock, registry, scenario
from mynaportal.simulator.models import Grant, InformationRecord, ProcessRequest
from mynaportal.simulator.oauth import OAuthError, issuer, pairwise_subject

ENCRYPTION_ALGORITHM = "ECDH-ES+A256KW"
CONTENT_ENCRYPTION = "A256GCM"
RESULT_LIFETIME = timedelta(minutes=10)


class DataError(Exception):
    """A final answer about the data itself, such as ``no_data``."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def start_request(grant: Grant, body: object, idempotency_key: str) -> ProcessRequest:
    """Accept a request for consented categories; the same key gets the same process.

    Mynaportal itself runs 24/365, so a request is accepted even while a
    server it needs is stopped; its result then waits for the chain (§2.5).
    """
    if not isinstance(body, dict) or set(body) - {"tm_codes"}:
        raise OAuthError("invalid_request", 'The body must be {"tm_codes": [...]}')
    if len(idempotency_key) > 100:
        raise OAuthError("invalid_request", "Idempotency-Key is too long")

    existing = ProcessRequest.objects.filter(
        grant=grant, idempotency_key=idempotency_key
    ).first()
    if idempotency_key and existing is not None:
        ProcessRequest.objects.filter(pk=existing.pk).update(
            request_calls=F("request_calls") + 1
        )
        return existing

    tm_codes = body.get("tm_codes", grant.tm_codes)
    if not isinstance(tm_codes, list) or not tm_codes:
        raise OAuthError("invalid_request", "tm_codes must be a non-empty list")
    if not set(tm_codes) <= set(grant.tm_codes):
        raise OAuthError(
            "insufficient_scope", "That information was not consented", 403
        )
    return _new_process(grant, tm_codes, idempotency_key)


def _new_process(grant: Grant, tm_codes: list[str], key: str) -> ProcessRequest:
    now = clock.now()
    ready_at = now + timedelta(seconds=settings.MYNAPORTAL_SIM_PROCESSING_SECONDS)
    if "long_processing" in scenario.active("request", grant.scenario):
        ready_at += timedelta(seconds=scenario.LONG_PROCESSING_SECONDS)
    deferred_until = None
    if schedule.blocking_servers(tm_codes, now, clock.forced_states()):
        deferred_until = schedule.next_operating(tm_codes, now, clock.forced_states())
        ready_at = max(ready_at, deferred_until or ready_at)

    return ProcessRequest.objects.create(
        process_id=secrets.token_urlsafe(24),
        grant=grant,
        idempotency_key=key,
        tm_codes=tm_codes,
        condition=grant.condition,
        created_at=now,
        ready_at=ready_at,
        deferred_until=deferred_until,
    )


def request_answer(process: ProcessRequest) -> dict[str, Any]:
    """The answer to IF001-04: the process id, and any stop it waits for.

    Without a stop, ``retry_after`` says in how many seconds the result should
    be ready (0: now), so a client's first result call need not come too early.
    """
    answer: dict[str, Any] = {"process_id": process.process_id, "status": "accepted"}
    unavailable = unavailability(process.tm_codes)
    if unavailable is not None:
        answer["deferred"] = unavailable
        return answer

    remaining = (process.ready_at - clock.now()).total_seconds()
    answer["retry_after"] = max(0, math.ceil(remaining))
    return answer


def unavailability(tm_codes: list[str]) -> dict[str, Any] | None:
    """Which needed server is stopped now, why, and when the chain is back."""
    now, forced = clock.now(), clock.forced_states()
    blocking = schedule.blocking_servers(tm_codes, now, forced)
    if not blocking:
        return None

    state = schedule.server_state(blocking[0], now, forced)
    back = schedule.next_operating(tm_codes, now, forced)
    return {
        "server": state.code,
        "server_name": state.name,
        "reason": str(state.reason),
        "available_at": back.astimezone(schedule.JST).isoformat() if back else None,
        "retry_after": math.ceil((back - now).total_seconds()) if back else None,
    }


def process_for(grant: Grant, body: object) -> ProcessRequest:
    """Return the grant's process named in the body, or raise."""
    if not isinstance(body, dict) or not isinstance(body.get("process_id"), str):
        raise OAuthError("invalid_request", 'The body must be {"process_id": "..."}')

    try:
        process = ProcessRequest.objects.get(grant=grant, process_id=body["process_id"])
    except ProcessRequest.DoesNotExist:
        raise OAuthError("invalid_request", "Unknown process_id", 404) from None

    # The grant as loaded with its token, client and persona: no second read.
    process.grant = grant
    ProcessRequest.objects.filter(pk=process.pk).update(
        result_calls=F("result_calls") + 1
    )
    return process


def result_of(process: ProcessRequest) -> dict[str, Any]:
    """Answer a result call: still processing, the sealed result, or an error."""
    unavailable = unavailability(process.tm_codes)
    if unavailable is not None:
        return {"status": "error", "error": "middle_server_unavailable", **unavailable}

    now = clock.now()
    if process.ready_at > now:
        wait = max(1, int((process.ready_at - now).total_seconds() + 0.999))
        return {"status": "processing", "retry_after": wait}

    try:
        entries = [_entry(process, tm_code) for tm_code in process.tm_codes]
    except DataError as error:
        return {
            "status": "error",
            "error": error.error,
            "error_description": error.description,
        }
    return {"status": "completed", "result": _seal(process, entries)}


def _entry(process: ProcessRequest, tm_code: str) -> dict[str, Any]:
    persona = process.grant.persona
    category = catalog.category(tm_code)
    if "municipal" in category.servers and not persona.municipality_connected:
        raise DataError("not_connected", "The municipality is not connected")

    records = _select(
        list(persona.records.filter(tm_code=tm_code)),
        catalog.QueryCondition.from_json(process.condition),
        category,
    )
    if not records:
        raise DataError("no_data", f"No record of {tm_code} for the condition")
    return {
        "tm_code": tm_code,
        "name": category.display_name,
        "provider": records[0].provider,
        "records": [_record_json(record) for record in records],
    }


def _select(
    records: list[InformationRecord],
    condition: catalog.QueryCondition,
    category: catalog.Category,
) -> list[InformationRecord]:
    if condition.mode == catalog.QueryMode.AS_OF:
        day = condition.as_of or clock.now().date()
        return [record for record in records if record.valid_on(day)]
    if condition.mode == catalog.QueryMode.RANGE:
        start = condition.date_from or date.min
        end = condition.date_to or date.max
        return [record for record in records if _overlaps(record, start, end)]

    key = category.latest_item
    dated = [record for record in records if key and key in record.items]
    return [max(dated, key=lambda record: record.items[key])] if dated else []


def _overlaps(record: InformationRecord, start: date, end: date) -> bool:
    return record.valid_from <= end and (
        record.valid_to is None or record.valid_to >= start
    )


def _record_json(record: InformationRecord) -> dict[str, Any]:
    return {
        "valid_from": record.valid_from.isoformat(),
        "valid_to": record.valid_to.isoformat() if record.valid_to else None,
        "items": record.items,
    }


def _seal(process: ProcessRequest, entries: list[dict[str, Any]]) -> str:
    grant = process.grant
    names = scenario.active("result", grant.scenario)
    scenario.spoil_entries(entries, names, grant.persona.individual_number)
    now = int(time.time())
    claims = {
        "iss": issuer(),
        "aud": grant.client.client_id,
        "sub": pairwise_subject(grant.client, grant.persona),
        "iat": now,
        "exp": now + int(RESULT_LIFETIME.total_seconds()),
        "process_id": process.process_id,
        "selfPersonalData": entries,
    }
    scenario.spoil_claims(claims, names, "result_")
    return _encrypt_for(grant, scenario.sign(claims, names, "result_"))


def _encrypt_for(grant: Grant, plaintext: str) -> str:
    published = registry.public_keys(grant.client).get("keys", [])
    keys = [
        key for key in published if isinstance(key, dict) and key.get("use") == "enc"
    ]
    if not keys:
        raise OAuthError("invalid_client", "The client registered no encryption key")

    try:
        key = jose_keys.key_set({"keys": keys}).keys[0]
        header = {
            "alg": ENCRYPTION_ALGORITHM,
            "enc": CONTENT_ENCRYPTION,
            "cty": "JWT",
            "kid": key.kid,
        }
        return jwe.encrypt_compact(
            header,
            plaintext,
            key,
            algorithms=[ENCRYPTION_ALGORITHM, CONTENT_ENCRYPTION],
        )
    except (JoseError, ValueError) as error:
        raise OAuthError(
            "invalid_client", "The client's encryption key is unusable"
        ) from error
