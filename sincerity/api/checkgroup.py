"""Group commit for point-of-service checks.

Each check is answered and recorded in a transaction; committing costs more than the check's
own queries (a WAL append on SQLite, a round trip and a flush on PostgreSQL). So the checks
that arrive together share one: a check waits in the group until the running flush is done,
then every waiting check is answered and recorded in one transaction, and each caller gets
its answer only after that transaction has committed. Nothing is answered that was not
recorded, and no check waits for more than one flush ahead of it.

SQLite runs the flush on the event loop (its queries are microseconds; a thread hop would
cost more, and it has one writer anyway); PostgreSQL runs up to `FLUSHERS` flushes at once in
worker threads, so that round trips overlap and the loop keeps gathering the next group while
a commit is flushed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi.concurrency import run_in_threadpool

from sincerity.domain.institutions import Institution
from sincerity.services.checks import check_subjects
from sincerity.services.context import Services

log = logging.getLogger(__name__)  # counts and error types only: no personal data in logs
MAX_GROUP = 256  # checks per transaction: bounds the time one commit holds the writer
FLUSHERS = 4  # concurrent transactions on a networked store


class CheckGroupError(RuntimeError):
    """The store failed while answering a group: no check of it was recorded or answered."""


class CheckGroup:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.waiting: list[tuple[str, str, Institution | None, asyncio.Future[dict[str, Any]]]] = []
        self.inline = services.db.dialect == "sqlite"
        self.flushers = 1 if self.inline else FLUSHERS
        self.running = 0
        self.tasks: set[asyncio.Task[None]] = set()  # held, so that a running flush is never collected

    async def ask(self, number: str, action: str, institution: Institution | None) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.waiting.append((number, action, institution, answer))
        if self.running < self.flushers:
            self.running += 1
            # Soon, not now: the requests that arrived with this one reach here first.
            loop.call_soon(self._start)
        return await answer

    def _start(self) -> None:
        task = asyncio.ensure_future(self._flush())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _flush(self) -> None:
        try:
            while self.waiting:
                group, self.waiting = self.waiting[:MAX_GROUP], self.waiting[MAX_GROUP:]
                group = [entry for entry in group if not entry[3].done()]  # callers gone: nothing to answer
                if not group:
                    continue
                asks = [(number, action, institution) for number, action, institution, _ in group]
                try:
                    if self.inline:
                        results = check_subjects(self.services, asks)
                    else:
                        results = await run_in_threadpool(check_subjects, self.services, asks)
                except Exception as exc:  # noqa: BLE001  # the store failed: every check of the group fails
                    log.error("a group of %d checks failed: %s (none recorded)", len(group), type(exc).__name__)
                    for *_, answer in group:
                        if not answer.done():
                            failure = CheckGroupError(f"the checks could not be recorded ({type(exc).__name__})")
                            answer.set_exception(failure)
                    continue
                for (*_, answer), result in zip(group, results, strict=True):
                    if answer.done():  # the caller went away
                        continue
                    if isinstance(result, Exception):
                        answer.set_exception(result)
                    else:
                        answer.set_result(result)
                if self.inline:
                    await asyncio.sleep(0)  # let the requests that arrived meanwhile join the next group
        except BaseException:
            # Cancelled (shutdown) with callers still waiting: they get an error, not silence.
            for *_, answer in self.waiting:
                if not answer.done():
                    answer.set_exception(CheckGroupError("the server is stopping"))
            self.waiting = []
            raise
        finally:
            self.running -= 1
