"""The mail that tells a customer their deferred retrieval has come in.

It names no figure: the customer reads the data at the bank, signed in.
"""

import logging
from urllib.parse import urlsplit

from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from mynaportal.client import conf
from mynaportal.client.models import Retrieval

logger = logging.getLogger(__name__)


def send_completion_notice(retrieval: Retrieval) -> bool:
    """Send the mail; True if it went. The caller sends it once per retrieval
    (the update that completes the row also records the mail as sent)."""
    if retrieval.owner_id is None:
        # A kiosk's retrieval has no account to write to.
        return False
    owner = retrieval.owner
    if owner is None or not owner.email:
        return False

    link = _site_origin() + retrieval.return_path
    japanese, english = (_mail(link, language) for language in ("ja", "en"))
    subject = f"{japanese[0]} / {english[0]}"
    body = f"{japanese[1]}\n\n―― English ――\n\n{english[1]}"
    try:
        send_mail(subject, body, None, [owner.email])
    except Exception:
        logger.exception("Completion mail for retrieval %s was not sent", retrieval.pk)
        return False
    return True


def _mail(link: str, language: str) -> tuple[str, str]:
    """Subject and body in one language: the worker knows no customer's choice,
    so the mail says it in Japanese, then in English."""
    with translation.override(language):
        subject = _("【〇〇銀行】所得情報の取得が完了しました")
        body = _(
            "マイナポータルからの所得情報の取得が完了しました。\n"
            "次のページで内容をご確認のうえ、お申し込みを続けてください。\n\n"
            "%(link)s\n\n〇〇銀行（デモ）"
        ) % {"link": link}
    return subject, body


def _site_origin() -> str:
    """The bank's own origin, taken from its registered callback URL."""
    parts = urlsplit(conf.redirect_uri())
    return f"{parts.scheme}://{parts.netloc}"
