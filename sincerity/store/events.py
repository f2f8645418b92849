"""The change feed: every state change as an event, numbered in commit order.

Tags read `area:subject:action` in the past tense (`records:record:created`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, func, select, text

from sincerity.store.bulk import insert_rows, instant_text
from sincerity.store.sequences import allocate
from sincerity.store.tables import events

EVENT_COLUMNS = ("seq", "at", "tag", "subject_id", "entity_id", "batch_id", "data")


class NewEvent(NamedTuple):
    """An event to append (a tuple: ingestion makes one per stored record)."""

    tag: str
    subject_id: int | None = None
    entity_id: int | None = None
    data: dict[str, Any] | str | None = None  # a mapping, or JSON text already made


# What `append` takes: a NewEvent, or a plain tuple of its four fields.
EventTuple = tuple[str, int | None, int | None, dict[str, Any] | str | None]


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    at: datetime
    tag: str
    subject_id: int | None
    entity_id: int | None
    batch_id: int | None
    data: dict[str, Any] | None


def append(
    conn: Connection,
    new: Sequence[EventTuple],
    *,
    now: datetime,
    batch_id: int | None = None,
) -> int | None:
    """Write events with consecutive sequence numbers; return the first number (None if none).

    An event is a `NewEvent` or a plain tuple of the same four fields (ingestion makes one
    per stored record and skips building the named one)."""
    if not new:
        return None
    first = allocate(conn, "events", len(new))
    at = instant_text(now, conn.dialect.name)
    rows = []
    for seq, (tag, subject_id, entity_id, data) in enumerate(new, start=first):
        text = data if isinstance(data, str) or data is None else orjson.dumps(data).decode()
        rows.append((seq, at, tag, subject_id, entity_id, batch_id, text))
    insert_rows(conn, events, EVENT_COLUMNS, rows)
    return first


CREATED_TAG = "records:record:created"


def append_created(conn: Connection, *, first_record: int, count: int, now: datetime, batch_id: int | None) -> int:
    """Write the `records:record:created` events of `count` first versions just inserted with
    consecutive ids from `first_record`, in id order; return the first event number.

    The store makes them from the record rows (`{"item": …, "version": 1}`) in one statement:
    a bulk file makes one per row, and building and sending each from Python cost the writer
    about as much as inserting the record itself."""
    first = allocate(conn, "events", count)
    at = instant_text(now, conn.dialect.name)
    if conn.dialect.name == "postgresql":
        data, at_value = "jsonb_build_object('item', item_code, 'version', 1)", "CAST(:at AS timestamptz)"
    else:
        data, at_value = "json_object('item', item_code, 'version', 1)", ":at"
    conn.execute(
        text(
            "INSERT INTO events (seq, at, tag, subject_id, entity_id, batch_id, data) "  # noqa: S608 - fixed SQL
            f"SELECT :first + (id - :first_record), {at_value}, :tag, subject_id, id, :batch, {data} "
            "FROM records WHERE id >= :first_record AND id < :end AND version = 1"
        ),
        {
            "first": first,
            "first_record": first_record,
            "end": first_record + count,
            "at": at,
            "tag": CREATED_TAG,
            "batch": batch_id,
        },
    )
    return first


def since(conn: Connection, after_seq: int = 0, *, limit: int = 1000) -> list[Event]:
    rows = conn.execute(select(events).where(events.c.seq > after_seq).order_by(events.c.seq).limit(limit))
    return [Event(r.seq, r.at, r.tag, r.subject_id, r.entity_id, r.batch_id, r.data) for r in rows]


def of_entity(conn: Connection, entity_id: int, *, prefix: str) -> list[Event]:
    """The events of one dispute, repair or redress (tags starting with `prefix`), in order."""
    rows = conn.execute(
        select(events).where(events.c.entity_id == entity_id, events.c.tag.startswith(prefix)).order_by(events.c.seq)
    )
    return [Event(r.seq, r.at, r.tag, r.subject_id, r.entity_id, r.batch_id, r.data) for r in rows]


def of_subject(conn: Connection, subject_id: int, *, after_seq: int = 0, limit: int = 500) -> list[Event]:
    """The events about one subject after `after_seq`, in order (the subject's inbox reads these)."""
    rows = conn.execute(
        select(events)
        .where(events.c.subject_id == subject_id, events.c.seq > after_seq)
        .order_by(events.c.seq)
        .limit(limit)
    )
    return [Event(r.seq, r.at, r.tag, r.subject_id, r.entity_id, r.batch_id, r.data) for r in rows]


def history_view(event: Event) -> dict[str, Any]:
    """One step of a history as answers show it."""
    return {"seq": event.seq, "at": event.at.isoformat(), "step": event.tag.rsplit(":", 1)[-1], **(event.data or {})}


def last_seq_of(conn: Connection, subject_id: int) -> int:
    """The newest event about one subject (0 if none)."""
    found = conn.execute(select(func.max(events.c.seq)).where(events.c.subject_id == subject_id)).scalar()
    return int(found or 0)


def newest_seq(conn: Connection) -> int:
    """The newest event this transaction sees (0 if none): every change writes one, so two
    transactions that see the same newest event see the same state."""
    return int(conn.execute(select(func.max(events.c.seq))).scalar() or 0)
