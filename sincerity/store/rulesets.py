"""Versions of the list rules and of the measures as loaded; the newest of each kind is in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from sincerity.store.sequences import allocate
from sincerity.store.tables import rule_sets


def save(conn: Connection, kind: str, *, version: str, title: str, document: dict[str, Any], now: datetime) -> bool:
    """Store a version unless it is already there; return whether it was new."""
    if has(conn, kind, version):
        return False
    conn.execute(insert(rule_sets).values(kind=kind, version=version, title=title, document=document, loaded_at=now))
    allocate(conn, "config")  # running processes see that the rules in force changed
    return True


def has(conn: Connection, kind: str, version: str) -> bool:
    found = conn.execute(select(rule_sets.c.version).where(rule_sets.c.kind == kind, rule_sets.c.version == version))
    return found.first() is not None


def newest_version(conn: Connection, kind: str) -> str | None:
    return conn.execute(
        select(rule_sets.c.version)
        .where(rule_sets.c.kind == kind)
        .order_by(rule_sets.c.loaded_at.desc(), rule_sets.c.version.desc())
        .limit(1)
    ).scalar()


def document(conn: Connection, kind: str, version: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(rule_sets.c.document).where(rule_sets.c.kind == kind, rule_sets.c.version == version)
    ).first()
    return dict(row.document) if row else None
