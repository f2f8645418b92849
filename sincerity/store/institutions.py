"""Registered institutions, the catalogue items each may submit, and their API credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from sincerity.domain.institutions import Institution
from sincerity.store.tables import credentials, institution_items, institutions


def get(conn: Connection, code: str) -> Institution | None:
    row = conn.execute(select(institutions).where(institutions.c.code == code)).first()
    if row is None:
        return None
    items = conn.scalars(
        select(institution_items.c.item_code)
        .where(institution_items.c.institution_code == code)
        .order_by(institution_items.c.item_code)
    ).all()
    return Institution(code=row.code, name=row.name, kind=row.kind, locality=row.locality, items=tuple(items))


def all_institutions(conn: Connection) -> list[Institution]:
    rows = conn.execute(select(institutions).order_by(institutions.c.code)).all()
    grants: dict[str, list[str]] = {}
    for code, item in conn.execute(
        select(institution_items.c.institution_code, institution_items.c.item_code).order_by(
            institution_items.c.item_code
        )
    ):
        grants.setdefault(code, []).append(item)
    return [
        Institution(code=r.code, name=r.name, kind=r.kind, locality=r.locality, items=tuple(grants.get(r.code, ())))
        for r in rows
    ]


def upsert(conn: Connection, institution: Institution, *, now: datetime) -> bool:
    """Create or update an institution and replace its item grants; return whether it is new."""
    exists = conn.execute(select(institutions.c.code).where(institutions.c.code == institution.code)).first()
    values = {"name": institution.name, "kind": institution.kind, "locality": institution.locality}
    if exists:
        conn.execute(update(institutions).where(institutions.c.code == institution.code).values(**values))
        conn.execute(delete(institution_items).where(institution_items.c.institution_code == institution.code))
    else:
        conn.execute(insert(institutions).values(code=institution.code, created_at=now, **values))
    if institution.items:
        conn.execute(
            insert(institution_items),
            [{"institution_code": institution.code, "item_code": item} for item in institution.items],
        )
    return not exists


def add_credential(conn: Connection, institution_code: str, token_hash: bytes, *, now: datetime) -> None:
    conn.execute(insert(credentials).values(institution_code=institution_code, token_hash=token_hash, created_at=now))
