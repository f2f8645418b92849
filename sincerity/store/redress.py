"""Redress steps reported against the decision behind a record: one row each, never changed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from sincerity.domain.redress import Proceeding, RedressOutcome, RedressStep
from sincerity.store.sequences import allocate
from sincerity.store.tables import redress


def add(
    conn: Connection,
    *,
    record_id: int,
    record_version: int,
    subject_id: int,
    proceeding: Proceeding,
    outcome: RedressOutcome,
    authority: str,
    document_no: str,
    decided_on: date,
    note: str | None,
    reported_by: str | None,
    at: datetime,
) -> int:
    step_id = allocate(conn, "redress")
    conn.execute(
        insert(redress).values(
            id=step_id,
            record_id=record_id,
            record_version=record_version,
            subject_id=subject_id,
            proceeding=proceeding.value,
            outcome=outcome.value,
            authority=authority,
            document_no=document_no,
            decided_on=decided_on,
            note=note,
            reported_by=reported_by,
            at=at,
        )
    )
    return step_id


def of_record(conn: Connection, record_id: int) -> list[RedressStep]:
    rows = conn.execute(select(redress).where(redress.c.record_id == record_id).order_by(redress.c.id))
    return [_step(r) for r in rows]


def _step(r: Any) -> RedressStep:
    return RedressStep(
        r.id,
        r.record_id,
        r.record_version,
        r.subject_id,
        Proceeding(r.proceeding),
        RedressOutcome(r.outcome),
        r.authority,
        r.document_no,
        r.decided_on,
        r.note,
        r.reported_by,
    )


def of_subject(conn: Connection, subject_id: int) -> list[RedressStep]:
    rows = conn.execute(select(redress).where(redress.c.subject_id == subject_id).order_by(redress.c.id))
    return [_step(r) for r in rows]
