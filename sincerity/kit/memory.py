"""The garbage collector, tuned for bulk work.

Ingestion allocates millions of short-lived tuples; with the default thresholds the
collector runs every 700 allocations and its full passes walk everything alive (catalogue,
caches, the pipeline's buffers) again and again. For bulk work the young generation is
collected less often and what existed before is left out of every pass (measured: bulk
ingestion ≈ 10 % faster). A serving process freezes what it built at start-up instead
(`app.create_app`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLDS = (100_000, 50, 50)


def tune_for_bulk() -> None:
    """For a process that does nothing but bulk work (the validating process)."""
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Bulk work inside a process that does other things too: restored afterwards (a process
    that had frozen objects of its own keeps them, and these, frozen)."""
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if not frozen_before:
            gc.unfreeze()


_pause_lock = threading.Lock()
_pauses = 0
_enabled_before = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection while inside (reference counting still frees what is dropped).

    For a short burst that allocates many objects which stay alive until it ends, such as
    a chunk being written: each young collection would otherwise promote them, and the full
    passes this triggers walk everything the process holds (measured: a tenth of a day's
    churn through ingestion, a third of its list update). Threads may pause at once; the
    collector resumes when the last leaves, and only if it was running when the first came."""
    global _pauses, _enabled_before
    with _pause_lock:
        if not _pauses:
            _enabled_before = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if not _pauses and _enabled_before:
                gc.enable()
