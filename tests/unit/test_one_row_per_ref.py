"""The one-row-per-ref rule across readers: chunks read by several readers, each knowing only
the refs of its own part, and put in file order by `one_row_per_ref`, are what one reader gives."""

from __future__ import annotations

import hashlib
from datetime import date
from itertools import pairwise

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from sincerity.domain.records import RawRecord, RecordDraft, Rejection, RowValidator
from sincerity.services.validation import Validated, one_row_per_ref, validate_chunks
from tests.factories import person_number, shipped_catalogue

CATALOGUE = shipped_catalogue()
ITEM = next(i for i in CATALOGUE.items if i.subject_kind.value == "person" and i.min_age is None)
FACTS = orjson.dumps(dict(ITEM.example)).decode()


def _gate() -> RowValidator:
    return RowValidator(
        CATALOGUE,
        granted_items=frozenset({ITEM.code}),
        provider="p",
        provider_kind=ITEM.providers[0].value,
        today=date(2026, 11, 27),
        content_hasher=lambda data: hashlib.blake2b(data, digest_size=16).digest(),
    )


# A row: its ref (from a few, some written with spaces around), and whether the gate takes it
# (a bad date), or the reader could not read it at all (no ref to remember).
row = st.tuples(st.sampled_from(["A", "B", " A", "C ", "D"]), st.sampled_from(["good", "bad date", "unreadable"]))


def _rows(spec: list[tuple[str, str]]) -> list[RawRecord | Rejection]:
    out: list[RawRecord | Rejection] = []
    for line, (ref, kind) in enumerate(spec, start=2):
        if kind == "unreadable":
            out.append(Rejection(line, ref, "row has 3 fields; the header has 7"))
        else:
            day = "2026-02-30" if kind == "bad date" else "2026-11-20"
            out.append(RawRecord(ref, person_number(serial=line), "王芳", ITEM.code, day, f"N{line}", FACTS, line))
    return out


def _flat(chunks: list[Validated]) -> tuple[list[RecordDraft], list[Rejection]]:
    return [d for c in chunks for d in c.drafts], [r for c in chunks for r in c.rejections]


@settings(max_examples=200, deadline=None)
@given(st.lists(row, min_size=1, max_size=30), st.lists(st.integers(min_value=1, max_value=30), max_size=6))
def test_readers_of_parts_put_together_give_what_one_reader_gives(spec: list[tuple[str, str]], cuts: list[int]) -> None:
    rows = _rows(spec)
    one_reader = _flat(list(validate_chunks(rows, _gate(), chunk_size=4)))
    bounds = sorted({0, len(rows), *(c for c in cuts if c < len(rows))})
    parts = [rows[a:b] for a, b in pairwise(bounds)]
    each_part_alone = [chunk for part in parts for chunk in validate_chunks(part, _gate(), chunk_size=1 << 30)]
    assert _flat(list(one_row_per_ref(each_part_alone))) == one_reader
