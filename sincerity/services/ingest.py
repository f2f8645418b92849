"""§III(2), §IV(2): ingestion — one path for the API, bulk files and the demo generator.

Rows are validated in memory (`domain.records.RowValidator`), then written chunk by chunk,
each chunk in one transaction: subjects found or created by keyed hash, records inserted,
corrected (new version, old one closed) or left unchanged, and one event per change. A crash
leaves whole chunks only; re-running the same input converges on the state a clean run gives,
because records are idempotent per (provider, ref) and content.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import chain, islice
from pathlib import Path

from sqlalchemy import Connection, text

from sincerity.domain.catalogue import Catalogue
from sincerity.domain.lists import ListRules
from sincerity.domain.records import RawRecord, RecordDraft, Rejection
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import InvalidInputError, NotFoundError
from sincerity.kit.memory import bulk_allocation, collector_paused
from sincerity.kit.threads import prefetched
from sincerity.services.context import Services
from sincerity.services.validation import (
    Validated,
    ValidationPlan,
    validate_chunks,
    validate_in_process,
    validating_processes,
)
from sincerity.store import batches as batch_store
from sincerity.store import catalogue as catalogue_store
from sincerity.store import events as event_store
from sincerity.store import files
from sincerity.store import institutions as institution_store
from sincerity.store import lists as list_store
from sincerity.store import records as record_store
from sincerity.store import subjects as subject_store
from sincerity.store.bulk import DuplicateKeyError, instant_text
from sincerity.store.sequences import allocate
from sincerity.store.tables import searched_columns

DEFAULT_CHUNK = 5000
# Chunks written per transaction: a commit costs a WAL flush (SQLite) or a round trip and an
# fsync (PostgreSQL); a crash still leaves whole transactions only.
CHUNKS_PER_COMMIT = 4
# A file this long is validated in other processes; below it, starting them costs more than it saves.
PROCESS_FROM_LINES = 50_000
ANALYZE_FROM_ROWS = 100_000  # rows stored by one submission after which PostgreSQL re-reads statistics
ANALYZE_SOME_ROWS = 1_000  # fewer never make statistics stale enough to matter


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # a new record
    CORRECTED = "corrected"  # a new version of a known ref
    UNCHANGED = "unchanged"  # the same content again
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RowResult:
    line: int | None
    ref: str
    outcome: Outcome
    reason: str | None = None
    record_id: int | None = None
    version: int | None = None


@dataclass
class IngestSummary:
    batch_id: int | None
    accepted: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    name_flags: int = 0
    refused: str | None = None  # all-or-nothing refusal, with why
    rejections: list[Rejection] = field(default_factory=list)
    results: list[RowResult] = field(default_factory=list)

    def merge(self, other: IngestSummary) -> None:
        """Add what one stored chunk did."""
        self.accepted += other.accepted
        self.corrected += other.corrected
        self.unchanged += other.unchanged
        self.name_flags += other.name_flags
        self.results.extend(other.results)

    def counts(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class _Rollback(Exception):
    """Raised inside a transaction to undo it on purpose (dry run, all-or-nothing refusal)."""


def submit_records(
    services: Services,
    rows: Iterable[RawRecord | Rejection],
    *,
    provider: str,
    source: str,
    filename: str | None = None,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    chunk_size: int | None = None,
    keep_results: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Validate and store records from `provider`; rejected rows are reported, never half-written.

    Validation runs one chunk ahead in a helper thread while this thread writes: the store
    does its part (PostgreSQL in its own process, SQLite's B-tree work) without holding the
    GIL, so the two overlap.
    """
    ingestion = _Ingestion(services, provider=provider, chunk_size=chunk_size)
    validator = ingestion.plan.validator(ingestion.catalogue)
    chunks = prefetched(validate_chunks(rows, validator, ingestion.plan.chunk_size))
    return ingestion.store(
        chunks,
        source=source,
        filename=filename,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        keep_results=keep_results,
        on_chunk=on_chunk,
    )


