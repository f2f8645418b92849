"""A SQLite file counts a recompute's changes in parts, in read snapshots of their own taken while
the writing transaction holds the writers' turn (real commits here): the parts count exactly
what one pass counts, they see what that transaction sees, and a count that does not (another
writer committed first, or the transaction wrote) is never used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sincerity.domain.lists import ListRules
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.services.lists import _counted_in_parts, load_rules_file, recompute_lists
from sincerity.store import events as event_store
from sincerity.store import files
from sincerity.store import lists as list_store
from tests.conftest import migrated, node_services, scratch_database
from tests.factories import person_number, record
from tests.integration.test_lists import _edited_rules, _load


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Services]:
    with scratch_database("sqlite", tmp_path) as url:
        engine = migrated(url, tmp_path)
        services = node_services(engine, tmp_path)
        _load(services)
        yield services
        engine.dispose()


def _court_list_elsewhere(tmp_path: Path) -> Path:
    """Rules (version 2026.2) under which the court list no longer puts anyone on the black list."""
    return _edited_rules(
        tmp_path,
        {"top": {"version": "2026.2"}, "rule": "black.court_list", "items": ["org.court.dishonest_debtor"]},
    )


def test_a_sqlite_file_shares_out_reads_and_a_shared_test_connection_does_not(
    node: Services, services: Services
) -> None:
    assert node.db.parallel_reads
    assert not services.db.parallel_reads  # its rows are uncommitted: other connections do not see them


def test_the_parts_count_what_one_pass_counts(node: Services, tmp_path: Path) -> None:
    edited, _ = files.load_model(_court_list_elsewhere(tmp_path), ListRules)
    with node.db.transaction(write=False) as conn:
        rules = node.rules(conn)
        assert rules is not None
        records = conn.execute(text("SELECT count(*) FROM records")).scalar_one()
        same = list_store._survey(conn, rules)
        changed = list_store._survey(conn, edited)
    assert same is not None
    assert changed is not None
    assert same.total_changes == 0
    assert same.entries == 9
    assert changed.removed == {"black": 5}
    for parts in (1, 2, 3, records, records + 4):  # down to one record a part, and empty parts
        for rules_used, expected in ((rules, same), (edited, changed)):
            surveyed = list_store.survey_in_parts(node.db, rules_used, parts)
            assert surveyed is not None
            assert surveyed.report == expected, parts


def test_a_count_made_before_another_writer_committed_is_not_used(node: Services) -> None:
    with node.db.transaction(write=False) as conn:
        rules = node.rules(conn)
    assert rules is not None
    surveyed = list_store.survey_in_parts(node.db, rules, 2)
    assert surveyed is not None
    with node.db.transaction() as conn:
        assert surveyed.still_true(conn) == surveyed.report
    listing = record(ref="C-9", subject_id=person_number(serial=490), item="court.dishonest_debtor")
    assert submit_records(node, [listing], provider="court-110105", source="test").accepted == 1
    with node.db.transaction() as conn:
        assert surveyed.still_true(conn) is None


def test_inside_the_writing_transaction_the_parts_see_what_it_sees_until_it_writes(node: Services) -> None:
    with node.db.transaction() as conn:
        rules = node.rules(conn)
        assert rules is not None
        counted = _counted_in_parts(node, conn, rules)
        assert counted is not None  # the count in parts is the one used
        assert counted == list_store._survey(conn, rules)
        event_store.append(conn, [event_store.NewEvent("test:node:touched")], now=node.clock.now())
        assert _counted_in_parts(node, conn, rules) is None  # its own write is unseen by the parts


def test_a_rule_change_on_a_sqlite_file_is_counted_in_parts_and_applied(node: Services, tmp_path: Path) -> None:
    path = _court_list_elsewhere(tmp_path)
    loaded = load_rules_file(node, path)
    assert loaded.recompute is not None
    assert loaded.recompute.removed == {"black": 5}
    with node.db.transaction(write=False) as conn:
        held = conn.execute(text("SELECT count(*) FROM list_entries WHERE list_code = 'black'")).scalar_one()
    assert held == 2  # the tax evasion and the bid collusion stay
    assert recompute_lists(node).total_changes == 0
    assert load_rules_file(node, path).recompute is None  # the same version again: nothing to do
