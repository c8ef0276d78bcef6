"""The branch kiosk's state between screens (guideline §3.3 ①〜⑦).

A kiosk serves one customer after another, so everything a transaction
collects lives in the kiosk's session under one key and goes at once when the
customer cancels, finishes or walks away (the idle timeout): the session entry
is dropped and any retrieval is discarded at the portal and here.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from loans import services
from loans.models import KioskApplication
from mynaportal import catalog, schedule
from mynaportal.client import api as mynaportal

SESSION_KEY = "kiosk"
TM_CODES = [catalog.LOCAL_TAX_TM_CODE]
REFERENCE_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"

# What the customer sees as the purpose of each service (△△△△ of Fig. 3.3-3).
PURPOSES = {
    KioskApplication.Service.CARD_LOAN: _("カードローンの審査"),
    KioskApplication.Service.HOUSING_LOAN: _("住宅ローンの事前審査"),
}


def idle_seconds() -> int:
    return int(settings.BANK_KIOSK_IDLE_SECONDS)


def state(session: SessionBase) -> dict[str, Any]:
    """This transaction's entry; a new, empty one after the idle timeout."""
    entry = session.get(SESSION_KEY)
    if not isinstance(entry, dict):
        entry = {}
    elif time.time() - float(entry.get("seen", 0)) > idle_seconds():
        wipe(session)
        entry = {}

    entry["seen"] = time.time()
    session[SESSION_KEY] = entry
    return entry


def save(session: SessionBase, entry: dict[str, Any]) -> None:
    session[SESSION_KEY] = entry


def wipe(session: SessionBase) -> None:
    """取消, the end, or the idle timeout: forget everything, discard the data."""
    entry = session.get(SESSION_KEY)
    session.pop(SESSION_KEY, None)
    # The next customer gets a session key of their own.
    session.cycle_key()
    if isinstance(entry, dict) and entry.get("retrieval"):
        mynaportal.discard_kiosk_retrieval(entry["retrieval"])


def pending_consent(entry: dict[str, Any]) -> mynaportal.KioskConsent | None:
    return mynaportal.KioskConsent.from_session(entry.get("consent"))


@dataclass(frozen=True)
class Stop:
    """A server the retrieval needs is stopped (§2.5): which, why, until when."""

    server: catalog.Server | None
    reason: str
    resume_at: datetime | None


def stop_by_calendar(at: datetime) -> Stop | None:
    """A stop the operating calendar already knows, before any card is read.

    The portal's own answer still decides later (its clock may differ); this
    only spares the customer a PIN when the answer is certain to be "later".
    """
    blocking = schedule.blocking_servers(TM_CODES, at)
    if not blocking:
        return None

    state = schedule.server_state(blocking[0], at)
    try:
        resume_at = schedule.next_operating(TM_CODES, at)
    except LookupError:
        resume_at = None
    return Stop(catalog.SERVERS.get(state.code), str(state.reason), resume_at)


def stop_of(status: mynaportal.RetrievalStatus) -> Stop:
    """The stop the portal reported for a retrieval it could not serve now."""
    server = catalog.SERVERS.get(status.blocked_server)
    return Stop(server, status.blocked_reason, status.resume_at)


@dataclass(frozen=True)
class ShownRecord:
    """The latest local-tax record as 情報提供可否の確認 lists it (Fig. 3.3-6)."""

    category: str
    provider: str
    rows: list[tuple[str, str, str, object]]
    income: services.RetrievedIncome


def record_to_confirm(status: mynaportal.RetrievalStatus) -> ShownRecord | None:
    """Every item of the latest 課税年度, in Mynaportal's order, and the income."""
    income = services.income_from_local_tax(status.data or [])
    if income is None:
        return None

    category = catalog.LOCAL_TAX
    entry = next(e for e in status.data or [] if e["tm_code"] == category.tm_code)
    items = next(
        r["items"]
        for r in entry["records"]
        if r["items"].get("taxable_year") == income.taxable_year
    )
    rows = [
        (item.key, item.label, item.kind, items[item.key])
        for item in category.items
        if item.key in items
    ]
    return ShownRecord(category.display_name, entry["provider"], rows, income)


def hand_over(service: str, status: mynaportal.RetrievalStatus) -> KioskApplication:
    """「確認」: the income goes to the loan service, and the data is discarded."""
    shown = record_to_confirm(status)
    if shown is None:
        raise ValueError("The record has no income to hand over")

    try:
        with transaction.atomic():
            application = KioskApplication.objects.create(
                reference=_new_reference(),
                service=service,
                annual_income_man_yen=shown.income.man_yen,
                income_taxable_year=shown.income.taxable_year,
                income_fetched_at=status.completed_at,
                income_retrieval_id=status.id,
            )
    except IntegrityError:
        # 「確認」 pressed twice at once: the first press handed it over.
        return KioskApplication.objects.get(income_retrieval_id=status.id)
    # Only the income the service needs is kept; the record itself goes now.
    mynaportal.discard_kiosk_retrieval(status.id)
    return application


def _new_reference() -> str:
    while True:
        reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        if not KioskApplication.objects.filter(reference=reference).exists():
            return reference