def submit_file(
    services: Services,
    path: Path,
    *,
    fmt: str,
    provider: str,
    dry_run: bool = False,
    all_or_nothing: bool = False,
    chunk_size: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    process_from_lines: int | None = None,
    validators: int | None = None,
    scan: files.FileScan | None = None,
) -> IngestSummary:
    """Ingest a bulk file. The file is checked as a whole first (UTF-8, header); a large file
    is read and validated by other processes (`validators`, by default as many as the cores
    allow) while this one writes, since validation is Python work that a thread cannot run
    beside the writer."""
    scan = scan or files.scan(path, fmt)
    if fmt == "csv" and not scan.quotes_balanced:
        raise files.UnusableFileError(
            f"{path}: a quoted field is never closed (the file has an odd number of '\"'); nothing was read"
        )
    ingestion = _Ingestion(services, provider=provider, chunk_size=chunk_size)
    rows = files.read_records(path, fmt)
    first = next(rows, None)  # header problems surface here, before anything is written
    threshold = PROCESS_FROM_LINES if process_from_lines is None else process_from_lines
    if scan.lines >= threshold:
        rows.close()
        # Received and unpacked in a helper thread, while this one waits for the store.
        chunks: Generator[Validated, None, None] = prefetched(
            validate_in_process(path, fmt, ingestion.plan, scan, validators or validating_processes())
        )
    else:
        validator = ingestion.plan.validator(ingestion.catalogue)
        chunks = prefetched(validate_chunks(_prepend(first, rows), validator, ingestion.plan.chunk_size))
    with bulk_allocation():
        return ingestion.store(
            chunks,
            source="file",
            filename=path.name,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            keep_results=False,
            on_chunk=on_chunk,
        )


def _prepend(
    first: RawRecord | Rejection | None, rows: Iterator[RawRecord | Rejection]
) -> Iterator[RawRecord | Rejection]:
    if first is not None:
        yield first
    yield from rows


def refresh_statistics(services: Services, stored: int, tables: tuple[str, ...]) -> None:
    """Fresh statistics after a large load on PostgreSQL: without them it plans the next
    checks as if the tables were empty (seen: 10× slower checks after loading 10M records; a
    plan that scanned all 100,000 current links for each check after loading them in chunks
    of 10,000). A table is analysed when this submission stored many rows, or a fifth of what
    the table held at its last analysis, or it was never analysed (autovacuum gets there
    too, but minutes later). Payload columns, which no query searches, are left to autovacuum
    (ANALYZE records after a million rows: 0.93 s with them, 0.50 s without)."""
    if services.db.dialect != "postgresql" or stored < ANALYZE_SOME_ROWS:
        return
    with services.db.engine.connect() as conn:
        for table in tables:
            analysed = conn.execute(
                text(
                    "SELECT c.reltuples, COALESCE(s.last_analyze, s.last_autoanalyze) FROM pg_class c "
                    "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = CAST(:table AS regclass)"
                ),
                {"table": table},
            ).one()
            if stored >= ANALYZE_FROM_ROWS or analysed[1] is None or stored >= 0.2 * max(float(analysed[0]), 0.0):
                conn.execute(text(f"ANALYZE {table} ({', '.join(searched_columns(table))})"))
        conn.commit()


def submit_within(
    services: Services, conn: Connection, rows: list[RawRecord], *, provider: str, source: str
) -> list[RowResult]:
    """Validate and store a few records inside the caller's transaction: a due-process step
    that makes a record (a commitment signed at the platform) writes it together with its own
    change, by the same gate and writer as every other record. A bad row raises
    InvalidInputError with its reason and nothing is written."""
    ingestion = _Ingestion(services, provider=provider, chunk_size=None, conn=conn)
    validator = ingestion.plan.validator(ingestion.catalogue)
    drafts: list[RecordDraft] = []
    for row in rows:
        checked = validator.validate(row)
        if isinstance(checked, Rejection):
            raise InvalidInputError(checked.reason)
        drafts.append(checked)
    summary = IngestSummary(
        batch_id=batch_store.start(conn, provider=provider, source=source, filename=None, now=ingestion.now)
    )
    writer = _ChunkWriter(
        services,
        ingestion.catalogue,
        ingestion.rules,
        provider=provider,
        batch_id=summary.batch_id or 0,
        now=ingestion.now,
    )
    writer.write(conn, drafts, summary, keep_results=True)
    batch_store.finish(conn, summary.batch_id or 0, summary.counts(), now=ingestion.now)
    return summary.results


