"""Subjects: one per number, found by keyed hash; numbers sealed, shown masked."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select

from sincerity.store._sql import among, among_same_width
from sincerity.store.bulk import insert_rows, instant_text
from sincerity.store.tables import name_flags, subjects


@dataclass(frozen=True, slots=True)
class StoredSubject:
    id: int
    kind: str
    name: str
    number_masked: str


@dataclass(frozen=True, slots=True)
class NewSubject:
    id: int
    kind: str
    number_hash: bytes
    number_sealed: bytes
    number_masked: str
    name: str


SUBJECT_COLUMNS = (
    "id",
    "kind",
    "number_hash",
    "number_sealed",
    "number_masked",
    "name",
    "created_at",
)


def find_by_hashes(conn: Connection, hashes: Collection[bytes]) -> dict[bytes, tuple[int, str]]:
    """Existing subjects among `hashes`: hash → (id, registered name)."""
    rows = conn.execute(
        select(subjects.c.number_hash, subjects.c.id, subjects.c.name).where(
            among_same_width(subjects.c.number_hash, hashes, conn.dialect.name)
        )
    )
    return {bytes(h): (i, n) for h, i, n in rows}


def get_by_hash(conn: Connection, number_hash: bytes) -> StoredSubject | None:
    row = conn.execute(select(subjects).where(subjects.c.number_hash == number_hash)).first()
    if row is None:
        return None
    return StoredSubject(row.id, row.kind, row.name, row.number_masked)


def insert_many(conn: Connection, new: Sequence[NewSubject], *, now: datetime) -> None:
    at = instant_text(now, conn.dialect.name)
    insert_rows(
        conn,
        subjects,
        SUBJECT_COLUMNS,
        [
            (
                s.id,
                s.kind,
                s.number_hash,
                s.number_sealed,
                s.number_masked,
                s.name,
                at,
            )
            for s in new
        ],
    )


def open_flags(conn: Connection, pairs: Collection[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (subject id, submitted name) pairs already have an open name flag."""
    if not pairs:
        return set()
    # By subject id alone (its index, one array parameter on PostgreSQL), then the names here:
    # a row-value IN of thousands of pairs took seconds to convert and plan.
    wanted = set(pairs)
    rows = conn.execute(
        select(name_flags.c.subject_id, name_flags.c.submitted_name).where(
            and_(
                name_flags.c.status == "open",
                among(name_flags.c.subject_id, {subject_id for subject_id, _ in wanted}, conn.dialect.name),
            )
        )
    )
    return {(r[0], r[1]) for r in rows if (r[0], r[1]) in wanted}


def add_flags(conn: Connection, flags: Sequence[dict[str, Any]], *, now: datetime) -> None:
    if flags:
        conn.execute(insert(name_flags), [{**f, "flagged_at": now} for f in flags])


def list_flags(conn: Connection, *, status: str = "open") -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            name_flags.c.id,
            name_flags.c.subject_id,
            subjects.c.number_masked,
            name_flags.c.provider_code,
            name_flags.c.ref,
            name_flags.c.registered_name,
            name_flags.c.submitted_name,
            name_flags.c.flagged_at,
        )
        .join(subjects, subjects.c.id == name_flags.c.subject_id)
        .where(name_flags.c.status == status)
        .order_by(name_flags.c.id)
    )
    return [dict(r._mapping) for r in rows]


def sealed_number(conn: Connection, subject_id: int) -> bytes:
    """The subject's number as sealed at rest (opened only by the vault, for a duty that needs it)."""
    return bytes(conn.execute(select(subjects.c.number_sealed).where(subjects.c.id == subject_id)).scalar_one())


def registered_name(conn: Connection, subject_id: int) -> str:
    return str(conn.execute(select(subjects.c.name).where(subjects.c.id == subject_id)).scalar_one())
