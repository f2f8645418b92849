"""Validating submitted rows, in this process or, for large files, in other processes.

Validation is pure Python work (`domain.records.RowValidator`); the writer's work is mostly
the store's. For a large file, validating processes read and validate while the first one
writes, so ingestion uses every core. The plan travels as plain values; validated drafts come
back as plain lists, one per field, which cost about a microsecond a row to hand over.

Validation costs more per row than writing, so one validating process kept the writer idle
half the time (measured: the writer waited 9.5 s of an 18 s import). Several processes share
the file: the scan marks where it may be cut, the file is cut into segments of about a chunk
each, and the processes take the segments round-robin, each reading only its own. The writer
takes the chunks back in file order and applies the one-row-per-ref rule across segments, so
the outcome, line numbers included, is a single reader's (`one_row_per_ref`).

A CSV may hold a '"' unquoted inside a field, and then a mark can fall inside a quoted field.
The reader of the segment before it finds out (its part ends inside a quoted field), and then
reads on to the end of the file alone: the writer, which only uses a segment after the one
before it ended between records, takes the rest from that reader.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import queue
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from sincerity.domain.catalogue import STORED, Catalogue
from sincerity.domain.records import RawRecord, RecordDraft, Rejection, RowValidator
from sincerity.kit.errors import SincerityError
from sincerity.kit.memory import tune_for_bulk
from sincerity.store import files

_DONE = "done"
_FAILED = "failed"
_ALONE = "alone"  # the segment did not end between records: its reader reads on to the end


class Validated(NamedTuple):
    """One chunk after validation: what can be stored, what was rejected, how many rows it had.

    `other_refs` lists (line, ref, ref as written) for the rows first seen in this reading whose
    ref the drafts do not show as written: rows the gate rejected, and refs with spaces around
    them. With the drafts' refs they are every ref this chunk brought into the submission."""

    drafts: list[RecordDraft]
    rejections: list[Rejection]
    size: int
    other_refs: list[tuple[int | None, str, str]]


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
        return RowValidator(
            catalogue or Catalogue.model_validate(self.catalogue_document, context=STORED),
            granted_items=self.granted,
            provider=self.provider,
            provider_kind=self.provider_kind,
            today=self.today,
            content_hasher=content_hasher(self.content_key),
        )


def content_hasher(key: bytes) -> Callable[[bytes], bytes]:
    """Keyed BLAKE2b (16 bytes) of a record's content: the digests stored with every record
    version, compared on every later submission, so they never change. The key block is
    hashed once and its state copied for each row (0.75 against 1.0–1.6 µs a row)."""
    keyed = hashlib.blake2b(digest_size=16, key=key)

    def digest(data: bytes) -> bytes:
        state = keyed.copy()
        state.update(data)
        return state.digest()

    return digest


def validating_processes(cpus: int | None = None) -> int:
    """How many processes validate a large file: the writer keeps one core busy, and validation
    needs about as much again; on two cores two validators let the scheduler fill the writer's
    waits (one alone left it idle half the time). At most four, since each reads the whole file."""
    cpus = cpus or os.cpu_count() or 1
    return 1 if cpus < 2 else min(4, max(2, cpus - 1))


def validate_chunks(
    rows: Iterable[RawRecord | Rejection], validator: RowValidator, chunk_size: int
) -> Iterator[Validated]:
    """Validate rows in chunks (pure: no database).

    One row per ref in a submission: a ref seen again is rejected, so the same input gives the
    same state however often it is submitted (two rows for one ref would otherwise flip the
    record between them on every run). The refs seen are kept for the whole reading (about 100
    bytes each: 100 MB for a million rows); a row the reader could not read has no ref to keep.
    """
    validate = validator.validate
    drafts: list[RecordDraft] = []
    rejections: list[Rejection] = []
    other_refs: list[tuple[int | None, str, str]] = []
    seen: set[str] = set()
    size = 0
    for row in rows:
        checked: RecordDraft | Rejection
        if isinstance(row, RawRecord):
            ref = row.ref.strip()
            if ref in seen:
                checked = repeated(row.line, row.ref, ref)
            else:
                seen.add(ref)
                checked = validate(row)
                if ref != row.ref or isinstance(checked, Rejection):
                    other_refs.append((row.line, ref, row.ref))
        else:
            checked = row
        if isinstance(checked, Rejection):
            rejections.append(checked)
        else:
            drafts.append(checked)
        size += 1
        if size >= chunk_size:
            yield Validated(drafts, rejections, size, other_refs)
            drafts, rejections, other_refs, size = [], [], [], 0
    if size:
        yield Validated(drafts, rejections, size, other_refs)


def repeated(line: int | None, written: str, ref: str) -> Rejection:
    return Rejection(line, written, f"ref {ref!r} appears earlier in this submission: one row per ref")


def one_row_per_ref(chunks: Iterable[Validated]) -> Iterator[Validated]:
    """Chunks read by several readers, each knowing only the refs of what it read, made what
    one reader makes: a row whose ref an earlier chunk brought is rejected as a repeat, whatever
    its reader found (a single reader would have said so before validating it)."""
    seen: set[str] = set()
    for chunk in chunks:
        refs = [draft.ref for draft in chunk.drafts]
        refs.extend(ref for _, ref, _ in chunk.other_refs)
        if seen.isdisjoint(refs):
            seen.update(refs)
            yield chunk
            continue
        earlier = {ref for ref in refs if ref in seen}
        written = {line: raw for line, _, raw in chunk.other_refs}
        repeats = {line: repeated(line, raw, ref) for line, ref, raw in chunk.other_refs if ref in earlier}
        drafts: list[RecordDraft] = []
        for draft in chunk.drafts:
            if draft.ref in earlier:
                repeats[draft.line] = repeated(draft.line, written.get(draft.line, draft.ref), draft.ref)
            else:
                drafts.append(draft)
        rejections = [r for r in chunk.rejections if r.line not in repeats] + list(repeats.values())
        rejections.sort(key=lambda r: r.line or 0)
        seen.update(refs)
        yield Validated(drafts, rejections, chunk.size, chunk.other_refs)


