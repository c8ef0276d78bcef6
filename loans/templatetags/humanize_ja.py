"""Template filters for amounts and accessible form fields."""

from django import template
from django.forms import BoundField
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def yen(value: int) -> str:
    """5670000 → 5,670,000円 (ja) or ¥5,670,000 (en)."""
    amount = number_format(value, force_grouping=True)
    return _("%(amount)s円") % {"amount": amount}


@register.filter
def accessible(field: BoundField) -> SafeString:
    """Render a field tied to its help text and errors (aria-describedby)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_help")
    if field.errors:
        ids.append(f"{field.auto_id}_error")

    attrs: dict[str, str | bool] = {"aria-describedby": " ".join(ids)}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)
