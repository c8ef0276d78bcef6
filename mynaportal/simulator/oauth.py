"""The authorization server: client authentication, PAR, codes and tokens.

The profile is FAPI 2.0's: pushed authorization requests only, PKCE with S256
only, ``private_key_jwt`` client authentication, one-time codes that live 60
seconds, and the issuer in every authorization response (RFC 9207).
"""

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError

from mynaportal import catalog, jose_keys
from mynaportal.simulator import clock, identity, jpki, registry, scenario
from mynaportal.simulator.models import (
    AuthorizationCode,
    Card,
    Client,
    Grant,
    KioskRequest,
    Persona,
    PushedRequest,
    Token,
    UsedAssertion,
    digest,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["ES256", "PS256"]
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
REQUEST_URI_LIFETIME = timedelta(seconds=90)
CODE_LIFETIME = timedelta(seconds=60)
# A person at a kiosk reads the card and types the PIN, up to three times.
KIOSK_REQUEST_LIFETIME = timedelta(minutes=5)
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
ID_TOKEN_LIFETIME = timedelta(minutes=5)
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=30)
# Spent assertion ids only need to outlive their assertion: each process
# deletes the expired ones at most this often, not on every call.
JTI_PURGE_SECONDS = 60
_last_jti_purge = [0.0]


class OAuthError(Exception):
    """An error answered as ``{"error": ..., "error_description": ...}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def issuer() -> str:
    """Return the portal's issuer identifier, exactly as published."""
    return str(settings.MYNAPORTAL_SIM_ISSUER)


def single_values(data: QueryDict) -> dict[str, str]:
    """Flatten form parameters, refusing any that appears twice (RFC 6749 §3.1)."""
    repeated = sorted(key for key, values in data.lists() if len(values) > 1)
    if repeated:
        raise OAuthError("invalid_request", f"Repeated parameter: {repeated[0]}")

    return {key: values[0] for key, values in data.lists() if values}


def authenticate_client(params: dict[str, str]) -> Client:
    """Verify a ``private_key_jwt`` client assertion and return its client."""
    if params.get("client_assertion_type") != ASSERTION_TYPE:
        raise OAuthError("invalid_client", "private_key_jwt is required", 401)

    assertion = params.get("client_assertion", "")
    claimed = _unverified_issuer(assertion)
    try:
        client = Client.objects.get(client_id=claimed)
    except Client.DoesNotExist:
        raise OAuthError("invalid_client", "Unknown client", 401) from None
    if params.get("client_id", claimed) != claimed:
        raise OAuthError("invalid_client", "Unknown client", 401)

    usable(client)
    claims = _verified_assertion_claims(client, assertion)
    _remember_jti(client, claims)
    return client


def usable(client: Client) -> None:
    """Refuse a suspended or ended client (guideline §6) on any endpoint."""
    try:
        registry.ensure_usable(client)
    except registry.ClientRefused as refused:
        raise OAuthError(refused.code, refused.description, 403) from None


def _unverified_issuer(assertion: str) -> str:
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        )
    except (IndexError, ValueError):
        raise OAuthError("invalid_client", "Malformed client assertion", 401) from None
    if not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
        raise OAuthError("invalid_client", "Client assertion has no issuer", 401)
    return str(claims["iss"])


def _verified_assertion_claims(client: Client, assertion: str) -> dict[str, Any]:
    try:
        published = registry.public_keys(client)
        token = jwt.decode(
            assertion,
            jose_keys.key_set(published),
            algorithms=ASSERTION_ALGORITHMS,
        )
    except (JoseError, ValueError, KeyError):
        raise OAuthError(
            "invalid_client", "Client assertion does not verify", 401
        ) from None

    claims = dict(token.claims)
    # The client's clock is real: assertion timestamps are checked in real time.
    now = int(time.time())
    skew = int(CLOCK_SKEW.total_seconds())
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    checks = [
        claims.get("sub") == client.client_id,
        audiences == [issuer()],
        isinstance(claims.get("jti"), str) and bool(claims.get("jti")),
        isinstance(claims.get("exp"), int) and claims["exp"] > now - skew,
        isinstance(claims.get("iat"), int) and claims["iat"] <= now + skew,
    ]
    if not all(checks):
        raise OAuthError("invalid_client", "Client assertion claims are not valid", 401)
    if claims["exp"] - claims["iat"] > MAX_ASSERTION_LIFETIME.total_seconds():
        raise OAuthError("invalid_client", "Client assertion lives too long", 401)
    return claims


