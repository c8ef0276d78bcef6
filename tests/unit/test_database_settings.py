"""The database settings both sites read from their URL (bankdemo/settings/base.py)."""

import pytest

from bankdemo.settings.base import database


def test_a_sqlite_file_takes_its_write_lock_at_begin_and_waits_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOME_DATABASE_URL", raising=False)

    config = database("SOME_DATABASE_URL", "some.sqlite3")

    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}


def test_postgresql_keeps_its_own_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_DATABASE_URL", "postgres://bank@db.example:5432/bank")

    config = database("SOME_DATABASE_URL", "some.sqlite3")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert "OPTIONS" not in config
