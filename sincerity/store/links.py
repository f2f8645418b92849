"""Organisation–person links, versioned per (provider, ref) like records."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update

from sincerity.store._sql import among
from sincerity.store.bulk import insert_rows
from sincerity.store.tables import links

LINK_COLUMNS = (
    "id",
    "version",
    "provider_code",
    "ref",
    "organisation_id",
    "person_id",
    "role",
    "valid_from",
    "valid_until",
    "recorded_at",
)


@dataclass(frozen=True, slots=True)
class CurrentLink:
    id: int
    version: int
    organisation_id: int
    person_id: int
    role: str
    valid_from: date
    valid_until: date | None


def current_by_refs(conn: Connection, provider: str, refs: Collection[str]) -> dict[str, CurrentLink]:
    rows = conn.execute(
        select(
            links.c.ref,
            links.c.id,
            links.c.version,
            links.c.organisation_id,
            links.c.person_id,
            links.c.role,
            links.c.valid_from,
            links.c.valid_until,
        ).where(
            links.c.provider_code == provider,
            links.c.superseded_at.is_(None),
            among(links.c.ref, refs, conn.dialect.name),
        )
    )
    return {r[0]: CurrentLink(*r[1:]) for r in rows}


def insert_many(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Rows in `LINK_COLUMNS` order, values in wire form."""
    insert_rows(conn, links, LINK_COLUMNS, rows)


def close_versions(conn: Connection, versions: Sequence[tuple[int, int]], *, now: datetime) -> None:
    if versions:
        conn.execute(
            update(links)
            .where(and_(links.c.id == bindparam("lid"), links.c.version == bindparam("lversion")))
            .values(superseded_at=now),
            [{"lid": i, "lversion": v} for i, v in versions],
        )
