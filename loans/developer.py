"""The developer page: run any query condition of §2.6 and read what came back.

The loan form always asks for 最新情報指定; here 時点指定 and 範囲指定 can be
tried too, with the verified raw result and the bank's side of the timeline.
"""

import json
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from mynaportal import catalog
from mynaportal.client import api as mynaportal

SESSION_KEY = "developer_retrieval"
# The guideline's terms for the query modes (catalog.QueryMode.label), translated.
MODE_LABELS = {
    catalog.QueryMode.AS_OF: gettext_lazy("時点指定"),
    catalog.QueryMode.RANGE: gettext_lazy("範囲指定"),
    catalog.QueryMode.LATEST: gettext_lazy("最新情報指定"),
}


class ConditionForm(forms.Form):
    mode = forms.ChoiceField(
        label=gettext_lazy("照会方法"),
        choices=[(mode.value, MODE_LABELS[mode]) for mode in catalog.QueryMode],
    )
    as_of = forms.DateField(label=gettext_lazy("時点（時点指定）"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("開始日（範囲指定）"), required=False
    )
    date_to = forms.DateField(label=gettext_lazy("終了日（範囲指定）"), required=False)

    def condition(self) -> catalog.QueryCondition:
        """The query condition, or a form error saying what is missing."""
        data = self.cleaned_data
        mode = catalog.QueryMode(data["mode"])
        dates: dict[str, date | None] = {
            catalog.QueryMode.AS_OF: {"as_of": data["as_of"]},
            catalog.QueryMode.RANGE: {
                "date_from": data["date_from"],
                "date_to": data["date_to"],
            },
            catalog.QueryMode.LATEST: {},
        }[mode]
        try:
            return catalog.QueryCondition(mode, **dates)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def developer(request: HttpRequest) -> HttpResponse:
    form = ConditionForm(request.POST or None, initial={"mode": "as_of"})
    if request.method == "POST" and form.is_valid():
        try:
            return _start(request, form.condition())
        except forms.ValidationError as error:
            form.add_error(None, error)

    retrieval_id = request.session.get(SESSION_KEY)
    status = mynaportal.retrieval_status(request.user, retrieval_id)
    context: dict[str, Any] = {"form": form, "status": status}
    if status is not None:
        context["raw"] = json.dumps(status.data, ensure_ascii=False, indent=2)
        context["events"] = _pretty(
            mynaportal.retrieval_events(request.user, status.id)
        )
    return render(request, "loans/developer.html", context)


def _start(request: HttpRequest, condition: catalog.QueryCondition) -> HttpResponse:
    try:
        retrieval_id, url = mynaportal.start_retrieval(
            request,
            tm_codes=[catalog.LOCAL_TAX_TM_CODE],
            condition=condition,
            return_path=reverse("loans:developer"),
        )
    except mynaportal.PortalError as error:
        messages.error(
            request, _("マイナポータルに接続できませんでした: %s") % error.code
        )
        return redirect("loans:developer")

    request.session[SESSION_KEY] = retrieval_id
    return redirect(url)


def _pretty(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for event in events:
        event["pretty"] = json.dumps(event["summary"], ensure_ascii=False, indent=2)
    return events
