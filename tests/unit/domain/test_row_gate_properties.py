"""The row gate never raises: any row of text, any facts, any typed cell, gives a draft or a reason."""

from __future__ import annotations

import hashlib
from datetime import date

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from sincerity.domain.records import FactCells, RawRecord, RecordDraft, Rejection, RowValidator
from tests.factories import person_number, shipped_catalogue

CATALOGUE = shipped_catalogue()
CODES = [i.code for i in CATALOGUE.items]
GATE = RowValidator(
    CATALOGUE,
    granted_items=frozenset(CODES),
    provider="p",
    provider_kind="department",
    today=date(2026, 11, 27),
    content_hasher=lambda data: hashlib.blake2b(data, digest_size=16).digest(),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    ref=st.text(max_size=20),
    subject=st.sampled_from([person_number(), "", "x", "110105900307123"]) | st.text(max_size=20),
    name=st.text(max_size=10),
    item=st.sampled_from(CODES) | st.text(max_size=10),
    decided=st.dates().map(date.isoformat) | st.text(max_size=12),
    decision=st.text(max_size=10),
    facts=json_values | st.text(max_size=30),
)
def test_any_row_gives_a_draft_or_a_reason(
    ref: str, subject: str, name: str, item: str, decided: str, decision: str, facts: object
) -> None:
    result = GATE.validate(RawRecord(ref, subject, name, item, decided, decision, facts, 1))
    assert isinstance(result, RecordDraft | Rejection)


@settings(max_examples=300, deadline=None)
@given(item=st.sampled_from(CODES), cells=st.dictionaries(st.text(max_size=12), st.text(max_size=25), max_size=4))
def test_any_fact_cells_give_a_draft_or_a_reason(item: str, cells: dict[str, str]) -> None:
    catalogue_item = CATALOGUE.item(item)
    assert catalogue_item is not None
    names = list(catalogue_item.facts_schema.get("properties", {}))
    typed = FactCells({(names[i % len(names)] if names else k): v for i, (k, v) in enumerate(cells.items())})
    result = GATE.validate(RawRecord("R", person_number(), "张三", item, "2026-09-01", "N1", typed, 1))
    assert isinstance(result, RecordDraft | Rejection)


def test_numbers_json_cannot_hold_are_refused_not_stored_as_null() -> None:
    item = next(
        i
        for i in CATALOGUE.items
        if any(p.get("type") == "number" for p in i.facts_schema.get("properties", {}).values())
        and i.subject_kind.value == "person"
        and i.display_period is not None
    )
    name = next(n for n, p in item.facts_schema["properties"].items() if p.get("type") == "number")
    for bad in ("NaN", "inf", "1e400", "99999999999999999999999"):
        cells = FactCells(
            {k: orjson.dumps(v).decode() if isinstance(v, dict | list) else str(v) for k, v in item.example.items()}
        )
        cells[name] = bad
        result = GATE.validate(RawRecord("R", person_number(), "张三", item.code, "2026-09-01", "N1", cells, 1))
        assert isinstance(result, Rejection), (bad, result)
        assert name in result.reason, (bad, result.reason)


def _cell(value: object) -> str:
    return orjson.dumps(value).decode() if isinstance(value, dict | list) else str(value)
