"""Validating submitted rows, in this process or in a second one for large files.

Validation is pure Python work (`domain.records.RowValidator`); the writer's work is mostly
the store's. For a large file a second process reads and validates while the first writes,
so ingestion uses both cores. The plan travels as plain values; validated drafts come back
as plain tuples, which cost about a microsecond a row to hand over.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import queue
from collections.abc import Generator, Iterable, Iterator
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


def validate_chunks(
    rows: Iterable[RawRecord | Rejection], validator: RowValidator, chunk_size: int
) -> Iterator[Validated]:
    """Validate rows in chunks (pure: no database).

    One row per ref in a submission: a ref seen again is rejected, so the same input gives the
    same state however often it is submitted (two rows for one ref would otherwise flip the
    record between them on every run). The refs seen are kept for the whole submission
    (about 100 bytes each: 100 MB for a million rows).
    """
    validate = validator.validate
    drafts: list[RecordDraft] = []
    rejections: list[Rejection] = []
    seen: set[str] = set()
    size = 0
    for row in rows:
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
    if size:
        yield Validated(drafts, rejections, size)


def _worker(path: str, fmt: str, plan: ValidationPlan, out: multiprocessing.Queue[Any]) -> None:
    """Second process: read and validate the file, send chunks as plain tuples."""
    try:
        tune_for_bulk()
        validator = plan.validator()
        for chunk in validate_chunks(files.read_records(Path(path), fmt), validator, plan.chunk_size):
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


def validate_in_process(path: Path, fmt: str, plan: ValidationPlan) -> Generator[Validated, None, None]:
    """Validated chunks of `path`, read and validated by a second process."""
    context = multiprocessing.get_context("spawn")  # no fork: the parent holds database connections
    out: multiprocessing.Queue[Any] = context.Queue(maxsize=4)
    worker = context.Process(target=_worker, args=(str(path), fmt, plan, out), name="sincerity-validate", daemon=True)
    worker.start()
    try:
        while True:
            try:
                message = out.get(timeout=1.0)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError(
                        f"the validation process ended unexpectedly (exit code {worker.exitcode})"
                    ) from None
                continue
            if message == _DONE:
                return
            if message[0] == _FAILED:
                _, kind, text = message
                if kind == "UnusableFileError":
                    raise files.UnusableFileError(text)
                raise RuntimeError(text)
            drafts, rejections, size = message
            yield Validated(
                [RecordDraft._make(d) for d in drafts],
                [Rejection(line, ref, reason) for line, ref, reason in rejections],
                size,
            )
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        out.close()
        out.join_thread()
