"""Subjects' contact addresses (sealed) and the digests of notices sent to them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from sincerity.store._sql import among
from sincerity.store.events import Event
from sincerity.store.tables import events, institutions, notice_deliveries, records, subject_contacts


def set_contact(conn: Connection, subject_id: int, email_sealed: bytes, *, now: datetime, last_seq: int) -> None:
    """Register or replace the address; events before `last_seq` stay in the inbox only."""
    changed = conn.execute(
        update(subject_contacts)
        .where(subject_contacts.c.subject_id == subject_id)
        .values(email_sealed=email_sealed, added_at=now)
    ).rowcount
    if not changed:
        conn.execute(
            insert(subject_contacts).values(
                subject_id=subject_id, email_sealed=email_sealed, added_at=now, notified_seq=last_seq
            )
        )


def pending(conn: Connection, *, limit: int, skipping: Collection[int] = ()) -> list[tuple[int, bytes, Event]]:
    """(subject, sealed address, event) for events not yet sent to subjects with an address,
    by subject then event order; `skipping`: subjects left for the next run."""
    query = (
        select(subject_contacts.c.subject_id, subject_contacts.c.email_sealed, events)
        .join(events, events.c.subject_id == subject_contacts.c.subject_id)
        .where(events.c.seq > subject_contacts.c.notified_seq)
    )
    if skipping:
        query = query.where(~among(subject_contacts.c.subject_id, list(skipping), conn.dialect.name))
    rows = conn.execute(query.order_by(subject_contacts.c.subject_id, events.c.seq).limit(limit))
    return [(r[0], bytes(r[1]), Event(r.seq, r.at, r.tag, r.subject_id, r.entity_id, r.batch_id, r.data)) for r in rows]


def delivered(
    conn: Connection,
    subject_id: int,
    *,
    first_seq: int,
    last_seq: int,
    count: int,
    channel: str,
    late: int,
    now: datetime,
) -> None:
    conn.execute(
        insert(notice_deliveries).values(
            subject_id=subject_id,
            first_seq=first_seq,
            last_seq=last_seq,
            events=count,
            channel=channel,
            late=late,
            sent_at=now,
        )
    )
    conn.execute(
        update(subject_contacts).where(subject_contacts.c.subject_id == subject_id).values(notified_seq=last_seq)
    )


def record_details(conn: Connection, record_ids: Collection[int]) -> dict[int, dict[str, Any]]:
    """The newest version of each record: item, provider (code and name), decision and window."""
    if not record_ids:
        return {}
    rows = conn.execute(
        select(
            records.c.id,
            records.c.version,
            records.c.item_code,
            records.c.provider_code,
            institutions.c.name,
            records.c.decided_on,
            records.c.display_until,
        )
        .join(institutions, institutions.c.code == records.c.provider_code, isouter=True)
        .where(among(records.c.id, record_ids, conn.dialect.name))
        .order_by(records.c.id, records.c.version)
    )
    found: dict[int, dict[str, Any]] = {}
    for r in rows:
        until: date | None = r[6]
        found[r[0]] = {
            "item": r[2],
            "provider": r[3],
            "provider_name": r[4] or r[3],
            "decided_on": r[5].isoformat(),
            "display_until": until.isoformat() if until else None,
        }
    return found
