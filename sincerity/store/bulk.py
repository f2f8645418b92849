"""The fastest correct way each store takes many rows: COPY on PostgreSQL, executemany on SQLite.

Values arrive already in wire form (ISO dates, UTC instant text, JSON text, bytes), so the
driver does no per-row conversion. Both run inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Connection, Table


def instant_text(value: datetime, dialect: str) -> str:
    """An aware instant as the text each store keeps (UTC; PostgreSQL with its offset)."""
    value = value.astimezone(UTC)
    if dialect == "sqlite":
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value.isoformat()


class DuplicateKeyError(Exception):
    """A bulk insert met a row that a unique index already holds; nothing of it was kept."""


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` in one bulk operation.

    Raises `DuplicateKeyError` when a unique index refuses a row; the caller decides what
    that means (ingestion inserts optimistically inside a savepoint and looks up on conflict).
    """
    if not rows:
        return
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection has no driver connection")
    if conn.dialect.name == "postgresql":
        names = ", ".join(columns)
        try:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateKeyError(str(exc.diag.constraint_name)) from None
        return
    placeholders = ", ".join("?" for _ in columns)
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", rows)  # noqa: S608
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc):
            raise DuplicateKeyError(str(exc)) from None
        raise
    finally:
        cursor.close()
