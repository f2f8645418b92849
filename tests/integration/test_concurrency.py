"""Two writers at once, on real connections of both stores: no deadlock, no duplicate, no error."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from sincerity.services.ingest import IngestSummary, submit_records
from sincerity.store.engine import Database, create
from tests.conftest import STORES, migrated, node_services, scratch_database
from tests.factories import institution, person_number, record
from tests.integration.test_ingest import pick


@pytest.mark.parametrize("store", STORES)
def test_two_writers_with_the_same_refs_store_each_record_once(store: str, tmp_path: Path) -> None:
    with scratch_database(store, tmp_path) as url:
        engine = migrated(url, tmp_path)
        services = node_services(engine, tmp_path)
        institution(services)
        code = pick(services)
        rows = [record(item=code, ref=f"C-{i}", subject_id=person_number(serial=i % 300)) for i in range(1500)]
        results: list[IngestSummary] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                results.append(submit_records(services, rows, provider="dept-110000", source="test", chunk_size=100))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert sorted(r.accepted + r.unchanged for r in results) == [1500, 1500]
        assert sum(r.accepted for r in results) == 1500
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM records")).scalar() == 1500
            assert conn.execute(text("SELECT COUNT(*) FROM subjects")).scalar() == 300
        engine.dispose()


def _turn_is_free(path: str) -> bool:
    """Whether a writer elsewhere (another descriptor: another thread or process) could take
    the writers' turn now."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases a turn taken here
    return True


def test_a_sqlite_writer_holds_the_writers_turn_from_before_it_begins_until_it_commits(tmp_path: Path) -> None:
    """Writers in every process take turns through a lock file beside the database (SQLite's
    own retries starved one serving process's writers); readers take no turn."""
    database = Database(create(f"sqlite:///{tmp_path / 'node.db'}"))
    assert database.writers is not None
    path = database.writers.path
    assert _turn_is_free(path)
    with database.transaction(write=False):
        assert _turn_is_free(path)
    with database.transaction() as conn:
        assert not _turn_is_free(path)
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    assert _turn_is_free(path)
    with database.driver_transaction() as tx:
        assert not _turn_is_free(path)
        tx.dbapi.execute("INSERT INTO t VALUES (1)")
    assert _turn_is_free(path)
    with pytest.raises(RuntimeError), database.transaction():
        raise RuntimeError("rolled back")
    assert _turn_is_free(path)
    with database.writers.turn():
        with database.writers.turn():  # a transaction opened inside another keeps the outer turn
            pass
        assert not _turn_is_free(path)
    assert _turn_is_free(path)
    database.engine.dispose()


def test_a_writer_in_another_thread_waits_for_the_turn_and_then_writes(tmp_path: Path) -> None:
    database = Database(create(f"sqlite:///{tmp_path / 'node.db'}"))
    with database.transaction() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    order: list[str] = []
    started = threading.Event()

    def second() -> None:
        started.set()
        with database.transaction() as conn:
            order.append("second")
            conn.execute(text("INSERT INTO t VALUES (2)"))

    with database.transaction() as conn:
        thread = threading.Thread(target=second)
        thread.start()
        started.wait(10)
        thread.join(0.2)  # it waits for this transaction, however long it lasts
        assert thread.is_alive()
        order.append("first")
        conn.execute(text("INSERT INTO t VALUES (1)"))
    thread.join(10)
    assert order == ["first", "second"]
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t ORDER BY rowid")).scalars().all() == [1, 2]
    database.engine.dispose()


def test_a_large_load_refreshes_the_statistics_of_what_queries_search_on_postgresql(tmp_path: Path) -> None:
    """Without statistics PostgreSQL plans the next checks as if the tables were empty; the
    payload columns no query searches (facts, content hash, sealed number, name) are left to
    autovacuum, since analysing them cost as much again."""
    with scratch_database("postgresql", tmp_path) as url:
        engine = migrated(url, tmp_path)
        services = node_services(engine, tmp_path)
        institution(services)
        code = pick(services)
        rows = [record(item=code, ref=f"S-{i}", subject_id=person_number(serial=i % 400)) for i in range(1200)]
        submit_records(services, rows, provider="dept-110000", source="test")
        with engine.connect() as conn:
            analysed = set(
                conn.execute(
                    text("SELECT tablename || '.' || attname FROM pg_stats WHERE tablename IN ('records', 'subjects')")
                ).scalars()
            )
        engine.dispose()
    assert {"records.subject_id", "records.ref", "records.item_code", "subjects.number_hash"} <= analysed
    assert not analysed & {"records.facts", "records.content_hash", "subjects.number_sealed", "subjects.name"}
