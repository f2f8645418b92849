"""Credit commitment letters signed at the platform: the signed text, its scope and period."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from sincerity.store.sequences import allocate
from sincerity.store.tables import commitments


def next_id(conn: Connection) -> int:
    """The id the next commitment takes (its record's reference names it)."""
    return allocate(conn, "commitments")


def add(
    conn: Connection,
    *,
    commitment_id: int,
    subject_id: int,
    record_id: int,
    commitment_type: str,
    addressee: str,
    text_sealed: bytes,
    scope: dict[str, Any],
    signed_on: date,
    valid_until: date | None,
    at: datetime,
) -> int:
    conn.execute(
        insert(commitments).values(
            id=commitment_id,
            subject_id=subject_id,
            record_id=record_id,
            commitment_type=commitment_type,
            addressee=addressee,
            text_sealed=text_sealed,
            scope=scope,
            signed_on=signed_on,
            valid_until=valid_until,
            at=at,
        )
    )
    return commitment_id


def get(conn: Connection, commitment_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(commitments).where(commitments.c.id == commitment_id)).first()
    return _view(row) if row is not None else None


def of_subject(conn: Connection, subject_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(commitments).where(commitments.c.subject_id == subject_id).order_by(commitments.c.id))
    return [_view(r) for r in rows]


def mark_breached(conn: Connection, commitment_id: int, on: date) -> None:
    conn.execute(update(commitments).where(commitments.c.id == commitment_id).values(breached_on=on))


def _view(r: Any) -> dict[str, Any]:
    return {
        "commitment_id": r.id,
        "record": r.record_id,
        "commitment_type": r.commitment_type,
        "addressee": r.addressee,
        "text_sealed": bytes(r.text_sealed),
        "scope": r.scope,
        "signed_on": r.signed_on.isoformat(),
        "valid_until": r.valid_until.isoformat() if r.valid_until else None,
        "breached_on": r.breached_on.isoformat() if r.breached_on else None,
    }
