"""Invariants pinned by tests: schema == migrations, settings documented, layers, no secrets in repr."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sincerity.kit.crypto import NodeKeys
from sincerity.kit.settings import Settings
from sincerity.store import schema
from tests.conftest import STORES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("store", STORES)
def test_migrations_build_exactly_the_tables_in_code(engines: dict[str, Engine], store: str) -> None:
    assert schema.differences(engines[store]) == []


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"SINCERITY_{name.upper()}" in readme, name


def test_keys_never_show_in_a_repr() -> None:
    keys = NodeKeys.generate()
    assert keys.id_key.hex() not in repr(keys)
    assert "secret" in repr(keys)


def test_no_module_reads_the_wall_clock_outside_the_clock() -> None:
    pattern = re.compile(r"datetime\.now\(|date\.today\(|datetime\.utcnow\(|time\.time\(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "sincerity").rglob("*.py")
        if path.name != "clock.py" and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_logging_of_an_import_carries_no_number_or_name(caplog: pytest.LogCaptureFixture, services, store) -> None:  # type: ignore[no-untyped-def]
    from sincerity.services.ingest import submit_records
    from tests.factories import institution, person_number, record
    from tests.integration.test_ingest import pick

    caplog.set_level(logging.DEBUG)
    institution(services)
    code = pick(services)
    submit_records(
        services,
        [record(item=code), record(item=code, ref="R-2", decided_on="bad")],
        provider="dept-110000",
        source="test",
    )
    assert person_number() not in caplog.text
    assert "张三" not in caplog.text


def test_a_record_row_takes_the_draft_tail_in_column_order() -> None:
    from sincerity.domain.records import RecordDraft
    from sincerity.store.records import RECORD_COLUMNS

    renamed = {"item": "item_code", "facts_json": "facts"}
    assert [renamed.get(f, f) for f in RecordDraft._fields[6:12]] == list(RECORD_COLUMNS[5:11])
