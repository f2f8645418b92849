"""The collector tuned for bulk work is put back as it was."""

from __future__ import annotations

import gc

from sincerity.kit.memory import BULK_THRESHOLDS, bulk_allocation


def test_bulk_allocation_tunes_and_restores_the_collector() -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with bulk_allocation():
        assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    if not frozen:  # a process that froze nothing of its own is left with nothing frozen
        assert gc.get_freeze_count() == 0


def test_the_collector_is_restored_when_the_work_fails() -> None:
    before = gc.get_threshold()
    try:
        with bulk_allocation():
            raise RuntimeError("a fault in the middle of a file")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
