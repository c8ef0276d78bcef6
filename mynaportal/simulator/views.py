"""HTTP adapters of the simulator: JSON endpoints and the portal's screens."""

import base64
import binascii
import json
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from mynaportal import catalog
from mynaportal.simulator import (
    clock,
    data,
    faults,
    identity,
    inspector,
    jpki,
    mtls,
    oauth,
    scenario,
)
from mynaportal.simulator.keys import public_jwks
from mynaportal.simulator.models import Card, Client, PushedRequest

SESSION_KEY = "pushed_request_id"
PERSONA_HEADER = "X-Simulator-Persona"
PIN_HEADER = "X-Simulator-Pin"
JsonView = Callable[[HttpRequest, dict[str, Any]], dict[str, Any]]


def json_endpoint(
    name: str, status: int = 200
) -> Callable[[JsonView], Callable[[HttpRequest], HttpResponseBase]]:
    """Answer a back-channel POST as JSON, turning OAuth errors into their status.

    Faults queued for the endpoint (SECURITY S17) are played first.
    """

    def decorate(view: JsonView) -> Callable[[HttpRequest], HttpResponseBase]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponseBase:
            started, trace = time.monotonic(), {"flow_key": ""}
            response = _answer(request, view, trace)
            flow_key = trace.pop("flow_key")
            inspector.record(flow_key, name, response.status_code, started, **trace)
            return response

        def _answer(
            request: HttpRequest, view: JsonView, trace: dict[str, Any]
        ) -> HttpResponseBase:
            if request.method != "POST":
                return _error_json(oauth.OAuthError("invalid_request", "Use POST", 405))

            try:
                injected = faults.apply(
                    name, request.headers.get(faults.HEADER, ""), request.META
                )
            except ValueError as error:
                return _error_json(oauth.OAuthError("invalid_request", str(error)))
            if injected is not None:
                return injected

            try:
                body = view(request, trace)
            except oauth.OAuthError as error:
                trace["error"] = error.error
                return _error_json(error)
            return _no_store(JsonResponse(body, status=status))

        return wrapper

    return decorate


def _error_json(error: oauth.OAuthError) -> HttpResponse:
    response = JsonResponse(
        {"error": error.error, "error_description": error.description},
        status=error.status,
    )
    if error.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{error.error}"'
    return _no_store(response)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise oauth.OAuthError("invalid_request", "The body is not JSON") from None


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "simulator/home.html")


@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    base = oauth.issuer()
    metadata = {
        "issuer": base,
        "authorization_endpoint": base + reverse("simulator:authorize"),
        "pushed_authorization_request_endpoint": base + reverse("simulator:par"),
        "token_endpoint": base + reverse("simulator:token"),
        "revocation_endpoint": base + reverse("simulator:revoke"),
        "jwks_uri": base + reverse("simulator:jwks"),
        "self_information_request_endpoint": base + reverse("simulator:request"),
        "self_information_result_endpoint": base + reverse("simulator:result"),
        "kiosk_consent_endpoint": base + reverse("simulator:kiosk-consent"),
        "kiosk_identity_endpoint": base + reverse("simulator:kiosk-identity"),
        "require_pushed_authorization_requests": True,
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": oauth.ASSERTION_ALGORITHMS,
        "id_token_signing_alg_values_supported": ["ES256"],
        "subject_types_supported": ["pairwise"],
        "authorization_response_iss_parameter_supported": True,
        "result_signing_alg_values_supported": ["ES256"],
        "result_encryption_alg_values_supported": [data.ENCRYPTION_ALGORITHM],
        "result_encryption_enc_values_supported": [data.CONTENT_ENCRYPTION],
    }
    return JsonResponse(metadata)


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    return JsonResponse(public_jwks())


def _authenticated_start(
    request: HttpRequest, trace: dict[str, Any]
) -> tuple[dict[str, str], Client]:
    """A new flow's first call: its parameters and the authenticated client."""
    trace["flow_key"] = inspector.new_flow_key()
    params = oauth.single_values(request.POST)
    trace["request"] = inspector.masked_params(params)
    trace["client_assertion"] = inspector.decoded(params.get("client_assertion", ""))
    client = oauth.authenticate_client(params)
    mtls.authenticate(request, client)
    return params, client


@json_endpoint("par", status=201)
def par(request: HttpRequest, trace: dict[str, Any]) -> dict[str, Any]:
    params, client = _authenticated_start(request, trace)
    try:
        names = scenario.parse(request.headers.get(scenario.HEADER, ""))
    except scenario.ScenarioError as error:
        raise oauth.OAuthError("invalid_request", str(error)) from None
    request_uri = oauth.push_authorization_request(
        client, params, names, flow_key=trace["flow_key"]
    )
    return {
        "request_uri": request_uri,
        "expires_in": int(oauth.REQUEST_URI_LIFETIME.total_seconds()),
    }


