"""Engines for the two supported stores and the transaction boundary services use.

SQLite runs in WAL mode with foreign keys on; a writing transaction starts with
`BEGIN IMMEDIATE` so that two writers queue instead of failing half-way. PostgreSQL uses
psycopg 3. Nothing here is created at import time: the composition root calls `create`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url


def create(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` (sqlite:///… or postgresql+psycopg://…)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"isolation_level": None, "timeout": 30, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        # No server-side prepared statements: after psycopg's fifth execution PostgreSQL may settle
        # on a generic plan for `ref = ANY($1)` that scans the table (ingestion slowed 15×).
        return create_engine(url, pool_pre_ping=True, connect_args={"prepare_threshold": None}, **kwargs)
    raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MiB of page cache (the default is 2 MiB): index probes on a table of millions of rows
    # stay in memory. (A longer checkpoint interval was tried: it slowed chunked commits.)
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.info.get("begin", "BEGIN")
    conn.exec_driver_sql(mode)


WRITER_LOCK = 0x51C3  # PostgreSQL advisory lock key held by every writing transaction


class Database:
    """Hands out transactions; services open exactly one per use case."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True, serialise: bool = True) -> Iterator[Connection]:
        """One transaction. A writing one queues behind other writers (`serialise`) unless it
        only appends rows of its own that no other writer reads first (a check's record):
        SQLite queues every writer regardless, with BEGIN IMMEDIATE."""
        with self.engine.connect() as conn:
            conn.info["begin"] = "BEGIN IMMEDIATE" if write else "BEGIN"
            with conn.begin():
                if write and serialise and conn.dialect.name == "postgresql":
                    # One writer at a time, as SQLite's BEGIN IMMEDIATE gives: lookups made before
                    # a write stay true until commit, and sequence rows are never locked in
                    # different orders by two writers (no deadlock).
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")
                yield conn


class SharedConnectionDatabase(Database):
    """Every transaction is a savepoint on one outer connection: per-test rollback (tests only)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.engine)
        self.connection = connection

    @contextmanager
    def transaction(self, *, write: bool = True, serialise: bool = True) -> Iterator[Connection]:
        with self.connection.begin_nested():
            yield self.connection
