"""The error pages of both sites: 400, 403, a failed CSRF check, 404, 405 and 500.

Each site names its own page in ``ERROR_PAGE_TEMPLATE`` (the bank's look or the
simulator's), so that no visitor ever sees Django's default pages. The texts
are the sites' own and translated like every other page.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: a request the site cannot read (Django's handler400)."""
    return _page(
        request,
        400,
        _("リクエストを処理できません"),
        _("リクエストの内容を読み取れませんでした。最初の画面からやり直してください。"),
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: the visitor may not see this page (Django's handler403)."""
    return _page(
        request,
        403,
        _("このページは表示できません"),
        _("このページを表示する権限がありません。"),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403: the form came back without a valid CSRF token (CSRF_FAILURE_VIEW)."""
    return _page(
        request,
        403,
        _("送信を受け付けられませんでした"),
        _(
            "安全のための確認ができなかったため、送信を受け付けませんでした。"
            "ページを読み込み直してから、もう一度操作してください。"
            "Cookie を無効にしている場合は、有効にしてください。"
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: no such page (Django's handler404)."""
    return _page(
        request,
        404,
        _("ページが見つかりません"),
        _("お探しのページは見つかりませんでした。URL が正しいかご確認ください。"),
    )


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    """405: a page that only takes a form's POST, opened by its address."""
    return _page(
        request,
        405,
        _("この操作はできません"),
        _("このページは直接開くことができません。画面のボタンから操作してください。"),
    )


class MethodNotAllowedPage:
    """Middleware: Django's 405 (require_POST and the like) has no body at all;
    a browser gets the site's page instead. API clients, which do not ask for
    HTML, keep the bare answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        wants_html = "text/html" in request.headers.get("Accept", "")
        if response.status_code != 405 or response.content or not wants_html:
            return response

        page = method_not_allowed(request)
        page["Allow"] = response.get("Allow", "")
        return page


def server_error(request: HttpRequest) -> HttpResponse:
    """500: something broke; the page says so without any detail of it."""
    return _page(
        request,
        500,
        _("システムエラーが発生しました"),
        _(
            "申し訳ありません。処理を完了できませんでした。"
            "時間をおいて、もう一度お試しください。"
        ),
    )


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {"status": status, "title": title, "message": message}
    template = loader.get_template(settings.ERROR_PAGE_TEMPLATE)

    try:
        body = template.render(context, request)
    except Exception:
        # The failure may lie in what the full page needs (the session, the
        # database behind the signed-in user): the same page, without them.
        logger.exception("The %s page could not be rendered with its request", status)
        body = template.render({**context, "bare": True})
    return HttpResponse(body, status=status)
