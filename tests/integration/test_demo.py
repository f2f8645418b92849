"""The demo generator on both stores: deterministic, through the real ingestion paths."""

from __future__ import annotations

from sqlalchemy import func, select

from sincerity.services.context import Services
from sincerity.services.lists import recompute_lists
from sincerity.store.tables import links, list_entries, records
from sincerity.synth import load_demo


def test_the_demo_loads_records_links_and_lists_and_loads_again_unchanged(services: Services) -> None:
    first = load_demo(services, persons=80, seed=3)
    assert first.counts["rejected"] == 0
    assert first.counts["accepted"] > 80
    with services.db.transaction(write=False) as conn:
        assert conn.scalar(select(func.count()).select_from(links)) == first.organisations
        assert (conn.scalar(select(func.count()).select_from(list_entries)) or 0) > 0
        stored = conn.scalar(select(func.count()).select_from(records))
    assert recompute_lists(services).total_changes == 0  # the incremental entries are exactly right
    again = load_demo(services, persons=80, seed=3)
    assert again.counts["unchanged"] == first.counts["accepted"]
    with services.db.transaction(write=False) as conn:
        assert conn.scalar(select(func.count()).select_from(records)) == stored
