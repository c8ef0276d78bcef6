"""The control panel (for people) and the JSON control API (for CI and tools).

Both are thin: every command goes through ``control``. The simulator listens on
loopback by default and holds synthetic personas only, so the controls are open.
"""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from mynaportal import catalog, schedule
from mynaportal.simulator import (
    clock,
    control,
    faults,
    inspector,
    keys,
    notifications,
    persona_io,
    registry,
    scenario,
)
from mynaportal.simulator.models import Client


def _json_command(
    handle: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[HttpRequest], HttpResponse]:
    @csrf_exempt
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        try:
            command = json.loads(request.body or b"{}")
            if not isinstance(command, dict):
                raise control.ControlError("The body must be a JSON object")
            return JsonResponse(handle(command))
        except (json.JSONDecodeError, UnicodeDecodeError):
            error = "The body is not JSON"
        except control.ControlError as failure:
            error = str(failure)
        return JsonResponse(
            {"error": "invalid_request", "error_description": error}, status=400
        )

    return view


def _clock(command: dict[str, Any]) -> dict[str, Any]:
    control.apply_clock(command)
    return control.snapshot()


def _server(command: dict[str, Any]) -> dict[str, Any]:
    control.apply_server(command.get("server"), command.get("state"))
    return control.snapshot()


def _notice(command: dict[str, Any]) -> dict[str, Any]:
    return {"delivered": control.send_notice(command.get("process_id"))}


def _fault(command: dict[str, Any]) -> dict[str, Any]:
    if command.get("clear") is True:
        faults.clear()
    elif command.get("kind") == "bad_message":
        try:
            scenario.queue(
                command.get("endpoint"), command.get("message"), command.get("times", 1)
            )
        except scenario.ScenarioError as error:
            raise control.ControlError(str(error)) from None
    else:
        try:
            faults.add(
                command.get("endpoint"),
                command.get("kind"),
                command.get("value", 0),
                command.get("times", 1),
            )
        except ValueError as error:
            raise control.ControlError(str(error)) from None
    return control.snapshot()


def _keys(command: dict[str, Any]) -> dict[str, Any]:
    """Rotate the signing key; the old one stays published until retired (S16)."""
    overlap = command.get("overlap_seconds")
    if overlap is not None and not (isinstance(overlap, int) and overlap >= 0):
        raise control.ControlError("overlap_seconds must be a whole number, 0 or more")
    if command.get("rotate") is True:
        keys.rotate_signing_key(None if overlap is None else timedelta(seconds=overlap))
    elif command.get("retire_old") is True:
        keys.retire_old_keys()
    else:
        raise control.ControlError('Use {"rotate": true} or {"retire_old": true}')
    return keys.public_jwks()


control_clock = _json_command(_clock)
control_keys = _json_command(_keys)
control_grants = _json_command(control.issue_grants)
control_consents = _json_command(control.revoke_consents)
control_fault = _json_command(_fault)
control_server = _json_command(_server)
control_notification = _json_command(_notice)


@require_GET
def control_state(request: HttpRequest) -> HttpResponse:
    return JsonResponse(control.snapshot())


@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    """The control panel: clock, servers, and notices waiting to be sent."""
    now = clock.now()
    context = {
        "now": now.astimezone(schedule.JST),
        "servers": schedule.all_states(now, clock.forced_states()),
        "forced": clock.forced_states(),
        "pending": notifications.pending(),
        "codes": list(catalog.SERVERS),
    }
    return render(request, "simulator/control.html", context)


@require_POST
def panel_clock(request: HttpRequest) -> HttpResponse:
    command: dict[str, Any]
    if "move_seconds" in request.POST:
        command = {"move_seconds": _int(request.POST["move_seconds"])}
    elif "reset" in request.POST:
        command = {"reset": True}
    else:
        command = {"at": request.POST.get("at", ""), "frozen": "frozen" in request.POST}
    return _panel_command(request, lambda: control.apply_clock(command))


@require_POST
def panel_server(request: HttpRequest) -> HttpResponse:
    return _panel_command(
        request,
        lambda: control.apply_server(
            request.POST.get("server"), request.POST.get("state")
        ),
    )


@require_POST
def panel_notification(request: HttpRequest) -> HttpResponse:
    return _panel_command(
        request, lambda: control.send_notice(request.POST.get("process_id"))
    )


def _panel_command(
    request: HttpRequest,
    command: Callable[[], object],
    back_to: str = "simulator:control",
) -> HttpResponse:
    try:
        command()
        messages.success(request, _("設定を反映しました。"))
    except control.ControlError as error:
        # The reason is the JSON control API's own (English) description.
        reason = {"reason": str(error)}
        messages.error(request, _("設定を反映できませんでした：%(reason)s") % reason)
    return redirect(back_to)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise control.ControlError(f"Not a whole number: {value!r}") from None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def clients_api(request: HttpRequest) -> HttpResponse:
    """GET: every registered client. POST: register one (returns its client_id)."""
    if request.method == "GET":
        return JsonResponse(
            {"clients": [registry.as_json(client) for client in Client.objects.all()]}
        )

    try:
        client = registry.register(_json_object(request))
    except registry.RegistrationError as error:
        return _bad_request(str(error))
    return JsonResponse(registry.as_json(client), status=201)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def client_api(request: HttpRequest, client_id: str) -> HttpResponse:
    """GET: one registration. POST: change some of its fields (§6.1)."""
    client = get_object_or_404(Client, client_id=client_id)
    if request.method == "POST":
        try:
            registry.update(client, _json_object(request))
        except registry.RegistrationError as error:
            return _bad_request(str(error))
    return JsonResponse(registry.as_json(client))


