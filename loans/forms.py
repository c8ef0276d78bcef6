"""The pre-screening form of guideline Fig. 2.3-2."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DRAFT_FIELDS = ("desired_date", "amount_man_yen", "term_years", "annual_income_man_yen")


class LoanApplicationForm(forms.Form):
    desired_date = forms.CharField(
        label=_("お借入希望年月日"),
        help_text=_("※例：「20190401」といった形式で入力してください。"),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "8"}
        ),
    )
    amount_man_yen = forms.IntegerField(
        label=_("お借入希望金額"), min_value=1, max_value=100_000
    )
    term_years = forms.IntegerField(
        label=_("お借入希望期間"), min_value=1, max_value=35
    )
    annual_income_man_yen = forms.IntegerField(
        label=_("あなたの年収"), min_value=1, max_value=100_000
    )

    def clean_desired_date(self) -> date:
        raw = self.cleaned_data["desired_date"].strip()
        if len(raw) != 8 or not raw.isdigit():
            raise forms.ValidationError(
                _("「20190401」のように8桁の数字で入力してください。")
            )

        try:
            desired = datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            raise forms.ValidationError(_("存在しない日付です。")) from None
        if desired < timezone.localdate():
            raise forms.ValidationError(_("今日以降の日付を入力してください。"))
        return desired


def draft_from(data: Any) -> dict[str, str]:
    """What the customer typed, kept as typed for the trip to the portal."""
    return {name: str(data.get(name, ""))[:20] for name in DRAFT_FIELDS}
