"""The bank's error pages: its own look in either language, the 500 page even
when the request itself cannot be rendered (the simulator's: test_i18n.py)."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import translation

from sitewide import error_pages


class BrokenUser:
    """A signed-in user whose look-up fails, as with the database down."""

    @property
    def is_authenticated(self) -> bool:
        raise RuntimeError("the database is down")


@pytest.mark.parametrize(
    ("language", "title", "site"),
    [
        ("ja", "システムエラーが発生しました", "〇〇銀行"),
        ("en", "A system error occurred", "XX Bank"),
    ],
)
def test_the_500_page_is_the_banks_own_in_each_language(
    language: str, title: str, site: str
) -> None:
    request = RequestFactory().get("/loans/apply/", HTTP_HOST="127.0.0.1")
    request.user = AnonymousUser()

    with translation.override(language):
        answer = error_pages.server_error(request)

    page = answer.content.decode()
    assert answer.status_code == 500
    assert f"<title>{title} | {site}</title>" in page
    assert f'<html lang="{language}">' in page
    assert 'class="bank-header"' in page
    assert 'value="/loans/apply/"' in page  # the language switch comes back here
    assert "Traceback" not in page


def test_the_500_page_renders_without_what_broke(
    caplog: pytest.LogCaptureFixture,
) -> None:
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1")
    request.user = BrokenUser()  # type: ignore[assignment]

    with translation.override("en"):
        answer = error_pages.server_error(request)

    page = answer.content.decode()
    assert answer.status_code == 500
    assert "<title>A system error occurred | XX Bank</title>" in page
    assert 'class="bank-header"' in page
    assert "the database is down" not in page
    assert "could not be rendered with its request" in caplog.text


@pytest.mark.parametrize(
    ("handler", "status", "english"),
    [
        (error_pages.bad_request, 400, "The request could not be handled"),
        (error_pages.permission_denied, 403, "This page cannot be shown"),
        (error_pages.page_not_found, 404, "Page not found"),
    ],
)
def test_the_banks_400_403_and_404_pages(
    handler: Callable[[HttpRequest, Exception], HttpResponse],
    status: int,
    english: str,
) -> None:
    request = RequestFactory().get("/somewhere/", HTTP_HOST="127.0.0.1")
    request.user = AnonymousUser()

    with translation.override("en"):
        answer = handler(request, Exception("not shown"))

    page = answer.content.decode()
    assert answer.status_code == status
    assert f"<title>{english} | XX Bank</title>" in page
    assert f'data-status="{status}"' in page
    assert "not shown" not in page
