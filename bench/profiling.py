"""Summaries of py-spy's raw (collapsed) stacks, for the "where the time goes" part.

Each line of the raw format is ``frame;frame;...;frame count``, root first, and a
frame reads ``function (path/of/file.py)`` with ``--nolineno``. Three views:
layers (each sample goes to the layer of its innermost frame that has one),
the project's own functions with their inclusive share, and the hottest
innermost functions.
"""

import os
import shutil
import sys
from collections import Counter
from pathlib import Path

PROJECT = ("mynaportal/", "loans/", "bankdemo/", "bench/")

# (layer, file prefixes); the innermost frame that matches decides the layer.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("HTTP to the portal (requests, urllib3)", ("requests/", "urllib3/", "http/")),
    ("database driver (round trips)", ("psycopg/", "sqlite3/", "django/db/backends/")),
    ("Django ORM (queries, rows)", ("django/db/",)),
    ("broker (kombu, redis-py)", ("kombu/", "redis/")),
    ("crypto (joserfc, cryptography)", ("joserfc/", "cryptography/")),
    ("Celery machinery", ("celery/", "billiard/", "vine/")),
    ("gunicorn", ("gunicorn/",)),
    ("Django (request handling, other)", ("django/",)),
    ("the project's own code", PROJECT),
]
STDLIB_LAYERS = {"socket.py": LAYERS[0][0], "ssl.py": LAYERS[0][0]}


# How every recording is taken: the raw format ``read`` expects, every process
# of the tree, and only samples holding the GIL (Python at work). A process
# woken from a database or socket wait but not yet on a core holds no GIL, so
# the run queue of a saturated machine is not counted as work.
RECORD_ARGS = (
    *("record", "--rate", "250", "--nolineno", "--format", "raw"),
    *("--gil", "--subprocesses", "--nonblocking"),
)


def py_spy_path() -> str | None:
    """py-spy beside this Python (the project's virtual environment) or on PATH."""
    beside = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
    return shutil.which("py-spy", path=beside)


def _file(frame: str) -> str:
    start = frame.rfind(" (")
    return frame[start + 2 : -1] if start >= 0 and frame.endswith(")") else ""


def _layer(frames: list[str]) -> str:
    for frame in reversed(frames):
        path = _file(frame)
        if path in STDLIB_LAYERS:
            return STDLIB_LAYERS[path]
        for name, prefixes in LAYERS:
            if path.startswith(prefixes):
                return name
    return "other (interpreter, stdlib)"


def read(path: Path) -> list[tuple[list[str], int]]:
    """The stacks of a raw py-spy file, without py-spy's process frames."""
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if frames:
            stacks.append((frames, int(count)))
    return stacks


def summary(path: Path, title: str, top: int = 12) -> str:
    """A Markdown summary of one recording."""
    if not path.exists():
        return f"### {title}\n\n(no profile: {path.name} was not written)"
    stacks = read(path)
    total = sum(count for _, count in stacks)
    if not total:
        return f"### {title}\n\n(no samples)"

    layers: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    innermost: Counter[str] = Counter()
    for frames, count in stacks:
        layers[_layer(frames)] += count
        innermost[frames[-1]] += count
        for frame in set(frames):
            if _file(frame).startswith(PROJECT):
                inclusive[frame] += count

    def rows(counter: Counter[str], limit: int) -> list[str]:
        return [
            f"| `{name}` | {count / total:.1%} |"
            for name, count in counter.most_common(limit)
        ]

    return "\n".join(
        [
            f"### {title} ({total:,} samples)",
            "",
            "| layer (innermost frame) | share |",
            "|---|---:|",
            *rows(layers, len(LAYERS) + 1),
            "",
            "| project function (inclusive) | share |",
            "|---|---:|",
            *rows(inclusive, top),
            "",
            "| innermost function | share |",
            "|---|---:|",
            *rows(innermost, top),
        ]
    )
