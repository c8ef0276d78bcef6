"""The demo guide: the story in five lines, the personas, one-click scenarios.

A scenario sets the simulator up through its JSON control API (over HTTP, as
any tool would) and sends the customer to the form with what to do and what to
watch for. Demo only: a real bank has no such page and no such API to call.
"""

from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Scenario:
    slug: str
    title: Any
    steps: Any
    watch: Any
    clock: dict[str, Any]


SCENARIOS = (
    Scenario(
        "normal",
        _("ふつうの取得"),
        _("山田 花子 のカードを選び、暗証番号 1234 を入力します。"),
        _(
            "申込画面に戻ると、年収 567 万円が取得元（マイナポータル・課税年"
            "度）とともに入っています。"
        ),
        {"reset": True},
    ),
    Scenario(
        "planned-stop",
        _("第3土曜日の計画停止"),
        _(
            "シミュレーターの時計が 2026年12月19日(土) 23:00 に"
            "合わせてあります。山田 花子 で手続きします。"
        ),
        _(
            "同意と本人確認はできますが、取得は計画停止で待機になり、"
            "再開予定の日時が表示されます。コントロールパネルで時計を 12月21"
            "日 0:01 に進めると、自動で取得され、メールが届きます。"
        ),
        {"at": "2026-12-19T23:00:00+09:00", "frozen": True},
    ),
    Scenario(
        "cancel",
        _("同意のキャンセル"),
        _("マイナポータルの同意画面で「キャンセル」を押します。"),
        _("申込画面に戻り、入力した内容はそのまま、年収はご自身で入力できます。"),
        {"reset": True},
    ),
    Scenario(
        "locked-card",
        _("ロックされたカード"),
        _("加藤 由美 のカードを選び、どの暗証番号でも入力します。"),
        _(
            "カードがロックされている旨が表示され、取得は行われません。"
            "高橋 翔 のカードで 3 回間違えると、その場でロックされる様子も見"
            "られます。"
        ),
        {"reset": True},
    ),
    Scenario(
        "not-connected",
        _("未接続の市区町村"),
        _("渡辺 健 のカード（暗証番号 7890）を選びます。"),
        _(
            "同意と本人確認のあと、市区町村が接続していないため取得できない旨が表示されます。"
        ),
        {"reset": True},
    ),
)


def _control_url() -> str:
    return str(settings.MYNAPORTAL_ISSUER).rstrip("/") + "/api/v1/control/"


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    """The story of §2.2, the personas, and the scenarios to try."""
    context = {"scenarios": SCENARIOS, "personas": _personas()}
    return render(request, "loans/demo.html", context)


def _personas() -> list[dict[str, Any]] | None:
    try:
        answer = requests.get(
            str(settings.MYNAPORTAL_ISSUER).rstrip("/") + "/api/v1/personas",
            timeout=TIMEOUT_SECONDS,
        )
        personas: list[dict[str, Any]] = answer.json()["personas"]
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None
    return personas


@login_required
@require_POST
def start_scenario(request: HttpRequest, slug: str) -> HttpResponse:
    """Set the simulator up for a scenario, then go to the form."""
    scenario = next((s for s in SCENARIOS if s.slug == slug), None)
    if scenario is None:
        raise Http404

    try:
        for what, body in (("faults", {"clear": True}), ("clock", scenario.clock)):
            requests.post(_control_url() + what, json=body, timeout=TIMEOUT_SECONDS)
    except requests.RequestException:
        messages.error(request, _("シミュレーターに接続できませんでした。"))
        return redirect("loans:demo")

    messages.info(request, f"{scenario.title}: {scenario.steps} {scenario.watch}")
    return redirect("loans:apply")
