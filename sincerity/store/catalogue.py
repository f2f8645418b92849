"""Catalogue versions as loaded into the node; the newest loaded version is in force."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from sincerity.domain.catalogue import STORED, Catalogue
from sincerity.store.sequences import allocate
from sincerity.store.tables import catalogue_versions


def save(conn: Connection, catalogue: Catalogue, document: dict[str, Any], *, now: datetime) -> bool:
    """Store a catalogue version unless it is already there; return whether it was new."""
    exists = conn.execute(
        select(catalogue_versions.c.version).where(catalogue_versions.c.version == catalogue.version)
    ).first()
    if exists:
        return False
    conn.execute(
        insert(catalogue_versions).values(
            version=catalogue.version, title=catalogue.title, document=document, loaded_at=now
        )
    )
    allocate(conn, "config")  # running processes see that the rules in force changed
    return True


def current(conn: Connection) -> Catalogue | None:
    """The catalogue in force: the most recently loaded version."""
    row = conn.execute(
        select(catalogue_versions.c.document)
        .order_by(catalogue_versions.c.loaded_at.desc(), catalogue_versions.c.version.desc())
        .limit(1)
    ).first()
    return Catalogue.model_validate(row.document, context=STORED) if row else None


def stored_document(conn: Connection, version: str) -> dict[str, Any] | None:
    row = conn.execute(select(catalogue_versions.c.document).where(catalogue_versions.c.version == version)).first()
    return dict(row.document) if row else None