def _remember_jti(client: Client, claims: dict[str, Any]) -> None:
    """Spend the assertion's ``jti``: the unique constraint refuses a replay."""
    if time.monotonic() - _last_jti_purge[0] > JTI_PURGE_SECONDS:
        _last_jti_purge[0] = time.monotonic()
        UsedAssertion.objects.filter(
            expires_at__lt=timezone.now() - CLOCK_SKEW
        ).delete()

    expires_at = datetime.fromtimestamp(claims["exp"], tz=UTC)
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                client=client, jti=claims["jti"], expires_at=expires_at
            )
    except IntegrityError:
        raise OAuthError(
            "invalid_client", "Client assertion was already used", 401
        ) from None


def push_authorization_request(
    client: Client,
    params: dict[str, str],
    scenario: list[str] | None = None,
    *,
    flow_key: str = "",
) -> str:
    """Store a pushed authorization request and return its ``request_uri``."""
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "response_type must be code")
    if params.get("redirect_uri") not in client.redirect_uris:
        raise OAuthError("invalid_request", "redirect_uri is not registered")
    if params.get("code_challenge_method") != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256")
    if not 43 <= len(params.get("code_challenge", "")) <= 128:
        raise OAuthError("invalid_request", "code_challenge is missing or malformed")
    for name in ("state", "nonce"):
        if not 8 <= len(params.get(name, "")) <= 200:
            raise OAuthError("invalid_request", f"{name} is missing or malformed")

    tm_codes, condition = _requested_information(client, params)
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    PushedRequest.objects.create(
        request_uri_hash=digest(request_uri),
        client=client,
        redirect_uri=params["redirect_uri"],
        state=params["state"],
        nonce=params["nonce"],
        code_challenge=params["code_challenge"],
        tm_codes=tm_codes,
        condition=condition.to_json(),
        expires_at=clock.now() + REQUEST_URI_LIFETIME,
        scenario=scenario or [],
        flow_key=flow_key,
    )
    return request_uri


def _requested_information(
    client: Client, params: dict[str, str]
) -> tuple[list[str], catalog.QueryCondition]:
    tm_codes = params.get("tm_codes", "").split()
    if not tm_codes:
        raise OAuthError("invalid_scope", "tm_codes names no information")
    unknown = [code for code in tm_codes if code not in catalog.CATEGORIES]
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown TM code: {unknown[0]}")
    if not set(tm_codes) <= set(client.tm_codes):
        raise OAuthError("invalid_scope", "The client may not request that information")

    try:
        condition = catalog.QueryCondition.from_json(
            json.loads(params.get("query_condition", '{"mode": "latest"}'))
        )
        catalog.check_condition(condition, tm_codes)
    except json.JSONDecodeError:
        raise OAuthError("invalid_request", "query_condition is not JSON") from None
    except catalog.QueryConditionError as error:
        raise OAuthError("invalid_request", f"query_condition: {error.code}") from None
    return tm_codes, condition


def pushed_request_for(client_id: str, request_uri: str) -> PushedRequest:
    """Return the live pushed request a browser arrives with, or raise."""
    if "\x00" in client_id:
        # PostgreSQL text cannot hold NUL: no client id has one.
        raise OAuthError("invalid_request_uri", "Unknown request_uri for this client")
    pushed = (
        PushedRequest.objects.select_related("client")
        .filter(request_uri_hash=digest(request_uri), client__client_id=client_id)
        .first()
    )
    if pushed is None:
        raise OAuthError("invalid_request_uri", "Unknown request_uri for this client")
    if pushed.completed_at is not None or pushed.expires_at <= clock.now():
        raise OAuthError("invalid_request_uri", "request_uri has expired or was used")
    usable(pushed.client)
    return pushed


def issue_code(pushed: PushedRequest, persona: Persona) -> str:
    """Finish the authorization: one code, and the request URI spent."""
    code = secrets.token_urlsafe(32)
    with transaction.atomic():
        claimed = PushedRequest.objects.filter(
            pk=pushed.pk, completed_at__isnull=True
        ).update(completed_at=clock.now())
        if claimed != 1:
            raise OAuthError("invalid_request_uri", "This authorization was completed")

        AuthorizationCode.objects.create(
            code_hash=digest(code),
            pushed_request=pushed,
            persona=persona,
            expires_at=clock.now() + CODE_LIFETIME,
        )
    return code


class _CodeReplayed(Exception):
    def __init__(self, grant: Grant | None) -> None:
        super().__init__("replayed")
        self.grant = grant


