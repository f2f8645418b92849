"""Two writers at once, on real connections of both stores: no deadlock, no duplicate, no error."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from sincerity.services.ingest import IngestSummary, submit_records
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
