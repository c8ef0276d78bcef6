"""The control panel (for people) and the JSON control API (for CI and tools).

Both are thin: every command goes through ``control``. The simulator listens on
loopback by default and holds synthetic personas only, so the controls are open.
"""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from mynaportal import catalog, schedule
from mynaportal.simulator import clock, control, faults, notifications


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


control_clock = _json_command(_clock)
control_grants = _json_command(control.issue_grants)
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


def _panel_command(request: HttpRequest, command: Callable[[], object]) -> HttpResponse:
    try:
        command()
        messages.success(request, _("設定を反映しました。"))
    except control.ControlError as error:
        messages.error(request, str(error))
    return redirect("simulator:control")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise control.ControlError(f"Not a whole number: {value!r}") from None
