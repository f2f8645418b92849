"""`prefetched`: a producer one step ahead, failures carried over, early stops clean."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from sincerity.kit.threads import prefetched


def test_everything_produced_arrives_in_order() -> None:
    assert list(prefetched(iter(range(1000)))) == list(range(1000))


def test_a_producer_failure_is_raised_in_the_consumer() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("bad row source")

    with pytest.raises(ValueError, match="bad row source"):
        list(prefetched(failing()))


def test_closing_early_stops_and_joins_the_producer() -> None:
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    stream = prefetched(endless(), depth=2)
    assert next(stream) == 0
    stream.close()
    assert threading.active_count() == before
    assert len(produced) <= 5  # it ran at most a few items ahead


def test_closing_early_closes_the_source_in_its_own_thread() -> None:
    """A source that holds something (validating processes) lets it go when the consumer stops."""
    released: list[str] = []

    def holding() -> Iterator[int]:
        try:
            yield from range(100)
        finally:
            released.append(threading.current_thread().name)

    stream = prefetched(holding(), depth=1)
    assert next(stream) == 0
    stream.close()
    assert released == ["prefetch"]
