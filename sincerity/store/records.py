"""Record versions: current lookup by provider reference, bulk insert, closing old versions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, or_, select, update

from sincerity.store._sql import among
from sincerity.store.bulk import insert_rows
from sincerity.store.holds import held
from sincerity.store.tables import records

# The order lets ingestion build a row from a validated draft's tail in one step.
RECORD_COLUMNS = (
    "id",
    "version",
    "provider_code",
    "ref",
    "subject_id",
    "item_code",
    "decided_on",
    "decision_no",
    "facts",
    "content_hash",
    "display_until",
    "catalogue_version",
    "recorded_at",
    "batch_id",
)


@dataclass(frozen=True, slots=True)
class CurrentVersion:
    id: int
    version: int
    content_hash: bytes
    subject_id: int


@dataclass(frozen=True, slots=True)
class RecordRow:
    id: int
    version: int
    provider_code: str
    ref: str
    subject_id: int
    item_code: str
    catalogue_version: str
    decided_on: date
    decision_no: str
    facts: dict[str, Any]
    display_until: date | None
    recorded_at: datetime
    superseded_at: datetime | None


def current_by_refs(conn: Connection, provider: str, refs: Collection[str]) -> dict[str, CurrentVersion]:
    """The version in force for each of `refs` already submitted by `provider`."""
    rows = conn.execute(
        select(records.c.ref, records.c.id, records.c.version, records.c.content_hash, records.c.subject_id).where(
            records.c.provider_code == provider,
            records.c.superseded_at.is_(None),
            among(records.c.ref, refs, conn.dialect.name),
        )
    )
    return {r[0]: CurrentVersion(r[1], r[2], bytes(r[3]), r[4]) for r in rows}


def insert_many(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Rows in `RECORD_COLUMNS` order, values in wire form."""
    insert_rows(conn, records, RECORD_COLUMNS, rows)


def close_versions(conn: Connection, versions: Sequence[tuple[int, int]], *, now: datetime) -> None:
    """Mark versions as superseded; a version is never updated otherwise."""
    if not versions:
        return
    conn.execute(
        update(records)
        .where(and_(records.c.id == bindparam("rid"), records.c.version == bindparam("rversion")))
        .values(superseded_at=now),
        [{"rid": i, "rversion": v} for i, v in versions],
    )


def versions_of(conn: Connection, provider: str, ref: str) -> list[RecordRow]:
    rows = conn.execute(
        select(records).where(records.c.provider_code == provider, records.c.ref == ref).order_by(records.c.version)
    )
    return [_row(r) for r in rows]


def _row(r: Any) -> RecordRow:
    return RecordRow(
        id=r.id,
        version=r.version,
        provider_code=r.provider_code,
        ref=r.ref,
        subject_id=r.subject_id,
        item_code=r.item_code,
        catalogue_version=r.catalogue_version,
        decided_on=r.decided_on,
        decision_no=r.decision_no,
        facts=r.facts,
        display_until=r.display_until,
        recorded_at=r.recorded_at,
        superseded_at=r.superseded_at,
    )


def current(conn: Connection, record_id: int) -> RecordRow | None:
    """The version of record `record_id` in force (None: no such record, or it was closed)."""
    row = conn.execute(select(records).where(records.c.id == record_id, records.c.superseded_at.is_(None))).first()
    return _row(row) if row is not None else None


def newest(conn: Connection, record_id: int) -> RecordRow | None:
    """The newest version of record `record_id`, closed or not."""
    row = conn.execute(
        select(records).where(records.c.id == record_id).order_by(records.c.version.desc()).limit(1)
    ).first()
    return _row(row) if row is not None else None


def shown_of_subject(
    conn: Connection, subject_id: int, today: date, items: Collection[str] | None = None
) -> list[RecordRow]:
    """The current records of one subject shown on `today` (display window and holds that stop
    display both applied), oldest decision first."""
    query = select(records).where(
        records.c.subject_id == subject_id,
        records.c.superseded_at.is_(None),
        records.c.decided_on <= today,
        or_(records.c.display_until.is_(None), records.c.display_until > today),
        ~held(records.c.id, today, shown_only=True),
    )
    if items is not None:
        query = query.where(among(records.c.item_code, list(items), conn.dialect.name))
    return [_row(r) for r in conn.execute(query.order_by(records.c.decided_on, records.c.id))]
