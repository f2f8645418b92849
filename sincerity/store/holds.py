"""Holds on records: the one filter every read path applies besides the display window.

A hold with scope `use` keeps a record out of checks, lists and tiers while it is still shown
(a dispute that suspends it); scope `all` keeps it out of everything (repaired, revoked,
removed, display suspended). Holds are dated, so the clock decides, not a sweeper: every query
that shows or uses records asks "is any hold in effect on the day asked?".

The condition comes in two spellings, one for driver-level SQL (the check's hot path) and one
for SQLAlchemy Core; both say the same thing, and the time-travel tests (tests/timetravel.py),
which ask every read path about the same record on the same day, keep them in step.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, insert, or_, select, update

from sincerity.store._sql import among
from sincerity.store.tables import record_holds


class HoldKind(StrEnum):
    DISPUTE = "dispute"
    REDRESS = "redress"
    REPAIR = "repair"
    REMOVAL = "removal"
    REVOCATION = "revocation"


class Scope(StrEnum):
    USE = "use"  # not used (checks, lists, tiers); still shown, marked disputed
    ALL = "all"  # neither shown nor used


def held_sql(record: str, today: str, *, shown_only: bool = False) -> str:
    """SQL: a hold on `record` (a column) is in effect on `today` (a parameter or placeholder).

    `shown_only`: only holds that stop display count (the question a display path asks)."""
    scope = " AND h.scope = 'all'" if shown_only else ""
    return (
        f"EXISTS (SELECT 1 FROM record_holds h WHERE h.record_id = {record} AND h.starts_on <= {today} "  # noqa: S608  # columns and placeholders of ours
        f"AND (h.ends_on IS NULL OR h.ends_on > {today}){scope})"
    )


def held(record: ColumnElement[Any], today: date, *, shown_only: bool = False) -> ColumnElement[bool]:
    """Core: the same condition as `held_sql`."""
    h = record_holds.alias("h")
    conditions = [
        h.c.record_id == record,
        h.c.starts_on <= today,
        or_(h.c.ends_on.is_(None), h.c.ends_on > today),
    ]
    if shown_only:
        conditions.append(h.c.scope == Scope.ALL.value)
    return exists().where(and_(*conditions))


@dataclass(frozen=True, slots=True)
class Hold:
    id: int
    record_id: int
    kind: HoldKind
    scope: Scope
    starts_on: date
    ends_on: date | None
    source_id: int

    def in_effect(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


def add(
    conn: Connection,
    *,
    record_id: int,
    subject_id: int,
    kind: HoldKind,
    scope: Scope,
    starts_on: date,
    source_id: int,
    at: datetime,
    ends_on: date | None = None,
) -> int:
    row = conn.execute(
        insert(record_holds)
        .values(
            record_id=record_id,
            subject_id=subject_id,
            kind=kind.value,
            scope=scope.value,
            starts_on=starts_on,
            ends_on=ends_on,
            source_id=source_id,
            at=at,
        )
        .returning(record_holds.c.id)
    )
    return int(row.scalar_one())


def end(conn: Connection, *, kind: HoldKind, source_id: int, on: date) -> None:
    """End the open holds of one dispute, redress or repair on `on` (a hold that had not yet
    begun by then never takes effect)."""
    conn.execute(
        update(record_holds)
        .where(
            record_holds.c.kind == kind.value,
            record_holds.c.source_id == source_id,
            or_(record_holds.c.ends_on.is_(None), record_holds.c.ends_on > on),
        )
        .values(ends_on=on)
    )


def of_records(conn: Connection, record_ids: Collection[int]) -> list[Hold]:
    if not record_ids:
        return []
    rows = conn.execute(
        select(record_holds)
        .where(among(record_holds.c.record_id, record_ids, conn.dialect.name))
        .order_by(record_holds.c.id)
    )
    return [
        Hold(r.id, r.record_id, HoldKind(r.kind), Scope(r.scope), r.starts_on, r.ends_on, r.source_id) for r in rows
    ]