@json_endpoint("token")
def token(request: HttpRequest, trace: dict[str, Any]) -> dict[str, Any]:
    params = oauth.single_values(request.POST)
    trace["request"] = inspector.masked_params(params)
    try:
        client = oauth.authenticate_client(params)
        thumbprint = mtls.authenticate(request, client)
        answer, trace["flow_key"] = _tokens(client, params)
    except oauth.OAuthError:
        # Refused: the inspector still shows it in its flow, found by the code
        # or the refresh token (when issued, the grant said which flow it is).
        trace["flow_key"] = oauth.flow_of_token_request(params)
        raise
    trace["id_token"] = inspector.decoded(answer.get("id_token", ""))
    return mtls.bind(answer, thumbprint)


def _tokens(client: Client, params: dict[str, str]) -> tuple[dict[str, Any], str]:
    grant_type = params.get("grant_type")
    if grant_type == "authorization_code":
        return oauth.exchange_code(client, params)
    if grant_type == "refresh_token":
        return oauth.refresh(client, params)
    raise oauth.OAuthError("unsupported_grant_type", "Unsupported grant_type")


@json_endpoint("revoke")
def revoke(request: HttpRequest, trace: dict[str, Any]) -> dict[str, Any]:
    """The consent withdrawn by the client (RFC 7009)."""
    params = oauth.single_values(request.POST)
    trace["flow_key"] = oauth.flow_of_token_request(
        {"refresh_token": params.get("token", "")}
    )
    client = oauth.authenticate_client(params)
    mtls.authenticate(request, client)
    oauth.revoke(client, params)
    return {}


def _bearer_grant(request: HttpRequest) -> Any:
    if "access_token" in request.GET or "access_token" in request.POST:
        raise oauth.OAuthError("invalid_request", "Tokens go in the header only")
    token = oauth.live_access_token(request.headers.get("Authorization", ""))
    mtls.check_binding(request, token)
    return token.grant


@json_endpoint("request")
def self_information_request(
    request: HttpRequest, trace: dict[str, Any]
) -> dict[str, Any]:
    grant = _bearer_grant(request)
    trace["flow_key"] = grant.flow_key
    key = request.headers.get("Idempotency-Key", "")
    process = data.start_request(grant, _json_body(request), key)
    answer = data.request_answer(process)
    trace["answer"] = answer
    return answer


@json_endpoint("result")
def self_information_result(
    request: HttpRequest, trace: dict[str, Any]
) -> dict[str, Any]:
    grant = _bearer_grant(request)
    trace["flow_key"] = grant.flow_key
    process = data.process_for(grant, _json_body(request))
    answer = data.result_of(process)
    trace["answer"] = {key: value for key, value in answer.items() if key != "result"}
    if isinstance(answer.get("result"), str):
        trace["jwe_header"] = inspector.jwe_header(answer["result"])
    return answer


PORTAL_ERRORS = {
    "par_required": _("認可リクエストは事前に登録（PAR）されている必要があります。"),
    "invalid_request_uri": _(
        "この認可リクエストは無効か、有効期限が切れているか、既に使用されています。"
    ),
    "session_expired": _(
        "お手続きの有効期限が切れました。サービスの画面からやり直してください。"
    ),
    "client_suspended": _(
        "このサービスは現在、マイナポータルAPIの利用を停止しています。"
    ),
    "client_ended": _("このサービスのマイナポータルAPIの利用は終了しています。"),
    "unknown_persona": _("X-Simulator-Persona に指定された利用者がいません。"),
}


def _portal_error(request: HttpRequest, error: str, status: int = 400) -> HttpResponse:
    context = {"error": error, "message": PORTAL_ERRORS.get(error, error)}
    return render(request, "simulator/error.html", context, status=status)


@require_GET
def authorize(request: HttpRequest) -> HttpResponse:
    """Start the browser journey of a pushed request: show the consent screen."""
    client_id = request.GET.get("client_id", "")
    request_uri = request.GET.get("request_uri", "")
    if not request_uri:
        return _portal_error(request, "par_required")

    try:
        pushed = oauth.pushed_request_for(client_id, request_uri)
    except oauth.OAuthError as error:
        return _portal_error(request, error.error)

    request.session.cycle_key()
    request.session[SESSION_KEY] = pushed.pk
    inspector.record(pushed.flow_key, "authorize", 200, time.monotonic())
    if PERSONA_HEADER in request.headers:
        return _without_screens(request, pushed)
    return redirect("simulator:consent")


