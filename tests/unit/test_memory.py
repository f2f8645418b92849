"""The collector tuned for bulk work, or paused for a burst, is put back as it was."""

from __future__ import annotations

import gc
import threading

from sincerity.kit.memory import BULK_THRESHOLDS, bulk_allocation, collector_paused


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


def test_the_collector_is_paused_inside_and_resumes_after_the_last_leaves() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()


def test_a_pause_in_another_thread_keeps_the_collector_off_until_it_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled()  # this thread left, the other is still inside
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off_and_a_failure_resumes_it() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    try:
        with collector_paused():
            raise RuntimeError("a fault while writing a chunk")
    except RuntimeError:
        pass
    assert gc.isenabled()
