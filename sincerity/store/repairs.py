"""Credit repair applications: one row each, its state and deadlines; the steps are events."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from sincerity.domain.repair import Repair, RepairStatus
from sincerity.kit.clock import legal_today
from sincerity.store.sequences import allocate
from sincerity.store.tables import repairs

OPEN = [s.value for s in RepairStatus if s.open]


def add(conn: Connection, **values: Any) -> int:
    repair_id = allocate(conn, "repairs")
    conn.execute(insert(repairs).values(id=repair_id, status=RepairStatus.APPLIED.value, **values))
    return repair_id


def get(conn: Connection, repair_id: int, *, for_update: bool = False) -> Repair | None:
    query = select(repairs).where(repairs.c.id == repair_id)
    if for_update and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _repair(row) if row is not None else None


def open_for_record(conn: Connection, record_id: int) -> int | None:
    return conn.execute(
        select(repairs.c.id).where(repairs.c.record_id == record_id, repairs.c.status.in_(OPEN))
    ).scalar()


def change(conn: Connection, repair_id: int, **values: Any) -> None:
    conn.execute(update(repairs).where(repairs.c.id == repair_id).values(**values))


def search(
    conn: Connection,
    *,
    today: date,
    provider: str | None = None,
    subject_id: int | None = None,
    status: RepairStatus | None = None,
    overdue: bool = False,
    limit: int = 500,
) -> list[Repair]:
    query = select(repairs)
    if provider is not None:
        query = query.where(repairs.c.provider_code == provider)
    if subject_id is not None:
        query = query.where(repairs.c.subject_id == subject_id)
    if status is not None:
        query = query.where(repairs.c.status == status.value)
    if overdue:
        query = query.where(
            or_(
                (repairs.c.status == RepairStatus.APPLIED.value) & (repairs.c.accept_due < today),
                (repairs.c.status == RepairStatus.ACCEPTED.value) & (repairs.c.decide_due < today),
            )
        )
    return [_repair(r) for r in conn.execute(query.order_by(repairs.c.id).limit(limit))]


def _repair(r: Any) -> Repair:
    return Repair(
        id=r.id,
        record_id=r.record_id,
        record_version=r.record_version,
        subject_id=r.subject_id,
        provider_code=r.provider_code,
        item_code=r.item_code,
        applied_on=legal_today(r.applied_at),
        applied_by=r.applied_by,
        evidence=tuple(r.evidence),
        commitment_id=r.commitment_id,
        status=RepairStatus(r.status),
        accept_due=r.accept_due,
        decide_due=r.decide_due,
        result_due=r.result_due,
        due_provisional=bool(r.due_provisional),
        materials_asked=r.materials_asked,
        extended=bool(r.extended),
        decided_on=legal_today(r.decided_at) if r.decided_at else None,
        decided_by=r.decided_by,
        reasons=r.reasons,
    )