def _without_screens(request: HttpRequest, pushed: PushedRequest) -> HttpResponse:
    """CI's way through: consent given and the card's PIN entered by headers.

    The real checks still run: the PIN counts towards the lock, and the card's
    signature, chain, validity and revocation are verified.
    """
    card = (
        Card.objects.select_related("persona")
        .filter(persona__slug=request.headers[PERSONA_HEADER])
        .first()
    )
    if card is None:
        return _portal_error(request, "unknown_persona")

    PushedRequest.objects.filter(pk=pushed.pk).update(consented_at=clock.now())
    challenge = jpki.new_challenge()
    pin = request.headers.get(PIN_HEADER, "")
    try:
        identity.verify(identity.unlock_with_pin(card, pin, challenge), challenge)
    except identity.IdentityError as error:
        PushedRequest.objects.filter(pk=pushed.pk).update(completed_at=clock.now())
        return _back_to_client(
            pushed,
            error="access_denied",
            error_description=f"identity_verification_failed:{error.code}",
        )
    return _back_to_client(pushed, code=oauth.issue_code(pushed, card.persona))


def _current_pushed_request(request: HttpRequest) -> PushedRequest | None:
    pushed_id = request.session.get(SESSION_KEY)
    if not isinstance(pushed_id, int):
        return None
    return (
        PushedRequest.objects.select_related("client")
        .filter(pk=pushed_id, completed_at__isnull=True)
        .first()
    )


def _back_to_client(pushed: PushedRequest, **params: str) -> HttpResponse:
    """The authorization response: 303, with ``state`` and ``iss`` (RFC 9207)."""
    names = scenario.active("authorize", pushed.scenario)
    query = scenario.authorization_params(
        {**params, "state": pushed.state, "iss": oauth.issuer()}, names
    )
    inspector.record(
        pushed.flow_key,
        "callback",
        303,
        time.monotonic(),
        **inspector.masked_params(query),
    )
    return HttpResponseRedirect(f"{pushed.redirect_uri}?{urlencode(query)}", status=303)


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """STEP1 本人同意 (guideline §2.3 ③, Fig. 2.3-3)."""
    pushed = _current_pushed_request(request)
    if pushed is None:
        return _portal_error(request, "session_expired")

    if request.method == "POST" and "cancel" in request.POST:
        PushedRequest.objects.filter(pk=pushed.pk).update(completed_at=clock.now())
        inspector.record(pushed.flow_key, "consent", 200, time.monotonic(), given=False)
        return _back_to_client(pushed, error="access_denied")
    if request.method == "POST" and request.POST.get("agree") == "on":
        PushedRequest.objects.filter(pk=pushed.pk).update(consented_at=clock.now())
        inspector.record(pushed.flow_key, "consent", 200, time.monotonic(), given=True)
        return redirect("simulator:identity")

    context = {
        "pushed": pushed,
        "categories": [catalog.category(code) for code in pushed.tm_codes],
        "missing_agreement": request.method == "POST",
    }
    return render(request, "simulator/consent.html", context)


@require_http_methods(["GET", "POST"])
def identity_check(request: HttpRequest) -> HttpResponse:
    """STEP1 本人確認 (§2.3 ④): choose the card and enter its PIN."""
    pushed = _current_pushed_request(request)
    if pushed is None or pushed.consented_at is None:
        return _portal_error(request, "session_expired")

    context: dict[str, Any] = {"pushed": pushed}
    if request.method == "POST":
        outcome = _verify_identity(request, pushed, context)
        if outcome is not None:
            return outcome

    pushed.card_challenge = jpki.new_challenge().hex()
    pushed.save(update_fields=["card_challenge"])
    context["cards"] = _cards()
    return render(request, "simulator/identity.html", context)


def _cards() -> list[Card]:
    return list(Card.objects.select_related("persona").order_by("persona__id"))


def _verify_identity(
    request: HttpRequest, pushed: PushedRequest, context: dict[str, Any]
) -> HttpResponse | None:
    card_id = request.POST.get("card", "")
    card = get_object_or_404(Card, pk=int(card_id) if card_id.isdigit() else 0)
    pin = request.POST.get("pin", "")
    context["selected"] = card.pk
    if not (len(pin) == 4 and pin.isdigit()):
        context["error"] = "pin_format"
        return None

    challenge = bytes.fromhex(pushed.card_challenge)
    started = time.monotonic()
    try:
        serial = identity.verify(
            identity.unlock_with_pin(card, pin, challenge), challenge
        )
    except identity.IdentityError as error:
        inspector.record(pushed.flow_key, "identity", 403, started, error=error.code)
        if not error.final:
            context.update(error=error.code, attempts_left=error.attempts_left)
            return None
        PushedRequest.objects.filter(pk=pushed.pk).update(completed_at=clock.now())
        failure = {"error": error.code, "return_url": _failure_url(pushed, error.code)}
        return render(request, "simulator/identity_failed.html", failure, status=403)

    inspector.record(pushed.flow_key, "identity", 200, started, certificate=serial)
    code = oauth.issue_code(pushed, card.persona)
    return _back_to_client(pushed, code=code)


