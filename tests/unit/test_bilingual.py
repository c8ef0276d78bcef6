"""The in_language filter: a record's own Japanese or English, as the page reads."""

import pytest
from django.template import Context, Template
from django.utils import translation

from mynaportal import catalog


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "情報提供ネットワークシステム"),
        ("en", "Information Provision Network System"),
    ],
)
def test_a_server_reads_in_the_active_language(language: str, expected: str) -> None:
    template = Template('{% load bilingual %}{{ server|in_language:"name,name_en" }}')
    server = catalog.SERVERS["info-network"]

    with translation.override(language):
        shown = template.render(Context({"server": server}))

    assert shown == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("ja", "地方税関係情報"), ("en", "Local tax")]
)
def test_a_record_given_as_json_reads_in_the_active_language(
    language: str, expected: str
) -> None:
    template = Template(
        '{% load bilingual %}{{ category|in_language:"display_name, name_en" }}'
    )
    category = {"display_name": "地方税関係情報", "name_en": "Local tax"}

    with translation.override(language):
        shown = template.render(Context({"category": category}))

    assert shown == expected


def test_a_record_without_english_falls_back_to_japanese() -> None:
    template = Template('{% load bilingual %}{{ record|in_language:"name,name_en" }}')

    with translation.override("en"):
        shown = template.render(Context({"record": {"name": "〇〇市"}}))

    assert shown == "〇〇市"