class _Ingestion:
    """One submission: the provider, the catalogue in force, the batch row, the writer."""

    def __init__(
        self, services: Services, *, provider: str, chunk_size: int | None, conn: Connection | None = None
    ) -> None:
        self.services = services
        self.now = services.clock.now()
        with nullcontext(conn) if conn is not None else services.db.transaction(write=False) as reading:
            institution = institution_store.get(reading, provider)
            if institution is None:
                raise NotFoundError(f"no institution {provider!r}: register it with `sincerity institutions add`")
            self.catalogue = services.catalogue(reading)
            self.rules = services.rules(reading)
            document = catalogue_store.stored_document(reading, self.catalogue.version) or {}
        self.provider = provider
        self.plan = ValidationPlan(
            catalogue_document=document,
            granted=frozenset(institution.items),
            provider=provider,
            provider_kind=institution.kind,
            today=legal_today(self.now),
            content_key=services.vault.lookup("sincerity:content-hash"),  # keyed: hashes reveal nothing
            chunk_size=chunk_size or DEFAULT_CHUNK,
        )

    def store(
        self,
        chunks: Generator[Validated, None, None],
        *,
        source: str,
        filename: str | None,
        dry_run: bool,
        all_or_nothing: bool,
        keep_results: bool,
        on_chunk: Callable[[int], None] | None,
    ) -> IngestSummary:
        services = self.services
        summary = IngestSummary(batch_id=None)
        if not dry_run:
            with services.db.transaction() as conn:
                summary.batch_id = batch_store.start(
                    conn, provider=self.provider, source=source, filename=filename, now=self.now
                )
        writer = _ChunkWriter(
            services,
            self.catalogue,
            self.rules,
            provider=self.provider,
            batch_id=summary.batch_id or 0,
            now=self.now,
        )

        def write(conn: Connection, chunk: Validated, stored: IngestSummary) -> None:
            """Rejections count at once; what was stored counts in `stored`, merged on commit."""
            summary.rejected += len(chunk.rejections)
            summary.rejections.extend(chunk.rejections)
            if keep_results:
                summary.results.extend(RowResult(r.line, r.ref, Outcome.REJECTED, r.reason) for r in chunk.rejections)
            writer.write(conn, chunk.drafts, stored, keep_results=keep_results)

        try:
            if all_or_nothing or dry_run:
                stored = IngestSummary(batch_id=None)
                with services.db.transaction() as conn:
                    writer.now = services.clock.now()
                    for chunk in chunks:
                        write(conn, chunk, stored)
                        if on_chunk:
                            on_chunk(chunk.size)
                    if dry_run:
                        summary.merge(stored)  # what would have been stored
                        raise _Rollback
                    if summary.rejected:
                        summary.refused = f"{summary.rejected} row(s) rejected: nothing from this input was stored"
                        raise _Rollback
                summary.merge(stored)
            else:
                # Each chunk is written as soon as it arrives (the validators keep going), and a
                # transaction commits every few chunks; only the wait for its first chunk is
                # outside it.
                for first in chunks:
                    stored = IngestSummary(batch_id=None)
                    rows = 0
                    with services.db.transaction() as conn:
                        writer.now = services.clock.now()  # each transaction records its own time
                        for chunk in chain((first,), islice(chunks, CHUNKS_PER_COMMIT - 1)):
                            write(conn, chunk, stored)
                            rows += chunk.size
                    summary.merge(stored)
                    if on_chunk:
                        on_chunk(rows)
        except _Rollback:
            pass
        finally:
            chunks.close()
            if summary.batch_id is not None:
                with services.db.transaction() as conn:
                    batch_store.finish(conn, summary.batch_id, summary.counts(), now=services.clock.now())
        if not dry_run:
            refresh_statistics(services, summary.accepted + summary.corrected, ("subjects", "records", "list_entries"))
        if summary.refused:
            summary.results = [
                RowResult(r.line, r.ref, Outcome.REJECTED, r.reason or summary.refused) for r in summary.results
            ]
        summary.results.sort(key=lambda r: r.line or 0)
        return summary


# draft[6:12] (item … display_until) goes into a record row as it is, in RECORD_COLUMNS order;
# tests/contracts pins the correspondence.


