"""The client's pages: the portal's redirect back, the retrieval status, notices."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from mynaportal import catalog
from mynaportal.client import authorization, keys, retention, retrieve, tasks
from mynaportal.client.models import Retrieval
from mynaportal.client.portal import PortalError

logger = logging.getLogger(__name__)

CALLBACK_ERRORS = {
    "state": gettext_lazy(
        "この応答は、このブラウザで始めたお手続きのものではないか、既に使われています。"
    ),
    "iss": gettext_lazy(
        "応答の発行元がマイナポータルであることを確認できませんでした。"
    ),
    "session": gettext_lazy(
        "お手続きのセッションが見つかりません。ログインしてからやり直してください。"
    ),
}


@require_GET
@never_cache
def callback(request: HttpRequest) -> HttpResponse:
    """The redirect back from the portal (code, state, iss) or its error."""
    if not request.user.is_authenticated:
        return _callback_error(request, "session")

    try:
        retrieval = authorization.complete_authorization(request)
    except authorization.CallbackError as error:
        return _callback_error(request, error.code)

    if retrieval.state == Retrieval.State.CANCELLED:
        messages.warning(request, _cancel_message(retrieval.error_code))
        return redirect(retrieval.return_path)
    return redirect("mynaportal:status", retrieval_id=retrieval.pk)


def _callback_error(request: HttpRequest, code: str) -> HttpResponse:
    context = {"message": CALLBACK_ERRORS[code], "code": code}
    return render(request, "mynaportal_client/callback_error.html", context, status=400)


def _cancel_message(error_code: str) -> str:
    if error_code == "identity_failed":
        return _(
            "マイナポータルでマイナンバーカードによる本人確認ができませんでした。"
            "年収はご自身で入力できます。"
        )
    if error_code == "access_denied":
        return _(
            "マイナポータルでの情報提供がキャンセルされました。年収はご自身で入力できます。"
        )
    return _(
        "マイナポータルでのお手続きが完了しませんでした。年収はご自身で入力できます。"
    )


@login_required
@require_GET
@never_cache
def status(request: HttpRequest, retrieval_id: str) -> HttpResponse:
    """A page that moves on by itself until the data is in, then returns."""
    retrieval = _owned(request, retrieval_id)
    if retrieval.purged_at is not None:
        return render(request, "mynaportal_client/gone.html", status=410)
    if retrieval.state == Retrieval.State.COMPLETED:
        messages.success(request, _("マイナポータルから所得情報を取得しました。"))
        return redirect(retrieval.return_path)

    context = {
        "retrieval": retrieval,
        "active": retrieval.state in Retrieval.ACTIVE_STATES,
        "waiting": retrieval.state == Retrieval.State.WAITING,
        "server": catalog.SERVERS.get(retrieval.blocked_server),
    }
    return render(request, "mynaportal_client/status.html", context)


@login_required
@require_POST
def withdraw(request: HttpRequest, retrieval_id: str) -> HttpResponse:
    """Withdraw the consent: tokens revoked at the portal, the data deleted (R31)."""
    retrieval = _owned(request, retrieval_id)
    if retention.withdraw(retrieval):
        messages.info(
            request, _("同意を撤回し、マイナポータルから取得した情報を削除しました。")
        )
    return redirect(retrieval.return_path)


@login_required
@require_POST
def cancel(request: HttpRequest, retrieval_id: str) -> HttpResponse:
    """Stop a retrieval in progress (guideline §2.4 ※2); type the income instead.
    The consent given for it is revoked at the portal."""
    retrieval = _owned(request, retrieval_id)
    if retention.cancel(retrieval):
        messages.info(request, _("マイナポータルからの取得を中止しました。"))
    return redirect(retrieval.return_path)


def _owned(request: HttpRequest, retrieval_id: str) -> Retrieval:
    retrieval = authorization.retrieval_of(request.user, retrieval_id)
    if retrieval is None:
        raise Http404
    return retrieval


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """The bank's public keys, for the portal's ``jwks_uri``: rotation in one step."""
    return JsonResponse(keys.public_jwks())


@csrf_exempt
@require_POST
def notification(request: HttpRequest) -> HttpResponse:
    """The portal's signed notice that a waiting result is ready (IF001-05)."""
    try:
        retrieval_id = retrieve.take_notice(request.body.decode("ascii"))
    except (UnicodeDecodeError, PortalError):
        return HttpResponse(status=400)

    if retrieval_id is not None:
        try:
            tasks.send("fetch_result", retrieval_id)
        except Exception:
            # The broker is down; the row is made due and the sweep sends it.
            retrieve.mark_undelivered(retrieval_id)
            logger.exception("Could not enqueue the fetch for %s", retrieval_id)
    return HttpResponse(status=204)
