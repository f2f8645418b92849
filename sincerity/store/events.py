"""The change feed: every state change as an event, numbered in commit order.

Tags read `area:subject:action` in the past tense (`records:record:created`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, select

from sincerity.store.bulk import insert_rows, instant_text
from sincerity.store.sequences import allocate
from sincerity.store.tables import events

_COLUMNS = ("seq", "at", "tag", "subject_id", "entity_id", "batch_id", "data")


class NewEvent(NamedTuple):
    """An event to append (a tuple: ingestion makes one per stored record)."""

    tag: str
    subject_id: int | None = None
    entity_id: int | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    at: datetime
    tag: str
    subject_id: int | None
    entity_id: int | None
    batch_id: int | None
    data: dict[str, Any] | None


def append(conn: Connection, new: Sequence[NewEvent], *, now: datetime, batch_id: int | None = None) -> int | None:
    """Write events with consecutive sequence numbers; return the first number (None if none)."""
    if not new:
        return None
    first = allocate(conn, "events", len(new))
    at = instant_text(now, conn.dialect.name)
    dumps = orjson.dumps
    insert_rows(
        conn,
        events,
        _COLUMNS,
        [
            (first + i, at, e.tag, e.subject_id, e.entity_id, batch_id, dumps(e.data).decode() if e.data else None)
            for i, e in enumerate(new)
        ],
    )
    return first


def since(conn: Connection, after_seq: int = 0, *, limit: int = 1000) -> list[Event]:
    rows = conn.execute(select(events).where(events.c.seq > after_seq).order_by(events.c.seq).limit(limit))
    return [Event(r.seq, r.at, r.tag, r.subject_id, r.entity_id, r.batch_id, r.data) for r in rows]
