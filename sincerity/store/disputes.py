"""Disputes: one row per objection, its state and deadline; the steps are events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from sincerity.domain.disputes import Dispute, DisputeStatus, DisputeTerms, Evidence
from sincerity.kit.clock import legal_today
from sincerity.store.sequences import allocate
from sincerity.store.tables import disputes


def add(
    conn: Connection,
    *,
    record_id: int,
    record_version: int,
    subject_id: int,
    provider_code: str,
    item_code: str,
    opened_by: str | None,
    reason: str,
    evidence: list[Evidence],
    terms: DisputeTerms,
    at: datetime,
) -> int:
    dispute_id = allocate(conn, "disputes")
    conn.execute(
        insert(disputes).values(
            id=dispute_id,
            record_id=record_id,
            record_version=record_version,
            subject_id=subject_id,
            provider_code=provider_code,
            item_code=item_code,
            opened_at=at,
            opened_on=legal_today(at),
            opened_by=opened_by,
            reason=reason,
            evidence=[e.view() for e in evidence],
            answer_due=terms.answer_due,
            due_provisional=int(terms.provisional),
            suspends_from=terms.suspends_from,
            status=DisputeStatus.OPEN.value,
        )
    )
    return dispute_id


def get(conn: Connection, dispute_id: int, *, for_update: bool = False) -> Dispute | None:
    query = select(disputes).where(disputes.c.id == dispute_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _dispute(row) if row is not None else None


def open_for_record(conn: Connection, record_id: int) -> Dispute | None:
    row = conn.execute(
        select(disputes).where(disputes.c.record_id == record_id, disputes.c.status == DisputeStatus.OPEN.value)
    ).first()
    return _dispute(row) if row is not None else None


def close(
    conn: Connection,
    dispute_id: int,
    *,
    status: DisputeStatus,
    at: datetime,
    by: str | None,
    answer: str | None,
    corrected_version: int | None = None,
) -> None:
    conn.execute(
        update(disputes)
        .where(disputes.c.id == dispute_id)
        .values(
            status=status.value,
            answered_at=at,
            closed_on=legal_today(at),
            answered_by=by,
            answer=answer,
            corrected_version=corrected_version,
        )
    )


def search(
    conn: Connection,
    *,
    today: date,
    provider: str | None = None,
    subject_id: int | None = None,
    status: DisputeStatus | None = None,
    overdue: bool = False,
    limit: int = 500,
) -> list[Dispute]:
    """Disputes, oldest first; `overdue`: open past their deadline on `today`."""
    query = select(disputes)
    if provider is not None:
        query = query.where(disputes.c.provider_code == provider)
    if subject_id is not None:
        query = query.where(disputes.c.subject_id == subject_id)
    if status is not None:
        query = query.where(disputes.c.status == status.value)
    if overdue:
        query = query.where(disputes.c.status == DisputeStatus.OPEN.value, disputes.c.answer_due < today)
    return [_dispute(r) for r in conn.execute(query.order_by(disputes.c.id).limit(limit))]


def _dispute(r: Any) -> Dispute:
    return Dispute(
        id=r.id,
        record_id=r.record_id,
        record_version=r.record_version,
        subject_id=r.subject_id,
        provider_code=r.provider_code,
        item_code=r.item_code,
        opened_on=legal_today(r.opened_at),
        opened_by=r.opened_by,
        reason=r.reason,
        evidence=tuple(Evidence(e["name"], e["sha256"], e.get("note")) for e in r.evidence),
        answer_due=r.answer_due,
        due_provisional=bool(r.due_provisional),
        suspends_from=r.suspends_from,
        status=DisputeStatus(r.status),
        answered_on=legal_today(r.answered_at) if r.answered_at else None,
        answered_by=r.answered_by,
        answer=r.answer,
        corrected_version=r.corrected_version,
    )