class _ChunkWriter:
    """Writes the validated drafts of one chunk: subjects, record versions, events."""

    def __init__(
        self,
        services: Services,
        catalogue: Catalogue,
        rules: ListRules | None,
        *,
        provider: str,
        batch_id: int,
        now: datetime,
    ) -> None:
        self.vault = services.vault
        self.catalogue_version = catalogue.version
        self.placements = rules.placements if rules else {}
        self.provider = provider
        self.batch_id = batch_id
        self.now = now
        self._hashes: dict[str, bytes] = {}
        self._optimistic = True  # most chunks carry only new refs

    def _hash(self, number: str) -> bytes:
        found = self._hashes.get(number)
        if found is None:
            if len(self._hashes) > 200_000:
                self._hashes.clear()
            found = self._hashes[number] = self.vault.lookup(number)
        return found

    def write(self, conn: Connection, drafts: list[RecordDraft], summary: IngestSummary, *, keep_results: bool) -> None:
        """Store one chunk. While chunks hold only new refs, insert at once and let the unique
        index of current versions say otherwise (a savepoint undoes the attempt); after a
        conflict, look the refs up first until a chunk again holds only new ones."""
        if not drafts:
            return
        with collector_paused():
            self._write_chunk(conn, drafts, summary, keep_results=keep_results)

    def _write_chunk(
        self, conn: Connection, drafts: list[RecordDraft], summary: IngestSummary, *, keep_results: bool
    ) -> None:
        if self._optimistic:
            delta = IngestSummary(batch_id=None)
            try:
                with conn.begin_nested():
                    self._write(conn, drafts, delta, keep_results=keep_results, current={})
            except DuplicateKeyError:
                pass
            else:
                summary.merge(delta)
                return
        current = record_store.current_by_refs(conn, self.provider, [d.ref for d in drafts])
        self._optimistic = not current
        delta = IngestSummary(batch_id=None)
        self._write(conn, drafts, delta, keep_results=keep_results, current=current)
        summary.merge(delta)

    def _write(
        self,
        conn: Connection,
        drafts: list[RecordDraft],
        summary: IngestSummary,
        *,
        keep_results: bool,
        current: dict[str, record_store.CurrentVersion],
    ) -> None:
        dialect = conn.dialect.name
        subject_events: list[event_store.EventTuple] = []
        subject_ids = self._subjects(conn, drafts, subject_events, summary)
        new_events: list[event_store.EventTuple] = []  # after the created ones, which the store makes
        fresh = [d for d in drafts if d.ref not in current]
        first_fresh = next_id = allocate(conn, "records", len(fresh)) if fresh else 0
        trailer = (self.catalogue_version, instant_text(self.now, dialect), self.batch_id)
        rows: list[tuple[object, ...]] = []
        closed: list[tuple[int, int]] = []
        placed: list[tuple[int, int, int, RecordDraft]] = []  # versions whose item is on a list
        for draft in drafts:
            subject_id = subject_ids[draft.number]
            known = current.get(draft.ref)
            if known is None:
                record_id, version, outcome = next_id, 1, Outcome.ACCEPTED
                next_id += 1
                summary.accepted += 1
            elif known.content_hash == draft.content_hash:
                summary.unchanged += 1
                if keep_results:
                    summary.results.append(
                        RowResult(draft.line, draft.ref, Outcome.UNCHANGED, None, known.id, known.version)
                    )
                continue
            else:
                record_id, version, outcome = known.id, known.version + 1, Outcome.CORRECTED
                closed.append((known.id, known.version))
                summary.corrected += 1
                data: dict[str, object] = {"item": draft.item, "version": version}
                if known.subject_id != subject_id:
                    # The record now names someone else (a wrong number corrected): the subject it
                    # named before must hear of it too, in their own feed.
                    data["previous_subject_id"] = known.subject_id
                    new_events.append(
                        event_store.NewEvent(
                            "records:record:moved_away",
                            known.subject_id,
                            record_id,
                            {"item": draft.item, "version": version},
                        )
                    )
                new_events.append(event_store.NewEvent("records:record:corrected", subject_id, record_id, data))
            # RECORD_COLUMNS: id, version, provider, ref, subject, then the draft's tail from
            # `item` to `display_until`, then catalogue version, recorded_at and batch.
            rows.append((record_id, version, self.provider, draft.ref, subject_id, *draft[6:12], *trailer))
            if draft.item in self.placements:
                placed.append((record_id, version, subject_id, draft))
            if keep_results:
                summary.results.append(RowResult(draft.line, draft.ref, outcome, None, record_id, version))
        record_store.close_versions(conn, closed, now=self.now)
        record_store.insert_many(conn, rows)
        if placed or closed:
            self._list_entries(conn, placed, [record_id for record_id, _ in closed], new_events)
        batch_id = self.batch_id or None
        event_store.append(conn, subject_events, now=self.now, batch_id=batch_id)
        if fresh:
            event_store.append_created(
                conn, first_record=first_fresh, count=len(fresh), now=self.now, batch_id=batch_id
            )
        event_store.append(conn, new_events, now=self.now, batch_id=batch_id)

    def _list_entries(
        self,
        conn: Connection,
        placed: list[tuple[int, int, int, RecordDraft]],
        corrected: list[int],
        new_events: list[event_store.EventTuple],
    ) -> None:
        """Keep list entries in step with the records just written, in the same transaction, so
        that a check made a moment later already sees them (§VI(2))."""
        before = {(e.list_code, e.record_id): e for e in list_store.remove_for_records(conn, corrected)}
        entry_rows = []
        after: set[tuple[str, int]] = set()
        for record_id, version, subject_id, draft in placed:
            for placement in self.placements[draft.item]:
                key = (placement.list_code, record_id)
                after.add(key)
                entry_rows.append(
                    (
                        placement.list_code,
                        record_id,
                        version,
                        subject_id,
                        draft.item,
                        placement.rule_id,
                        placement.rule_version,
                        draft.decided_on,
                        draft.display_until,
                    )
                )
                data = {"list": placement.list_code, "rule": placement.rule_id, "rule_version": placement.rule_version}
                old = before.get(key)
                if old is not None and old.subject_id == subject_id:
                    new_events.append(("lists:entry:changed", subject_id, record_id, {**data, "version": version}))
                else:
                    if old is not None:
                        new_events.append(
                            ("lists:entry:removed", old.subject_id, record_id, {**data, "version": version})
                        )
                    new_events.append(("lists:entry:added", subject_id, record_id, {**data, "version": version}))
        for key, old in before.items():
            if key not in after:
                data = {"list": old.list_code, "rule": old.rule_id, "rule_version": old.rule_version}
                new_events.append(("lists:entry:removed", old.subject_id, old.record_id, data))
        list_store.insert_many(conn, entry_rows)

    def _subjects(
        self,
        conn: Connection,
        drafts: list[RecordDraft],
        new_events: list[event_store.EventTuple],
        summary: IngestSummary,
    ) -> dict[str, int]:
        """Subject id per number: existing ones found by keyed hash, the rest created.

        A name that disagrees with the registered one is flagged for review; the record still
        attaches to the subject its number identifies, and the registered name is kept.
        """
        by_number: dict[str, RecordDraft] = {}
        for draft in drafts:
            by_number.setdefault(draft.number, draft)
        hashes = {number: self._hash(number) for number in by_number}
        existing = subject_store.find_by_hashes(conn, hashes.values())
        ids: dict[str, int] = {}
        registered: dict[int, str] = {}
        missing = [n for n in by_number if hashes[n] not in existing]
        next_id = allocate(conn, "subjects", len(missing)) if missing else 0
        created: list[subject_store.NewSubject] = []
        for number in missing:
            draft = by_number[number]
            created.append(
                subject_store.NewSubject(
                    id=next_id,
                    kind=draft.kind,
                    number_hash=hashes[number],
                    number_sealed=self.vault.seal(number),
                    number_masked=draft.masked,
                    name=draft.subject_name,
                )
            )
            new_events.append(
                event_store.NewEvent("subjects:subject:registered", next_id, next_id, {"kind": draft.kind})
            )
            ids[number] = next_id
            registered[next_id] = draft.subject_name
            next_id += 1
        for number, h in hashes.items():
            if number not in ids:
                subject_id, name = existing[h]
                ids[number] = subject_id
                registered[subject_id] = name
        subject_store.insert_many(conn, created, now=self.now)
        mismatches: dict[tuple[int, str], RecordDraft] = {}
        for draft in drafts:
            subject_id = ids[draft.number]
            if draft.subject_name != registered[subject_id]:
                mismatches.setdefault((subject_id, draft.subject_name), draft)
        if mismatches:
            already = subject_store.open_flags(conn, mismatches.keys())
            flags = []
            for (subject_id, name), draft in mismatches.items():
                if (subject_id, name) in already:
                    continue
                flags.append(
                    {
                        "subject_id": subject_id,
                        "provider_code": self.provider,
                        "ref": draft.ref,
                        "registered_name": registered[subject_id],
                        "submitted_name": name,
                    }
                )
                new_events.append(
                    event_store.NewEvent("subjects:name:flagged", subject_id, subject_id, {"provider": self.provider})
                )
            subject_store.add_flags(conn, flags, now=self.now)
            summary.name_flags += len(flags)
        return ids
