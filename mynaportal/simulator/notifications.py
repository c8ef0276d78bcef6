"""Result-ready notices to clients (our reading of IF001-05, absent from the stub).

A notice is a JWT signed by the portal, POSTed as ``application/jwt`` to the
client's registered notification URL. It names the process only; the client
fetches the result itself, so a lost notice costs a delay, never data.
"""

import logging
import secrets
import time

import requests
from joserfc import jwt

from mynaportal import schedule
from mynaportal.simulator import clock, inspector
from mynaportal.simulator.keys import SIGNING_ALGORITHM, current_signing_key
from mynaportal.simulator.models import ProcessRequest
from mynaportal.simulator.oauth import issuer

logger = logging.getLogger(__name__)

NOTICE_LIFETIME = 300
TIMEOUT_SECONDS = 5


def notify(process: ProcessRequest) -> bool:
    """Send the notice for one process now; True when the client took it."""
    client = process.grant.client
    if not client.notification_url:
        return False

    started = time.monotonic()
    try:
        answer = requests.post(
            client.notification_url,
            data=_notice(process),
            headers={"Content-Type": "application/jwt"},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        logger.warning(
            "Notice to %s failed: %s", client.client_id, type(error).__name__
        )
        return False

    accepted = answer.status_code < 300
    inspector.record(
        process.grant.flow_key, "notification", answer.status_code, started
    )
    if accepted:
        ProcessRequest.objects.filter(pk=process.pk).update(notified_at=clock.now())
    else:
        logger.warning("Notice to %s answered %s", client.client_id, answer.status_code)
    return accepted


def _notice(process: ProcessRequest) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer(),
        "aud": process.grant.client.client_id,
        "iat": now,
        "exp": now + NOTICE_LIFETIME,
        "jti": secrets.token_urlsafe(16),
        "event": "result_ready",
        "process_id": process.process_id,
    }
    key = current_signing_key()
    header = {"alg": SIGNING_ALGORITHM, "kid": key.kid, "typ": "notice+jwt"}
    return jwt.encode(header, claims, key, algorithms=[SIGNING_ALGORITHM])


def notify_ready() -> int:
    """Notify every deferred process whose servers are all operating again."""
    now, forced = clock.now(), clock.forced_states()
    waiting = ProcessRequest.objects.select_related("grant__client").filter(
        deferred_until__isnull=False, notified_at__isnull=True
    )
    ready = [
        process
        for process in waiting
        if not schedule.blocking_servers(process.tm_codes, now, forced)
    ]
    return sum(notify(process) for process in ready)


def pending() -> list[ProcessRequest]:
    """Deferred processes not yet notified, for the control panel."""
    return list(
        ProcessRequest.objects.select_related("grant__client")
        .filter(deferred_until__isnull=False, notified_at__isnull=True)
        .order_by("deferred_until")[:50]
    )