def exchange_code(client: Client, params: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Redeem an authorization code (IF001-03) for tokens and an ID token.

    Returns the answer and the flow it belongs to (for the inspector).
    """
    try:
        return _redeem(client, params)
    except _CodeReplayed as replayed:
        # Outside the redemption's transaction, so that its rollback cannot
        # undo the revocation (S8).
        _revoke_grant(replayed.grant)
        raise OAuthError(
            "invalid_grant", "Authorization code was already used"
        ) from None


def _redeem(client: Client, params: dict[str, str]) -> tuple[dict[str, Any], str]:
    with transaction.atomic():
        code = (
            AuthorizationCode.objects.select_for_update()
            .select_related("pushed_request", "persona")
            .filter(code_hash=digest(params.get("code", "")))
            .first()
        )
        if code is None or code.pushed_request.client_id != client.pk:
            raise OAuthError("invalid_grant", "Unknown authorization code")
        if code.used_at is not None:
            raise _CodeReplayed(code.grant)
        if code.expires_at <= clock.now():
            raise OAuthError("invalid_grant", "Authorization code has expired")

        pushed = code.pushed_request
        if params.get("redirect_uri") != pushed.redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match")
        if not _pkce_matches(params.get("code_verifier", ""), pushed.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match")

        grant = Grant.objects.create(
            client=client,
            persona=code.persona,
            tm_codes=pushed.tm_codes,
            condition=pushed.condition,
            scenario=pushed.scenario,
            flow_key=pushed.flow_key,
            expires_at=clock.now() + timedelta(days=client.consent_days),
        )
        code.used_at = clock.now()
        code.grant = grant
        code.save(update_fields=["used_at", "grant"])

    answer = _token_response(grant, id_token_nonce=pushed.nonce, with_refresh=True)
    return answer, grant.flow_key


def grant_tokens(client: Client, persona: Persona) -> dict[str, Any]:
    """A consent as a completed flow would leave it, with its tokens (test helper)."""
    grant = Grant.objects.create(
        client=client,
        persona=persona,
        tm_codes=client.tm_codes,
        condition=catalog.QueryCondition(catalog.QueryMode.LATEST).to_json(),
        expires_at=clock.now() + timedelta(days=client.consent_days),
    )
    tokens = _token_response(grant, id_token_nonce=None, with_refresh=True)
    return {**tokens, "sub": pairwise_subject(client, persona)}


def flow_of_token_request(params: dict[str, str]) -> str:
    """The inspector's flow of a refused token request, from its code or token."""
    if "code" in params:
        code = (
            AuthorizationCode.objects.select_related("pushed_request")
            .filter(code_hash=digest(params["code"]))
            .first()
        )
        return code.pushed_request.flow_key if code else ""
    token = Token.objects.select_related("grant").filter(
        token_hash=digest(params.get("refresh_token", ""))
    )
    first = token.first()
    return first.grant.flow_key if first else ""


def _pkce_matches(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False

    hashed = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(hashed).rstrip(b"=").decode()
    return hmac.compare_digest(expected, challenge)


def refresh(client: Client, params: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Issue a fresh access token for a live grant's refresh token.

    Returns the answer and the flow it belongs to (for the inspector).
    """
    token = _live_token(params.get("refresh_token", ""), Token.REFRESH)
    if token is None or token.grant.client_id != client.pk:
        raise OAuthError("invalid_grant", "Refresh token is not valid")

    answer = _token_response(token.grant, id_token_nonce=None, with_refresh=False)
    return answer, token.grant.flow_key


def _token_response(
    grant: Grant, *, id_token_nonce: str | None, with_refresh: bool
) -> dict[str, Any]:
    now = clock.now()
    access = _new_token(grant, Token.ACCESS, now + ACCESS_TOKEN_LIFETIME)
    response: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        "consent_expires_at": int(grant.expires_at.timestamp()),
    }
    if with_refresh:
        response["refresh_token"] = _new_token(grant, Token.REFRESH, grant.expires_at)
    if id_token_nonce is not None:
        response["id_token"] = _id_token(grant, id_token_nonce)
    return response


def _new_token(grant: Grant, kind: str, expires_at: Any) -> str:
    value = secrets.token_urlsafe(32)
    Token.objects.create(
        grant=grant, kind=kind, token_hash=digest(value), expires_at=expires_at
    )
    return value


def _id_token(grant: Grant, nonce: str) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer(),
        "sub": pairwise_subject(grant.client, grant.persona),
        "aud": grant.client.client_id,
        "iat": now,
        "exp": now + int(ID_TOKEN_LIFETIME.total_seconds()),
        "auth_time": now,
        "nonce": nonce,
    }
    names = scenario.active("token", grant.scenario)
    scenario.spoil_claims(claims, names, "id_token_")
    return scenario.sign(claims, names, "id_token_")


def pairwise_subject(client: Client, persona: Persona) -> str:
    """Return the person's id for this client: stable, never the individual number."""
    mac = hmac.new(client.sector_salt.encode(), str(persona.pk).encode(), "sha256")
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _live_token(value: str, kind: str) -> Token | None:
    try:
        # Found by its unique hash alone, then judged here: each condition in
        # the query cost more to build than to check on the row (BENCHMARKS.md).
        token = Token.objects.select_related(
            "grant", "grant__client", "grant__persona"
        ).get(token_hash=digest(value))
    except Token.DoesNotExist:
        return None

    now = clock.now()
    grant = token.grant
    live = (
        token.kind == kind
        and token.expires_at > now
        and token.revoked_at is None
        and grant.revoked_at is None
        and grant.expires_at > now
    )
    return token if live else None


def revoke(client: Client, params: dict[str, str]) -> None:
    """Token revocation (RFC 7009): a refresh token ends its whole grant.

    Unknown or already revoked tokens are not an error, as the RFC asks.
    """
    token = (
        Token.objects.select_related("grant")
        .filter(token_hash=digest(params.get("token", "")))
        .first()
    )
    if token is not None and token.grant.client_id == client.pk:
        _revoke_grant(token.grant)


def live_access_token(authorization_header: str) -> Token:
    """Return a live ``Bearer`` access token with its grant, or raise 401."""
    scheme, _, value = authorization_header.partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise OAuthError("invalid_token", "A Bearer access token is required", 401)

    token = _live_token(value.strip(), Token.ACCESS)
    if token is None:
        raise OAuthError("invalid_token", "The access token is not valid", 401)
    usable(token.grant.client)
    return token


def _revoke_grant(grant: Grant | None) -> None:
    if grant is None:
        return

    now = clock.now()
    Grant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(revoked_at=now)
    grant.tokens.filter(revoked_at__isnull=True).update(revoked_at=now)


def accept_kiosk_consent(
    client: Client, params: dict[str, str], *, flow_key: str = ""
) -> tuple[str, bytes]:
    """Store a kiosk's consent (§3.3 ③); return its handle and the card challenge.

    The consent was given on the kiosk's own screen, so the request must say
    so (``consent=given``); the kiosk is the client and nothing is redirected.
    """
    if params.get("consent") != "given":
        raise OAuthError("invalid_request", "consent must be given on the kiosk")
    if not 8 <= len(params.get("nonce", "")) <= 200:
        raise OAuthError("invalid_request", "nonce is missing or malformed")

    tm_codes, condition = _requested_information(client, params)
    handle, challenge = secrets.token_urlsafe(32), jpki.new_challenge()
    KioskRequest.objects.create(
        handle_hash=digest(handle),
        client=client,
        nonce=params["nonce"],
        tm_codes=tm_codes,
        condition=condition.to_json(),
        card_challenge=challenge.hex(),
        expires_at=clock.now() + KIOSK_REQUEST_LIFETIME,
        flow_key=flow_key,
    )
    return handle, challenge


def kiosk_request_for(client: Client, handle: str) -> KioskRequest:
    """Return the client's live kiosk request, spent on the way: it works once."""
    kiosk = KioskRequest.objects.filter(
        handle_hash=digest(handle), client=client
    ).first()
    if kiosk is None:
        raise OAuthError("invalid_request", "Unknown kiosk_request for this client")

    spent = KioskRequest.objects.filter(
        pk=kiosk.pk, completed_at__isnull=True, expires_at__gt=clock.now()
    ).update(completed_at=clock.now())
    if spent != 1:
        raise OAuthError("invalid_request", "kiosk_request has expired or was used")
    return kiosk


def complete_kiosk_identity(
    kiosk: KioskRequest, response: identity.CardResponse
) -> dict[str, Any]:
    """Verify the card's signature over the challenge (§3.3 ⑤); issue tokens.

    The answer is that of the token endpoint after a code exchange: an access
    token, a refresh token as long as the consent, and an ID token echoing the
    kiosk's nonce.
    """
    try:
        serial = identity.verify(response, bytes.fromhex(kiosk.card_challenge))
    except identity.IdentityError as error:
        raise OAuthError(
            "access_denied", f"identity_verification_failed:{error.code}"
        ) from None
    card = Card.objects.select_related("persona").filter(serial_number=str(serial))
    holder = card.first()
    if holder is None:
        raise OAuthError("access_denied", "identity_verification_failed:unknown_card")

    grant = Grant.objects.create(
        client=kiosk.client,
        persona=holder.persona,
        tm_codes=kiosk.tm_codes,
        condition=kiosk.condition,
        flow_key=kiosk.flow_key,
        expires_at=clock.now() + timedelta(days=kiosk.client.consent_days),
    )
    return _token_response(grant, id_token_nonce=kiosk.nonce, with_refresh=True)