@csrf_exempt
@require_POST
def client_lifecycle_api(request: HttpRequest, client_id: str) -> HttpResponse:
    """利用停止・利用再開・利用終了 with an effective date (§6.2–§6.4)."""
    client = get_object_or_404(Client, client_id=client_id)
    try:
        command = _json_object(request)
        when = command.get("effective_at")
        effective_at = control.parse_moment(when) if when else clock.now()
        registry.change_lifecycle(client, command.get("action"), effective_at)
    except (registry.RegistrationError, control.ControlError) as error:
        return _bad_request(str(error))
    return JsonResponse(registry.as_json(client))


def _json_object(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise registry.RegistrationError("The body is not JSON") from None
    if not isinstance(body, dict):
        raise registry.RegistrationError("The body must be a JSON object")
    return body


def _bad_request(description: str) -> HttpResponse:
    return JsonResponse(
        {"error": "invalid_request", "error_description": description}, status=400
    )


@require_GET
def clients_panel(request: HttpRequest) -> HttpResponse:
    """Registered clients, their lifecycle, and a form to register one."""
    clients = [(client, registry.status(client)) for client in Client.objects.all()]
    context = {"clients": clients, "categories": list(catalog.CATEGORIES.values())}
    return render(request, "simulator/clients.html", context)


@require_POST
def clients_panel_register(request: HttpRequest) -> HttpResponse:
    def register() -> None:
        try:
            jwks = json.loads(request.POST.get("jwks") or "{}")
        except json.JSONDecodeError:
            raise control.ControlError(
                _("公開鍵 (JWKS) が JSON ではありません。")
            ) from None
        try:
            registry.register(
                {
                    "name": request.POST.get("name", ""),
                    "purpose": request.POST.get("purpose", ""),
                    "environment": request.POST.get("environment", Client.STAGING),
                    "redirect_uris": request.POST.get("redirect_uris", "").split(),
                    "jwks": jwks,
                    "jwks_uri": request.POST.get("jwks_uri", ""),
                    "tm_codes": request.POST.getlist("tm_codes"),
                    "consent_days": _int(request.POST.get("consent_days", "90")),
                    "notification_url": request.POST.get("notification_url", ""),
                }
            )
        except registry.RegistrationError as error:
            raise control.ControlError(str(error)) from None

    return _panel_command(request, register, "simulator:clients")


@require_POST
def clients_panel_lifecycle(request: HttpRequest, client_id: str) -> HttpResponse:
    client = get_object_or_404(Client, client_id=client_id)

    def change() -> None:
        when = request.POST.get("effective_at")
        effective_at = control.parse_moment(when) if when else clock.now()
        try:
            registry.change_lifecycle(client, request.POST.get("action"), effective_at)
        except registry.RegistrationError as error:
            raise control.ControlError(str(error)) from None

    return _panel_command(request, change, "simulator:clients")


@require_GET
def inspector_page(request: HttpRequest, flow_key: str = "") -> HttpResponse:
    """The protocol inspector: recent flows, or one flow's timeline."""
    flows: list[dict[str, Any]] = (
        [{"flow_key": flow_key, "events": inspector.timeline(flow_key)}]
        if flow_key
        else inspector.flows(limit=20)
    )
    for flow in flows:
        for event in flow["events"]:
            event["pretty"] = json.dumps(event["summary"], ensure_ascii=False, indent=2)
    return render(request, "simulator/inspector.html", {"flows": flows})


@require_GET
def inspector_api(request: HttpRequest, flow_key: str) -> HttpResponse:
    return JsonResponse({"flow_key": flow_key, "events": inspector.timeline(flow_key)})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def personas_api(request: HttpRequest) -> HttpResponse:
    """GET: every persona as JSON (export). POST: create or edit them (import)."""
    if request.method == "GET":
        return JsonResponse({"personas": persona_io.export()})

    try:
        body = json.loads(request.body or b"{}")
        counts = persona_io.import_personas(
            body.get("personas") if isinstance(body, dict) else None
        )
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _bad_request("The body is not JSON")
    except persona_io.PersonaError as error:
        return _bad_request(str(error))
    return JsonResponse(counts)


@require_GET
def personas_panel(request: HttpRequest) -> HttpResponse:
    """Personas, their cards and records; export and import as JSON."""
    return render(request, "simulator/personas.html", {"personas": persona_io.export()})


@require_POST
def personas_panel_import(request: HttpRequest) -> HttpResponse:
    def load() -> None:
        try:
            body = json.loads(request.POST.get("personas") or "null")
            personas = body.get("personas") if isinstance(body, dict) else body
            persona_io.import_personas(personas)
        except json.JSONDecodeError:
            raise control.ControlError(_("JSON ではありません。")) from None
        except persona_io.PersonaError as error:
            raise control.ControlError(str(error)) from None

    return _panel_command(request, load, "simulator:personas")
