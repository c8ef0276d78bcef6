"""The error-code reference, docs/errors.md and the simulator's code agree.

The simulator's sources are read as text (``ast``), never imported: only
``error_codes`` itself is, and it is plain data.
"""

import ast
import re
from pathlib import Path

import pytest

from mynaportal.simulator import error_codes

ROOT = Path(__file__).resolve().parents[2]
SIMULATOR = ROOT / "mynaportal" / "simulator"
ERRORS_PAGE = ROOT / "docs" / "errors.md"

# A reference row: | `code` | 400 | where | meaning | what to do |
REFERENCE_ROW = re.compile(r"^\|\s*`([a-z_:]+)`\s*\|\s*(\d{3})\s*\|")
SNAKE_CODE = re.compile(r"`([a-z]+(?:_[a-z]+)+(?::[a-z_]+)?)`")
# Calls whose first string argument is an error code answered to a client.
RAISERS = {
    "OAuthError",
    "DataError",
    "ClientRefused",
    "IdentityError",
    "CardVerificationError",
}


def reference_rows() -> set[tuple[str, int]]:
    rows = set()
    for line in ERRORS_PAGE.read_text(encoding="utf-8").splitlines():
        match = REFERENCE_ROW.match(line)
        if match:
            rows.add((match.group(1), int(match.group(2))))
    return rows


def first_cells() -> list[str]:
    """The first cell of every table row of docs/errors.md."""
    cells = []
    for line in ERRORS_PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells.append(line.split("|")[1])
    return cells


def _call_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def codes_in_sources() -> dict[str, set[str]]:
    """Every literal error code the simulator's modules raise or answer, by file."""
    found: dict[str, set[str]] = {}
    for path in sorted(SIMULATOR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        codes: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _call_name(node)
                arguments = list(node.args)
                if name in RAISERS and arguments:
                    codes.add(_string(arguments[0]) or "")
                elif name == "_portal_error" and len(arguments) >= 2:
                    codes.add(_string(arguments[1]) or "")
                # _back_to_client(pushed, error="access_denied"), and the like.
                codes |= {
                    text
                    for keyword in node.keywords
                    if keyword.arg == "error" and (text := _string(keyword.value))
                }
            elif isinstance(node, ast.Dict):
                # {"error": "<code>", ...}: a JSON answer written out by hand.
                for key, value in zip(node.keys, node.values, strict=True):
                    text = _string(value)
                    if _string(key) == "error" and text and " " not in text:
                        codes.add(text)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                codes |= _named_code_sets(node)
        codes.discard("")
        if codes:
            found[path.name] = codes
    return found


def _named_code_sets(node: ast.Assign | ast.AnnAssign) -> set[str]:
    """Codes set on a context, keys of PORTAL_ERRORS, VERIFICATION_ERROR_CODES."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = {target.id for target in targets if isinstance(target, ast.Name)}
    value = node.value
    # context["error"] = "pin_format": a code shown on a screen.
    keys = {_string(t.slice) for t in targets if isinstance(t, ast.Subscript)}
    if "error" in keys and (text := _string(value)):
        return {text}
    # error = "invalid_token" if status == 401 else "temporarily_unavailable"
    if "error" in names and isinstance(value, ast.IfExp):
        return {
            text for branch in (value.body, value.orelse) if (text := _string(branch))
        }
    if "PORTAL_ERRORS" in names and isinstance(value, ast.Dict):
        return {text for key in value.keys if (text := _string(key))}
    if "VERIFICATION_ERROR_CODES" in names and isinstance(value, ast.Call):
        members = value.args[0] if value.args else None
        if isinstance(members, ast.Set):
            return {text for item in members.elts if (text := _string(item))}
    return set()


def test_the_page_and_the_reference_hold_the_same_codes_and_statuses() -> None:
    listed = {(entry.code, entry.http_status) for entry in error_codes.ENTRIES}

    assert reference_rows() == listed


def test_every_code_named_in_a_table_of_the_page_has_an_entry() -> None:
    named = {code for cell in first_cells() for code in SNAKE_CODE.findall(cell)}

    assert named - error_codes.codes() == set()


@pytest.mark.parametrize(
    ("module", "codes"), sorted(codes_in_sources().items()), ids=lambda x: str(x)
)
def test_every_code_the_simulator_answers_has_an_entry(
    module: str, codes: set[str]
) -> None:
    assert codes - error_codes.codes() == set(), module


def test_the_source_scan_finds_the_codes_it_is_meant_to_find() -> None:
    found = set().union(*codes_in_sources().values())

    expected = {
        "invalid_client",
        "invalid_grant",
        "no_data",
        "not_connected",
        "middle_server_unavailable",
        "par_required",
        "session_expired",
        "unknown_persona",
        "client_suspended",
        "card_locked",
        "wrong_pin",
        "pin_format",
        "access_denied",
        "revoked",
        "temporarily_unavailable",
    }
    assert expected <= found


def test_every_identity_failure_comes_back_in_the_redirect_too() -> None:
    redirected = {
        code.removeprefix("identity_verification_failed:")
        for code in error_codes.codes()
        if code.startswith("identity_verification_failed:")
    }
    on_screen = {
        entry.code
        for entry in error_codes.ENTRIES
        if entry.where == "POST /oauth/identity" and entry.http_status == 403
    }

    assert on_screen <= redirected
    assert "wrong_pin" in redirected  # through the header layer


def test_every_entry_is_complete_in_both_languages() -> None:
    for entry in error_codes.ENTRIES:
        texts = (entry.meaning_ja, entry.meaning_en, entry.action_ja, entry.action_en)
        assert all(text.strip() for text in texts), entry.code
        assert 200 <= entry.http_status <= 599, entry.code
        assert entry.where, entry.code


def test_the_reference_imports_nothing_from_django() -> None:
    tree = ast.parse((SIMULATOR / "error_codes.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    }

    assert imported <= {"dataclasses"}
