"""The no-op baseline: the cheapest task the bench's worker can run.

``fan_out`` publishes its no-ops from inside the worker, the way the sweep
publishes the steps it finds due, so both measurements have the same shape: one
task publishes N messages on the broker, then the same worker runs them.
The last no-op writes the time it ran to a marker file, which ends the clock.
"""

import os
import time
import uuid
from pathlib import Path

from celery import shared_task


@shared_task(ignore_result=True)
def noop(retrieval_id: str, marker: str = "") -> None:
    """Do nothing; the last one of a batch notes when it ran."""
    if marker:
        written = Path(f"{marker}.tmp")
        written.write_text(repr(time.time()))
        os.replace(written, marker)


@shared_task(ignore_result=True)
def fan_out(count: int, marker: str) -> int:
    """Publish ``count`` no-ops, each carrying an id as a retrieval step does."""
    for _ in range(count - 1):
        noop.apply_async(args=(str(uuid.uuid4()),))
    noop.apply_async(args=(str(uuid.uuid4()),), kwargs={"marker": marker})
    return count
