"""Display windows per item (NDRC Order No. 36 Arts. 7, 12) and the row gate's pure parts."""

from __future__ import annotations

from datetime import date

from sincerity.domain.records import FactCells, display_until, facts_from_columns
from tests.factories import shipped_catalogue


def item_with(**wanted: object):  # type: ignore[no-untyped-def]
    for item in shipped_catalogue().items:
        if all(getattr(item, k) == v for k, v in wanted.items()):
            return item
    raise LookupError(wanted)


def test_the_window_runs_from_the_decision_date_for_the_item_period() -> None:
    item = item_with(code="court.dishonest_debtor")
    assert item.display_period is not None
    assert display_until(item, date(2026, 3, 1), {}) == item.display_period.after(date(2026, 3, 1))


def test_a_longer_term_of_its_own_extends_the_window() -> None:
    item = item_with(code="court.dishonest_debtor")
    assert item.term_fact is not None
    assert display_until(item, date(2026, 3, 1), {item.term_fact: "P4Y"}) == date(2030, 3, 1)


def test_a_shorter_term_does_not_shorten_the_minimum_window() -> None:
    item = item_with(code="court.dishonest_debtor")
    assert item.term_fact is not None
    assert item.display_period is not None
    assert display_until(item, date(2026, 3, 1), {item.term_fact: "P1M"}) == item.display_period.after(date(2026, 3, 1))


def test_an_item_without_a_term_has_no_end_date() -> None:
    item = item_with(code="court.dishonest_debtor.able_but_refuses")
    assert display_until(item, date(2026, 3, 1), {}) is None


def test_fact_cells_are_typed_by_the_schema_and_empty_cells_dropped() -> None:
    item = next(
        i
        for i in shipped_catalogue().items
        if any(p.get("type") in ("number", "integer") for p in i.facts_schema.get("properties", {}).values())
    )
    properties = item.facts_schema["properties"]
    name = next(n for n, p in properties.items() if p.get("type") in ("number", "integer"))
    other = next((n for n in properties if n != name), None)
    cells = FactCells({name: "12", **({other: ""} if other else {})})
    facts = facts_from_columns(item, cells)
    assert facts == {name: 12}
