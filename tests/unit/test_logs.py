"""No code, state or request URI reaches a log line through a query string."""

import logging

import pytest

from bankdemo.settings.logs import DropQueryStrings


@pytest.mark.parametrize(
    ("message", "args"),
    [
        (
            '"%s" %s %s',
            ("GET /mynaportal/callback/?code=SECRET&state=S HTTP/1.1", 302, 0),
        ),
        ("GET /mynaportal/callback/?code=SECRET&state=S", ()),
    ],
)
def test_query_strings_are_removed_from_log_records(
    message: str, args: tuple[object, ...]
) -> None:
    record = logging.LogRecord(
        "django.server", logging.INFO, "", 0, message, args, None
    )

    assert DropQueryStrings().filter(record) is True
    assert "SECRET" not in record.getMessage()
    assert "?[query removed]" in record.getMessage()
