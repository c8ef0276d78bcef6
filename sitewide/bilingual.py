"""Template filter for records that carry their own Japanese and English text.

The catalog, the operating hours and the error codes hold both languages as
plain data (``name`` and ``name_en``); gettext is for the sites' own text.
Registered for both sites as the ``bilingual`` template library.
"""

from collections.abc import Mapping

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def in_language(record: object, fields: str) -> object:
    """The field for the active language: ``server|in_language:"name,name_en"``."""
    japanese, english = (name.strip() for name in fields.split(","))
    field = english if is_english() else japanese
    if isinstance(record, Mapping):
        return record.get(field) or record.get(japanese, "")
    return getattr(record, field)


def is_english() -> bool:
    """Whether the active language is English (anything else reads Japanese)."""
    return (get_language() or "").split("-")[0] == "en"