def segments(scan: files.FileScan, rows_each: int) -> list[files.Window]:
    """Windows of about `rows_each` rows, cut at the scan's marks."""
    span = max(1, scan.size * rows_each // max(scan.lines, 1))
    cuts = [(0, 1)]
    for offset, line in scan.marks:
        if offset - cuts[-1][0] >= span:
            cuts.append((offset, line))
    ends: list[int | None] = [offset for offset, _ in cuts[1:]]
    ends.append(None)
    return [files.Window(start, end, line) for (start, line), end in zip(cuts, ends, strict=True)]


def _message(chunk: Validated) -> tuple[Any, ...]:
    """A chunk as plain values: the drafts as one list per field, which costs half what a
    tuple per draft costs to pickle (measured: 1.1 against 1.9 µs a row)."""
    return (
        [list(column) for column in zip(*chunk.drafts, strict=True)],
        [(r.line, r.ref, r.reason) for r in chunk.rejections],
        chunk.size,
        chunk.other_refs,
    )


def _worker(
    path: str, fmt: str, plan: ValidationPlan, windows: list[files.Window], out: multiprocessing.Queue[Any]
) -> None:
    """A validating process: read and validate its segments, one chunk each, and send them as
    plain tuples. A failure is sent in place of the segment it stopped, so that the writer,
    taking segments in file order, meets it where a single reader would have."""
    try:
        tune_for_bulk()
        _yield_to_the_writer()
        validator = plan.validator()
        for window in windows:
            rows = files.read_records(Path(path), fmt, window)
            try:
                segment = next(validate_chunks(rows, validator, chunk_size=1 << 62), Validated([], [], 0, []))
            except files.NotARecordBoundary:
                out.put(_ALONE)  # the segment ran into the next one: read on to the end alone
                rest = files.read_records(Path(path), fmt, files.Window(window.start, None, window.line))
                for chunk in validate_chunks(rest, validator, plan.chunk_size):
                    out.put(_message(chunk))
                break
            out.put(_message(segment))
        out.put(_DONE)
    except SincerityError as exc:
        out.put((_FAILED, type(exc).__name__, exc.message))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        out.put((_FAILED, "RuntimeError", f"validation process failed: {type(exc).__name__}: {exc}"))


# The writer and the store's server process are the import's critical path, and they take turns:
# while the validating processes took an equal share of two cores, the store's statements took
# longer and the validators ran ahead until their queues were full, leaving the writer to finish
# 2–4 s alone. At a lower priority they use what the writer leaves (measured, 300k rows into
# PostgreSQL, five pairs: 18.4–20.3 s → 16.6–19.0 s, every pair faster). It also keeps a bulk
# import from slowing the interactive answers of a server on the same machine.
VALIDATOR_NICENESS = 10


def _yield_to_the_writer() -> None:
    if hasattr(os, "nice"):
        os.nice(VALIDATOR_NICENESS)


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
    path: Path, fmt: str, plan: ValidationPlan, scan: files.FileScan, processes: int = 1
) -> Generator[Validated, None, None]:
    """Validated chunks of `path` in file order, validated by `processes` other processes."""
    windows = segments(scan, plan.chunk_size)
    processes = max(1, min(processes, len(windows)))
    context = multiprocessing.get_context("spawn")  # no fork: the parent holds database connections
    outs: list[multiprocessing.Queue[Any]] = []
    workers = []
    with _main_module_not_imported():
        for share in range(processes):
            out: multiprocessing.Queue[Any] = context.Queue(maxsize=4)
            worker = context.Process(
                target=_worker,
                args=(str(path), fmt, plan, windows[share::processes], out),
                name=f"sincerity-validate-{share}",
                daemon=True,
            )
            worker.start()
            outs.append(out)
            workers.append(worker)

    def receive(share: int) -> Any:
        while True:
            try:
                message = outs[share].get(timeout=1.0)
            except queue.Empty:
                if not workers[share].is_alive():
                    raise RuntimeError(
                        f"the validation process ended unexpectedly (exit code {workers[share].exitcode})"
                    ) from None
                continue
            if message[0] == _FAILED:
                _, kind, text = message
                if kind == "UnusableFileError":
                    raise files.UnusableFileError(text)
                raise RuntimeError(text)
            return message

    def chunk(message: Any) -> Validated:
        drafts, rejections, size, other_refs = message
        return Validated(
            list(map(RecordDraft._make, zip(*drafts, strict=True))),
            [Rejection(line, ref, reason) for line, ref, reason in rejections],
            size,
            other_refs,
        )

    def in_file_order() -> Iterator[Validated]:
        for index in range(len(windows)):
            share = index % processes
            message = receive(share)
            if message == _ALONE:  # this reader reads the rest of the file
                while (message := receive(share)) != _DONE:
                    yield chunk(message)
                return
            yield chunk(message)

    try:
        yield from one_row_per_ref(in_file_order())
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        for worker, out in zip(workers, outs, strict=True):
            worker.join()
            out.close()
            out.join_thread()
