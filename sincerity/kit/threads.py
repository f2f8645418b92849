"""Run a producer one step ahead of its consumer, in a helper thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(source: Iterator[T], *, depth: int = 2) -> Generator[T, None, None]:
    """Yield what `source` yields, computed ahead in a helper thread (at most `depth` waiting).

    An exception in the producer is raised in the consumer; closing the generator early
    (the consumer failed or stopped) stops the producer, closes `source` if it can be closed
    (a generator's `finally` runs) and joins it before returning.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for item in source:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer, raised there
            put(_Failure(error))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a generator's own clean-up runs here, in the thread that ran it

    worker = threading.Thread(target=pump, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
