"""Validating submitted rows, in this process or, for large files, in other processes.

Validation is pure Python work (`domain.records.RowValidator`); the writer's work is mostly
the store's. For a large file, validating processes read and validate while the first one
writes, so ingestion uses every core. The plan travels as plain values; validated drafts come
back as plain tuples, which cost about a microsecond a row to hand over.

Validation costs more per row than writing, so one validating process kept the writer idle
half the time (measured: the writer waited 9.5 s of an 18 s import). Several processes share
the chunks round-robin: each reads the whole file (reading is about a fifth of a row's
validation work) and validates only its own chunks, so chunk boundaries, line numbers and the
one-row-per-ref rule are exactly those of a single reader, and the writer takes the chunks
back in file order.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue
import sys
import threading
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from sincerity.domain.catalogue import Catalogue
from sincerity.domain.records import RawRecord, RecordDraft, Rejection, RowValidator
from sincerity.kit.errors import SincerityError
from sincerity.kit.memory import tune_for_bulk
from sincerity.store import files

_DONE = "done"
_FAILED = "failed"


class Validated(NamedTuple):
    """One chunk after validation: what can be stored, what was rejected, how many rows it had."""

    drafts: list[RecordDraft]
    rejections: list[Rejection]
    size: int


@dataclass(frozen=True)
class ValidationPlan:
    """Everything a validator needs, in plain values (it may run in another process)."""

    catalogue_document: dict[str, Any]
    granted: frozenset[str]
    provider: str
    provider_kind: str
    today: date
    content_key: bytes
    chunk_size: int

    def validator(self, catalogue: Catalogue | None = None) -> RowValidator:
        key = self.content_key
        return RowValidator(
            catalogue or Catalogue.model_validate(self.catalogue_document),
            granted_items=self.granted,
            provider=self.provider,
            provider_kind=self.provider_kind,
            today=self.today,
            content_hasher=lambda data: hashlib.blake2b(data, digest_size=16, key=key).digest(),
        )


def validating_processes(cpus: int | None = None) -> int:
    """How many processes validate a large file: the writer keeps one core busy, and validation
    needs about as much again; on two cores two validators let the scheduler fill the writer's
    waits (one alone left it idle half the time). At most four, since each reads the whole file."""
    cpus = cpus or os.cpu_count() or 1
    return 1 if cpus < 2 else min(4, max(2, cpus - 1))


def validate_chunks(
    rows: Iterable[RawRecord | Rejection],
    validator: RowValidator,
    chunk_size: int,
    *,
    share: int = 0,
    shares: int = 1,
) -> Iterator[Validated]:
    """Validate rows in chunks (pure: no database); with `shares` > 1, only the chunks whose
    index is `share` modulo `shares` (the others are read and counted, not validated).

    One row per ref in a submission: a ref seen again is rejected, so the same input gives the
    same state however often it is submitted (two rows for one ref would otherwise flip the
    record between them on every run). The refs seen are kept for the whole submission
    (about 100 bytes each: 100 MB for a million rows), the refs of other shares' chunks too.
    """
    validate = validator.validate
    drafts: list[RecordDraft] = []
    rejections: list[Rejection] = []
    seen: set[str] = set()
    size = index = 0
    mine = share == 0
    for row in rows:
        if not mine:  # another process validates this chunk: only remember its refs
            if isinstance(row, RawRecord):
                seen.add(row.ref.strip())
            size += 1
            if size >= chunk_size:
                index += 1
                size = 0
                mine = index % shares == share
            continue
        checked: RecordDraft | Rejection
        if isinstance(row, RawRecord):
            ref = row.ref.strip()
            if ref in seen:
                checked = Rejection(
                    row.line, row.ref, f"ref {ref!r} appears earlier in this submission: one row per ref"
                )
            else:
                seen.add(ref)
                checked = validate(row)
        else:
            checked = row
        if isinstance(checked, Rejection):
            rejections.append(checked)
        else:
            drafts.append(checked)
        size += 1
        if size >= chunk_size:
            yield Validated(drafts, rejections, size)
            drafts, rejections, size = [], [], 0
            index += 1
            mine = index % shares == share
    if size and mine:
        yield Validated(drafts, rejections, size)


def _worker(
    path: str, fmt: str, plan: ValidationPlan, share: int, shares: int, out: multiprocessing.Queue[Any]
) -> None:
    """A validating process: read the file, validate its share of the chunks, send them as
    plain tuples. A failure is sent in place of the chunk it stopped, so that the writer,
    taking chunks in file order, meets it where a single reader would have."""
    try:
        tune_for_bulk()
        validator = plan.validator()
        rows = files.read_records(Path(path), fmt)
        for chunk in validate_chunks(rows, validator, plan.chunk_size, share=share, shares=shares):
            out.put(
                (
                    [tuple(d) for d in chunk.drafts],
                    [(r.line, r.ref, r.reason) for r in chunk.rejections],
                    chunk.size,
                )
            )
        out.put(_DONE)
    except SincerityError as exc:
        out.put((_FAILED, type(exc).__name__, exc.message))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        out.put((_FAILED, "RuntimeError", f"validation process failed: {type(exc).__name__}: {exc}"))


_MAIN_LOCK = threading.Lock()


@contextmanager
def _main_module_not_imported() -> Iterator[None]:
    """A spawned process first imports the parent's main module, in case what it is given was
    defined there (`multiprocessing.spawn.get_preparation_data`). For `sincerity import` that
    is the whole command-line application, web app included: about a second of imports in each
    validating process, which needs none of it (everything it is given is defined in this
    package). While the processes start, the main module does not say where it came from."""
    main = sys.modules["__main__"]
    with _MAIN_LOCK:
        saved: dict[str, Any] = {
            name: main.__dict__[name] for name in ("__spec__", "__file__") if name in main.__dict__
        }
        main.__spec__ = None
        main.__dict__.pop("__file__", None)
        try:
            yield
        finally:
            main.__dict__.update(saved)
            if "__spec__" not in saved:
                del main.__spec__


def validate_in_process(
    path: Path, fmt: str, plan: ValidationPlan, processes: int = 1
) -> Generator[Validated, None, None]:
    """Validated chunks of `path` in file order, validated by `processes` other processes."""
    context = multiprocessing.get_context("spawn")  # no fork: the parent holds database connections
    outs: list[multiprocessing.Queue[Any]] = []
    workers = []
    with _main_module_not_imported():
        for share in range(processes):
            out: multiprocessing.Queue[Any] = context.Queue(maxsize=4)
            worker = context.Process(
                target=_worker,
                args=(str(path), fmt, plan, share, processes, out),
                name=f"sincerity-validate-{share}",
                daemon=True,
            )
            worker.start()
            outs.append(out)
            workers.append(worker)
    try:
        index = 0
        while True:
            out, worker = outs[index % processes], workers[index % processes]
            try:
                message = out.get(timeout=1.0)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError(
                        f"the validation process ended unexpectedly (exit code {worker.exitcode})"
                    ) from None
                continue
            if message == _DONE:  # the owner of the next chunk has none: the file is done
                return
            if message[0] == _FAILED:
                _, kind, text = message
                if kind == "UnusableFileError":
                    raise files.UnusableFileError(text)
                raise RuntimeError(text)
            drafts, rejections, size = message
            index += 1
            yield Validated(
                [RecordDraft._make(d) for d in drafts],
                [Rejection(line, ref, reason) for line, ref, reason in rejections],
                size,
            )
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker, out in zip(workers, outs, strict=True):
            worker.join()
            out.close()
            out.join_thread()
