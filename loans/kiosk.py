"""The branch kiosk's screens (guideline §3.3, Fig. 3.3-1〜3.3-7).

The kiosk is the Mynaportal client and the card stays inside it: consent on
the kiosk's screen, the card read, the PIN on an on-screen pad, the retrieval,
the values shown for 「確認」, and only then the hand-over to the loan service.
「取消」 on every screen, and the idle timeout, discard everything at once.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loans import kiosk_flow
from loans.models import KioskApplication
from mynaportal import catalog
from mynaportal.client import api as mynaportal

Step = Callable[[HttpRequest, dict[str, Any]], HttpResponse]
SERVICES = KioskApplication.Service


def kiosk_step(*needs: str) -> Callable[[Step], Callable[[HttpRequest], HttpResponse]]:
    """A kiosk screen: its transaction's state, or back to the start without it."""

    def decorate(view: Step) -> Callable[[HttpRequest], HttpResponse]:
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest) -> HttpResponse:
            entry = kiosk_flow.state(request.session)
            if any(not entry.get(name) for name in needs):
                return redirect("loans:kiosk-start")
            return view(request, entry)

        return wrapper

    return decorate


def _screen(
    request: HttpRequest, name: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {"idle_seconds": kiosk_flow.idle_seconds(), **context}
    return render(request, f"loans/kiosk/{name}.html", context, status=status)


@require_GET
@kiosk_step()
def start(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """① 「マイナポータルからの情報提出」."""
    return _screen(request, "start", {"idle": True})


@require_http_methods(["GET", "POST"])
@kiosk_step()
def service(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """② the service to submit the income to."""
    if request.method == "POST" and request.POST.get("service") in SERVICES.values:
        stop = kiosk_flow.stop_by_calendar(timezone.now())
        if stop is not None:
            return _stopped(request, stop)
        kiosk_flow.wipe(request.session)
        fresh = {"seen": entry["seen"], "service": request.POST["service"]}
        kiosk_flow.save(request.session, fresh)
        return redirect("loans:kiosk-consent")
    return _screen(request, "service", {"services": SERVICES.choices})


@require_http_methods(["GET", "POST"])
@kiosk_step("service")
def consent(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """③ 本人同意と本人確認: provider, purpose, items and the terms; 「確認」."""
    if request.method == "POST":
        try:
            pending = mynaportal.send_kiosk_consent(
                [catalog.LOCAL_TAX_TM_CODE],
                catalog.QueryCondition(catalog.QueryMode.LATEST),
            )
        except mynaportal.PortalError:
            return _failed(request, "portal_unavailable")
        kiosk_flow.save(request.session, {**entry, "consent": pending.as_session()})
        return redirect("loans:kiosk-card")

    context = {
        "purpose": kiosk_flow.PURPOSES[SERVICES(entry["service"])],
        "category": catalog.LOCAL_TAX,
    }
    return _screen(request, "consent", context)


@require_http_methods(["GET", "POST"])
@kiosk_step("service", "consent")
def card(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """④ the card goes into the reader (here: the persona's virtual card)."""
    try:
        cards = mynaportal.kiosk_cards()
    except mynaportal.CardReaderError:
        return _failed(request, "reader_unavailable")

    chosen = next((c for c in cards if c.card == request.POST.get("card")), None)
    if request.method == "POST" and chosen is not None:
        kiosk_flow.save(request.session, {**entry, "card": chosen.card})
        return redirect("loans:kiosk-pin")
    return _screen(request, "card", {"cards": cards})


@require_http_methods(["GET", "POST"])
@kiosk_step("service", "consent", "card")
def pin(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """⑤ パスワード入力: the 4-digit PIN on the on-screen pad."""
    pending = kiosk_flow.pending_consent(entry)
    if pending is None:
        return redirect("loans:kiosk-start")
    if request.method == "GET":
        return _screen(request, "pin", {})

    typed = request.POST.get("pin", "")
    if not (len(typed) == 4 and typed.isascii() and typed.isdigit()):
        return _screen(request, "pin", {"error": "pin_format"}, status=400)
    try:
        signature = mynaportal.sign_with_card(entry["card"], typed, pending)
    except mynaportal.CardReaderError as error:
        if error.wrong_pin:
            context = {"error": "wrong_pin", "attempts_left": error.attempts_left}
            return _screen(request, "pin", context, status=400)
        return _failed(request, error.code)

    try:
        retrieval_id = mynaportal.identify_at_kiosk(pending, signature)
    except mynaportal.PortalError as error:
        return _failed(request, error.code)
    entry.pop("consent")
    kiosk_flow.save(request.session, {**entry, "retrieval": retrieval_id})
    return redirect("loans:kiosk-retrieving")


def _failed(request: HttpRequest, code: str) -> HttpResponse:
    """The transaction cannot go on: say why, wipe it, offer to start again."""
    kiosk_flow.wipe(request.session)
    return _screen(request, "failed", {"code": code}, status=400)


@require_GET
@kiosk_step("retrieval")
def retrieving(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """While the data is fetched; a planned stop is told, never waited for."""
    status = mynaportal.kiosk_retrieval_status(entry["retrieval"])
    if status is None:
        return redirect("loans:kiosk-start")

    if status.completed:
        return redirect("loans:kiosk-confirm")
    if status.state == "waiting":
        return _stopped(request, kiosk_flow.stop_of(status))
    if not status.in_progress:
        return _failed(request, status.error_code or status.state)
    return _screen(request, "retrieving", {"refresh": True})


def _stopped(request: HttpRequest, stop: kiosk_flow.Stop) -> HttpResponse:
    """Told in plain words with the time it is back; the kiosk does not wait."""
    discarded = bool(kiosk_flow.state(request.session).get("retrieval"))
    kiosk_flow.wipe(request.session)
    context = {
        "discarded": discarded,
        "server": stop.server,
        "reason": stop.reason,
        "resume_at": stop.resume_at,
        "web_url": request.build_absolute_uri(reverse("loans:apply")),
    }
    return _screen(request, "stopped", context)


@require_http_methods(["GET", "POST"])
@kiosk_step("service", "retrieval")
def confirm(request: HttpRequest, entry: dict[str, Any]) -> HttpResponse:
    """⑥ 情報提供可否の確認: nothing goes to the loan service before 「確認」."""
    status = mynaportal.kiosk_retrieval_status(entry["retrieval"])
    if status is None or not status.completed:
        return redirect("loans:kiosk-retrieving")
    shown = kiosk_flow.record_to_confirm(status)
    if shown is None:
        return _failed(request, "incomplete_record")

    if request.method == "POST":
        application = kiosk_flow.hand_over(entry["service"], status)
        request.session.pop(kiosk_flow.SESSION_KEY, None)
        request.session["kiosk_done"] = application.reference
        return redirect("loans:kiosk-done")
    return _screen(request, "confirm", {"shown": shown})


@require_GET
@never_cache
def done(request: HttpRequest) -> HttpResponse:
    """⑦ 取引完了."""
    reference = request.session.pop("kiosk_done", None)
    if not isinstance(reference, str):
        return redirect("loans:kiosk-start")
    return _screen(request, "done", {"reference": reference})


@require_POST
@never_cache
def cancel(request: HttpRequest) -> HttpResponse:
    """取消 on any screen, or the idle timeout: everything shown is discarded."""
    kiosk_flow.wipe(request.session)
    request.session.pop("kiosk_done", None)
    return redirect("loans:kiosk-start")
