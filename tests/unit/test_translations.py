"""The English catalog is complete: every msgid translated, none fuzzy, none missing.

Japanese is the source language (the msgids); locale/en/LC_MESSAGES/django.po
holds the English. `make messages` adds new msgids; these tests fail until each
one has an English msgstr, so that no English page falls back to Japanese.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"


def gettext_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


def messages_options() -> list[str]:
    """makemessages' options, read from the Makefile so the two never drift."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^MESSAGES_OPTIONS := ((?:.*\\\n)*.*)$", makefile, re.M)
    assert match is not None, "the Makefile has no MESSAGES_OPTIONS"
    return shlex.split(match.group(1).replace("\\\n", " "))


def test_every_message_has_an_english_translation() -> None:
    untranslated = gettext_tool("msgattrib", "--untranslated", "--no-wrap", str(PO))

    assert untranslated.returncode == 0, untranslated.stderr
    assert untranslated.stdout == "", "untranslated:\n" + untranslated.stdout


def test_no_translation_is_fuzzy() -> None:
    fuzzy = gettext_tool("msgattrib", "--only-fuzzy", "--no-wrap", str(PO))

    assert fuzzy.returncode == 0, fuzzy.stderr
    assert fuzzy.stdout == "", "fuzzy:\n" + fuzzy.stdout


def test_the_catalog_compiles_with_its_placeholders_intact() -> None:
    """msgfmt --check: a translation that drops %(name)s or a plural fails."""
    compiled = gettext_tool("msgfmt", "--check", "--output-file=/dev/null", str(PO))

    assert compiled.returncode == 0, compiled.stderr


@pytest.fixture(scope="module")
def fresh_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """makemessages, as `make messages` runs it, over a copy of the source tree."""
    copy = tmp_path_factory.mktemp("source")
    skipped = {".git", ".venv", "node_modules", "var", "staticfiles", "locale"}
    for entry in ROOT.iterdir():
        if entry.name in skipped or entry.name.startswith("."):
            continue
        if entry.is_dir():
            shutil.copytree(
                entry, copy / entry.name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(entry, copy / entry.name)

    made = subprocess.run(
        [sys.executable, "manage.py", "makemessages", *messages_options()],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "bankdemo.settings.bank",
        },
    )
    assert made.returncode == 0, made.stderr
    return copy / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_makemessages_would_add_nothing(fresh_catalog: Path) -> None:
    """Every msgid marked in the code and templates is in the committed catalog."""
    compared = gettext_tool(
        "msgcmp",
        "--no-fuzzy-matching",
        "--use-untranslated",
        str(PO),
        str(fresh_catalog),
    )

    assert compared.returncode == 0, "run `make messages`:\n" + compared.stderr


def test_the_catalog_holds_no_msgid_the_code_no_longer_marks(
    fresh_catalog: Path,
) -> None:
    compared = gettext_tool(
        "msgcmp",
        "--no-fuzzy-matching",
        "--use-untranslated",
        str(fresh_catalog),
        str(PO),
    )

    assert compared.returncode == 0, "run `make messages`:\n" + compared.stderr


def test_the_compiled_catalog_serves_english() -> None:
    with translation.override("en"):
        bank = translation.gettext("〇〇銀行")
        yen = translation.gettext("%(amount)s円") % {"amount": "5,670,000"}
        left = translation.ngettext(
            "暗証番号が違います。あと%(left)s回間違えるとカードがロックされます。",
            "暗証番号が違います。あと%(left)s回間違えるとカードがロックされます。",
            1,
        ) % {"left": 1}
    with translation.override("ja"):
        japanese = translation.gettext("〇〇銀行")

    assert bank == "XX Bank"
    assert yen == "¥5,670,000"
    assert left == "Wrong PIN. 1 more wrong attempt will lock the card."
    assert japanese == "〇〇銀行"
