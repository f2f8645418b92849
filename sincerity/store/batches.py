"""Ingestion batches: one row per submission, so supervision can count what came in and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, update

from sincerity.store.sequences import allocate
from sincerity.store.tables import batches


def start(conn: Connection, *, provider: str, source: str, filename: str | None, now: datetime) -> int:
    batch_id = allocate(conn, "batches")
    conn.execute(
        insert(batches).values(id=batch_id, provider_code=provider, source=source, filename=filename, started_at=now)
    )
    return batch_id


def finish(conn: Connection, batch_id: int, counts: dict[str, int], *, now: datetime) -> None:
    conn.execute(update(batches).where(batches.c.id == batch_id).values(finished_at=now, **counts))
