"""The authorization phase of a retrieval, in the customer's browser requests.

1. ``begin``: PAR with PKCE, state and nonce, then send the browser to the portal.
2. ``complete_authorization``: on the callback, check state and issuer, and
   redeem the code at once (it lives 60 seconds, so never in a task); the data
   phase then goes to Celery (``retrieve``).
"""

import base64
import hashlib
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from mynaportal import catalog
from mynaportal.client import conf, retention, retrieve, sealing, tasks
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import (
    PermanentPortalError,
    PortalError,
    PortalSession,
)
from mynaportal.client.verify import verify_id_token

logger = logging.getLogger(__name__)

PENDING_SESSION_KEY = "mynaportal_pending"

State = Retrieval.State


class CallbackError(Exception):
    """The callback cannot be trusted; ``code`` says which check failed."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def safe_return_path(candidate: str, fallback: str) -> str:
    """Keep only a local path, so a return address cannot leave the site."""
    if (
        candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts=None)
    ):
        return candidate
    return fallback


def begin(
    request: HttpRequest,
    *,
    tm_codes: list[str],
    condition: catalog.QueryCondition,
    return_path: str,
) -> tuple[Retrieval, str]:
    """Push an authorization request; return the retrieval and the portal URL."""
    catalog.check_condition(condition, tm_codes)
    if request.user.pk is None:
        raise PermissionDenied
    session = PortalSession()

    oauth_state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    request_uri = session.push_authorization_request(
        {
            "response_type": "code",
            "client_id": conf.client_id(),
            "redirect_uri": conf.redirect_uri(),
            "scope": "openid",
            "state": oauth_state,
            "nonce": nonce,
            "code_challenge": _s256(verifier),
            "code_challenge_method": "S256",
            "tm_codes": " ".join(tm_codes),
            "query_condition": _json(condition.to_json()),
        }
    )

    _supersede(request.user.pk, tm_codes)
    retrieval = Retrieval.objects.create(
        owner_id=request.user.pk,
        tm_codes=tm_codes,
        condition=condition.to_json(),
        return_path=safe_return_path(return_path, "/"),
        oauth_state=oauth_state,
        nonce=nonce,
        code_verifier_sealed=sealing.seal(verifier),
    )
    session.attach(str(retrieval.pk))
    pending = request.session.get(PENDING_SESSION_KEY, [])
    request.session[PENDING_SESSION_KEY] = [*pending[-4:], str(retrieval.pk)]
    query = urlencode({"client_id": conf.client_id(), "request_uri": request_uri})
    return retrieval, f"{session.endpoint('authorization_endpoint')}?{query}"


def _supersede(owner_id: int, tm_codes: list[str]) -> None:
    """A new retrieval replaces the owner's unfinished one (SECURITY Q15), whose
    consent, if it had one, is revoked."""
    unfinished = Retrieval.objects.filter(
        owner_id=owner_id, tm_codes=tm_codes, state__in=retention.UNFINISHED
    )
    for retrieval in unfinished.only("pk"):
        retention.cancel(retrieval, reason="superseded")


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def complete_authorization(request: HttpRequest) -> Retrieval:
    """Handle the portal's redirect back: checks first, then the code exchange."""
    retrieval = _claim_callback(request)

    if "error" in request.GET:
        _finish(retrieval, State.CANCELLED, error_code=_portal_error_code(request))
        return retrieval

    try:
        _redeem_code(retrieval, request.GET.get("code", ""))
    except PortalError as error:
        _finish(retrieval, State.FAILED, error_code=error.code)
    return retrieval


def _portal_error_code(request: HttpRequest) -> str:
    """What the portal's error redirect says, in the bank's own words."""
    if request.GET.get("error") != "access_denied":
        return "portal_error"
    if request.GET.get("error_description", "").startswith("identity_verification"):
        return "identity_failed"
    return "access_denied"


def _claim_callback(request: HttpRequest) -> Retrieval:
    oauth_state = request.GET.get("state", "")
    pending = request.session.get(PENDING_SESSION_KEY, [])
    retrieval = Retrieval.objects.filter(
        oauth_state=oauth_state,
        state=State.STARTED,
        owner_id=request.user.pk,
        id__in=pending,
    ).first()
    if not oauth_state or retrieval is None:
        raise CallbackError("state")
    if request.GET.get("iss") != conf.issuer():
        raise CallbackError("iss")

    request.session[PENDING_SESSION_KEY] = [
        p for p in pending if p != str(retrieval.pk)
    ]
    spent = f"spent-{secrets.token_hex(16)}"
    claimed = Retrieval.objects.filter(
        pk=retrieval.pk, state=State.STARTED, oauth_state=oauth_state
    ).update(oauth_state=spent)
    if claimed != 1:
        raise CallbackError("state")
    return retrieval


def _redeem_code(retrieval: Retrieval, code: str) -> None:
    session = PortalSession(str(retrieval.pk))
    tokens = session.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": conf.redirect_uri(),
            "code_verifier": sealing.unseal(retrieval.code_verifier_sealed),
        }
    )
    subject = verify_id_token(session, str(tokens.get("id_token", "")), retrieval.nonce)
    if not isinstance(tokens.get("refresh_token"), str):
        raise PermanentPortalError("token_malformed")

    with transaction.atomic():
        store_tokens(retrieval, tokens)
        retrieval.subject = subject
        retrieval.state = State.AUTHORIZED
        retrieval.code_verifier_sealed = ""
        retrieval.save()
        transaction.on_commit(lambda: enqueue("request_retrieval", retrieval.pk))


def store_tokens(retrieval: Retrieval, tokens: dict[str, Any]) -> None:
    """Seal a token answer's tokens onto the retrieval (not saved yet)."""
    now = timezone.now()
    retrieval.access_token_sealed = sealing.seal(str(tokens["access_token"]))
    retrieval.access_expires_at = now + timedelta(seconds=_int(tokens, "expires_in"))
    if isinstance(tokens.get("refresh_token"), str):
        retrieval.refresh_token_sealed = sealing.seal(tokens["refresh_token"])
    if "consent_expires_at" in tokens:
        retrieval.consent_expires_at = datetime.fromtimestamp(
            _int(tokens, "consent_expires_at"), tz=UTC
        )


def _int(tokens: dict[str, Any], name: str) -> int:
    value = tokens.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise PermanentPortalError("token_malformed")
    return value


def enqueue(task_name: str, retrieval_id: Any) -> None:
    """Send the next step; with the broker down, leave the row to the sweep."""
    try:
        tasks.send(task_name, str(retrieval_id))
    except Exception:
        # The broker is down: the row is made due, and the sweep sends it once
        # the broker is back (SECURITY Q1); the customer sees "waiting".
        retrieve.mark_undelivered(str(retrieval_id))
        logger.exception(
            "Could not enqueue %s for retrieval %s", task_name, retrieval_id
        )


def _finish(retrieval: Retrieval, state: str, *, error_code: str = "") -> None:
    Retrieval.objects.filter(pk=retrieval.pk).update(
        state=state,
        error_code=error_code,
        next_try_at=None,
        completed_at=timezone.now(),
        updated_at=timezone.now(),
    )
    retrieval.state = state
    retrieval.error_code = error_code


def retrieval_of(
    owner: AbstractBaseUser | AnonymousUser, retrieval_id: str
) -> Retrieval | None:
    """The owner's retrieval with that id, or None (also for another's id)."""
    if not owner.is_authenticated:
        return None
    try:
        return Retrieval.objects.get(owner_id=owner.pk, pk=retrieval_id)
    except (Retrieval.DoesNotExist, ValueError, TypeError, ValidationError):
        return None
