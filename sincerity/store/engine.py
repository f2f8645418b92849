"""Engines for the two supported stores and the transaction boundary services use.

SQLite runs in WAL mode with foreign keys on; a writing transaction starts with
`BEGIN IMMEDIATE` so that two writers queue instead of failing half-way, and before that it
takes its turn in the writers' queue (`WriterQueue`), which also orders writers in other
processes. PostgreSQL uses psycopg 3. Nothing here is created at import time: the
composition root calls `create`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url


def create(url: str, *, background_checkpoint: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url` (sqlite:///… or postgresql+psycopg://…).

    `background_checkpoint` (SQLite, for a serving process): commits never copy the WAL back
    into the database file themselves; a thread does it every second. Otherwise every
    thousandth page written makes one unlucky commit do it, and a request waits 100 ms or more.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: the connection used last is handed out again. Each SQLite connection has its own
        # page cache, which a write through another connection invalidates; rotating through the
        # pool made every check read its pages cold (4× slower).
        engine = create_engine(
            url,
            connect_args={"isolation_level": None, "timeout": 30, "check_same_thread": False},
            pool_use_lifo=True,
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        if background_checkpoint and parsed.database and parsed.database != ":memory:":
            event.listen(engine, "connect", _serving_pragmas)
            Checkpointer(parsed.database).start()
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        # Server-side prepared statements only where asked for (`prepare=True`: the check's
        # hot path). Automatic preparation stays off, never reached: after psycopg's fifth
        # execution PostgreSQL may settle on a generic plan for `ref = ANY($1)` that scans the
        # table (ingestion slowed 15×). (`prepare_threshold=None` would switch off explicit
        # preparation too.)
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_use_lifo=True,
            connect_args={"prepare_threshold": 2**31 - 1},
            **kwargs,
        )
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
    # Temporary tables and sorts in memory, not in a temporary file: the list recompute keeps
    # the new entries (a few percent of the records) beside the old ones while it compares them.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _serving_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
    # Pages read through a memory map, not copied by a system call each: a check touches a few
    # pages of each index at random, most of them in the OS cache but not in SQLite's own.
    dbapi_connection.execute(f"PRAGMA mmap_size={SERVING_MMAP_BYTES}")
    # A serving process answers for any subject: the subject, entry and link indexes of a
    # million persons take some hundreds of MiB, and a check should find them in memory.
    dbapi_connection.execute(f"PRAGMA cache_size=-{SERVING_CACHE_KIB}")


class Checkpointer(threading.Thread):
    """Copies the SQLite WAL into the database file every `interval` seconds, beside the
    writers (PASSIVE: it never waits for them, and they never wait for it)."""

    def __init__(self, path: str, interval: float = 1.0) -> None:
        super().__init__(name="sqlite-checkpoint", daemon=True)
        self.path = path
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            while not self.stopped.wait(self.interval):
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = conn.info.get("begin", "BEGIN")
    conn.exec_driver_sql(mode)


SERVING_MMAP_BYTES = 16 * 2**30  # address space only; the OS decides what stays in memory
SERVING_CACHE_KIB = 512 * 1024
WRITER_LOCK = 0x51C3  # PostgreSQL advisory lock key held by every writing transaction


class WriterQueue:
    """Writers of one SQLite database take turns through an exclusive `flock` on a file beside
    it, in every thread and process that writes, before `BEGIN IMMEDIATE`.

    SQLite alone makes a writer that finds the database locked sleep and try again (for up to
    100 ms at a time), while a writer that just committed may take the lock straight back: with
    two serving processes, one process's writers starved the other's (batch p99 2–5 s; with the
    queue 0.3–0.4 s). A writer waiting on the file lock is woken the moment it is free.
    Each thread keeps its own descriptor (a lock held through one descriptor excludes every
    other), and a transaction opened inside another on the same thread keeps the outer turn.
    """

    def __init__(self, database: str) -> None:
        self.path = f"{database}-writer.lock"
        self._local = threading.local()

    @contextmanager
    def turn(self) -> Iterator[None]:
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth == 0:
            fd = getattr(local, "fd", None)
            if fd is None:
                fd = local.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits, without the GIL, for the writer before to finish
        local.depth = depth + 1
        try:
            yield
        finally:
            local.depth = depth
            if depth == 0:
                fcntl.flock(local.fd, fcntl.LOCK_UN)


class Database:
    """Hands out transactions; services open exactly one per use case."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        database = engine.url.database
        file_backed = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
        self.writers = WriterQueue(str(database)) if file_backed else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def parallel_reads(self) -> bool:
        """Whether read transactions on connections of their own, in threads, may share out a
        long scan: a SQLite file (a statement there runs on one core; PostgreSQL parallelises
        its own statements)."""
        return self.writers is not None

    @contextmanager
    def transaction(self, *, write: bool = True, serialise: bool = True) -> Iterator[Connection]:
        """One transaction. A writing one queues behind other writers (`serialise`) unless it
        only appends rows of its own that no other writer reads first (a check's record):
        SQLite queues every writer regardless, with BEGIN IMMEDIATE."""
        with self._turn(write), self.engine.connect() as conn:
            conn.info["begin"] = "BEGIN IMMEDIATE" if write else "BEGIN"
            with conn.begin():
                if write and serialise and conn.dialect.name == "postgresql":
                    # One writer at a time, as SQLite's BEGIN IMMEDIATE gives: lookups made before
                    # a write stay true until commit, and sequence rows are never locked in
                    # different orders by two writers (no deadlock).
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")
                yield conn

    def _turn(self, write: bool) -> contextlib.AbstractContextManager[None]:
        return self.writers.turn() if write and self.writers is not None else contextlib.nullcontext()

    @contextmanager
    def driver_transaction(self) -> Iterator[Driver]:
        """A writing transaction on the driver connection itself, for the check's hot path:
        SQLAlchemy's connection and transaction machinery costs more than the check's queries.
        It takes no place in the writers' queue on PostgreSQL (the check appends its own row);
        SQLite queues it like every writer."""
        with self._turn(True):
            pooled = self.engine.raw_connection()
            dbapi = pooled.driver_connection
            dialect = self.engine.dialect.name
            try:
                if dialect == "sqlite":
                    dbapi.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
                yield Driver(dialect, dbapi)
                if dialect == "sqlite":
                    dbapi.execute("COMMIT")  # type: ignore[union-attr]
                else:
                    dbapi.commit()  # type: ignore[union-attr]
            except BaseException:
                if dialect == "sqlite":
                    if dbapi.in_transaction:  # type: ignore[union-attr]
                        dbapi.execute("ROLLBACK")  # type: ignore[union-attr]
                else:
                    dbapi.rollback()  # type: ignore[union-attr]
                raise
            finally:
                pooled.close()


class Driver:
    """A transaction's driver connection (sqlite3 or psycopg) and the store it speaks to."""

    __slots__ = ("dbapi", "dialect")

    def __init__(self, dialect: str, dbapi: Any) -> None:
        self.dialect = dialect
        self.dbapi = dbapi

    @classmethod
    def of(cls, conn: Connection) -> Driver:
        """The driver under a SQLAlchemy connection (its transaction is the same)."""
        return cls(conn.dialect.name, conn.connection.driver_connection)


class SharedConnectionDatabase(Database):
    """Every transaction is a savepoint on one outer connection: per-test rollback (tests only)."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.engine)
        self.connection = connection

    @property
    def parallel_reads(self) -> bool:
        return False  # other connections do not see the outer transaction's rows

    @contextmanager
    def transaction(self, *, write: bool = True, serialise: bool = True) -> Iterator[Connection]:
        with self.connection.begin_nested():
            yield self.connection

    @contextmanager
    def driver_transaction(self) -> Iterator[Driver]:
        with self.connection.begin_nested():
            yield Driver.of(self.connection)