def _failure_url(pushed: PushedRequest, code: str) -> str:
    query = urlencode(
        {
            "error": "access_denied",
            "error_description": f"identity_verification_failed:{code}",
            "state": pushed.state,
            "iss": oauth.issuer(),
        }
    )
    return f"{pushed.redirect_uri}?{query}"


def _b64(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def _unb64(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise oauth.OAuthError("invalid_request", "Not base64url") from None


@json_endpoint("kiosk_consent", status=201)
def kiosk_consent(request: HttpRequest, trace: dict[str, Any]) -> dict[str, Any]:
    """The kiosk variant (§3.3 ③): consent given on the kiosk, a challenge back."""
    params, client = _authenticated_start(request, trace)

    handle, challenge = oauth.accept_kiosk_consent(
        client, params, flow_key=trace["flow_key"]
    )
    return {
        "kiosk_request": handle,
        "challenge": _b64(challenge),
        "expires_in": int(oauth.KIOSK_REQUEST_LIFETIME.total_seconds()),
    }


@json_endpoint("kiosk_identity")
def kiosk_identity(request: HttpRequest, trace: dict[str, Any]) -> dict[str, Any]:
    """The kiosk variant (§3.3 ⑤): the card's signature over the challenge."""
    params = oauth.single_values(request.POST)
    trace["request"] = inspector.masked_params(
        {k: v for k, v in params.items() if k not in {"certificate", "signature"}}
    )
    client = oauth.authenticate_client(params)
    thumbprint = mtls.authenticate(request, client)
    kiosk = oauth.kiosk_request_for(client, params.get("kiosk_request", ""))
    trace["flow_key"] = kiosk.flow_key

    response = identity.CardResponse(
        certificate_pem=params.get("certificate", ""),
        signature=_unb64(params.get("signature", "")),
    )
    answer = oauth.complete_kiosk_identity(kiosk, response)
    trace["id_token"] = inspector.decoded(answer["id_token"])
    return mtls.bind(answer, thumbprint)


CARD_READER_ERRORS = {"wrong_pin": 403, "card_locked": 403, "unknown_card": 404}


def _reader_error(error: str, description: str, **extra: int) -> HttpResponse:
    status = CARD_READER_ERRORS.get(error, 400)
    body = {"error": error, "error_description": description, **extra}
    return _no_store(JsonResponse(body, status=status))


@require_GET
def card_reader_cards(request: HttpRequest) -> HttpResponse:
    """The simulated card reader of a kiosk: which virtual cards can be inserted."""
    cards = [
        {"card": card.persona.slug, "holder": card.persona.name} for card in _cards()
    ]
    return _no_store(JsonResponse({"cards": cards}))


@csrf_exempt
@require_POST
def card_reader_sign(request: HttpRequest) -> HttpResponse:
    """The card inside the kiosk: check the PIN as the card would, then sign.

    Wrong PINs count on the card itself, exactly as on the web's identity
    screen: three in a row lock it for good, a correct one resets the count.
    """
    try:
        body = _json_body(request)
    except oauth.OAuthError as error:
        return _reader_error(error.error, error.description)
    if not isinstance(body, dict) or set(body) != {"card", "pin", "challenge"}:
        return _reader_error("invalid_request", "Send card, pin and challenge")
    pin, challenge = body["pin"], body["challenge"]
    if not (isinstance(pin, str) and len(pin) == 4 and pin.isascii() and pin.isdigit()):
        return _reader_error("invalid_request", "The PIN is 4 digits")
    try:
        raw = _unb64(challenge) if isinstance(challenge, str) else b""
    except oauth.OAuthError:
        raw = b""
    if len(raw) != jpki.CHALLENGE_BYTES:
        return _reader_error("invalid_request", "The challenge is 32 bytes, base64url")

    card = Card.objects.filter(persona__slug=str(body["card"])).first()
    if card is None:
        return _reader_error("unknown_card", "No such card in the reader")
    try:
        signed = identity.unlock_with_pin(card, pin, raw)
    except identity.IdentityError as error:
        left = {"attempts_left": error.attempts_left} if not error.final else {}
        return _reader_error(error.code, "The card refused", **left)
    answer = {
        "certificate": signed.certificate_pem,
        "signature": _b64(signed.signature),
    }
    return _no_store(JsonResponse(answer))
