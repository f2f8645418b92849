"""Bulk files on both stores: the second-process path gives exactly what the in-process path gives."""

from __future__ import annotations

import contextlib
import csv
import json
import multiprocessing
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from sincerity.services.context import Services
from sincerity.services.ingest import IngestSummary, submit_file
from sincerity.services.validation import VALIDATOR_NICENESS
from sincerity.store import files
from tests.factories import institution, person_number, shipped_catalogue
from tests.integration.test_ingest import pick

HEADER = ["subject_id", "subject_name", "item", "ref", "decided_on", "decision_no", "facts"]


def planted_file(path: Path, code: str, facts: dict[str, object]) -> Path:
    rows = [
        [person_number(serial=i % 40), "王芳", code, f"F-{i}", "2026-06-01", f"罚〔2026〕{i}号", json.dumps(facts)]
        for i in range(300)
    ]
    rows[20][4] = "2026-02-30"
    rows[150][0] = "110105199003071"  # 15 digits
    rows[299][6] = "{broken"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def outcome(summary: IngestSummary) -> tuple[dict[str, int], list[tuple[int | None, str]]]:
    return summary.counts(), [(r.line, r.ref) for r in sorted(summary.rejections, key=lambda r: r.line or 0)]


WAYS = {"in-process": (10**9, 1), "second-process": (0, 1), "three-processes": (0, 3)}


def submit_way(services: Services, path: Path, way: str, **options: int) -> IngestSummary:
    """The file submitted by department dept-110000, validated the way `way` names."""
    from_lines, validators = WAYS[way]
    return submit_file(
        services,
        path,
        fmt="csv",
        provider="dept-110000",
        process_from_lines=from_lines,
        validators=validators,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("way", list(WAYS))
def test_a_file_gives_the_same_outcome_either_way(services: Services, tmp_path: Path, way: str) -> None:
    institution(services)
    code = pick(services)
    item = shipped_catalogue().item(code)
    assert item is not None
    path = planted_file(tmp_path / "planted.csv", code, dict(item.example))
    summary = submit_way(services, path, way, chunk_size=64)
    counts, rejected = outcome(summary)
    assert counts == {"accepted": 297, "corrected": 0, "unchanged": 0, "rejected": 3}
    assert rejected == [(22, "F-20"), (152, "F-150"), (301, "F-299")]
    again = submit_way(services, path, way)
    assert again.counts() == {"accepted": 0, "corrected": 0, "unchanged": 297, "rejected": 3}


@pytest.mark.parametrize("way", list(WAYS))
def test_a_ref_repeated_in_another_processes_chunk_is_rejected_where_a_single_reader_rejects_it(
    services: Services, tmp_path: Path, way: str
) -> None:
    """Each validating process reads only its segments; the writer keeps every ref, so a ref
    first seen in another process's segment is still 'earlier in this submission', on the
    same line, with the first row kept."""
    path = prepared(services, tmp_path / "repeats.csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[200] = lines[200].replace("F-199", "F-3", 1)  # a later segment repeats a ref of the first
    lines[101] = lines[101].replace("F-100", "F-20", 1)  # an invalid row's ref still counts as seen
    path.write_text("".join(lines), encoding="utf-8")
    summary = submit_way(services, path, way, chunk_size=10)
    assert summary.counts() == {"accepted": 295, "corrected": 0, "unchanged": 0, "rejected": 5}
    reasons = {r.line: r.reason for r in summary.rejections}
    assert "appears earlier" in reasons[201]
    assert "appears earlier" in reasons[102]
    with services.db.transaction(write=False) as conn:
        kept = conn.execute(text("SELECT decision_no FROM records WHERE ref = 'F-3'")).scalar_one()
    assert kept == "罚〔2026〕3号"


@pytest.mark.parametrize("validators", [1, 3])
def test_a_malformed_field_met_by_validating_processes_stops_at_its_line_with_the_segments_before_stored(
    services: Services, tmp_path: Path, validators: int
) -> None:
    path = prepared(services, tmp_path / "bad-quote.csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[250] = lines[250].replace("王芳", '"王"芳', 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(files.UnusableFileError, match="line 251"):
        submit_file(
            services,
            path,
            fmt="csv",
            provider="dept-110000",
            chunk_size=50,
            process_from_lines=0,
            validators=validators,
        )
    with services.db.transaction(write=False) as conn:
        stored = [int(ref[2:]) for ref in conn.execute(text("SELECT ref FROM records")).scalars()]
    # Whole segments of about 50 rows before the one holding line 251 (row 249), the two
    # planted bad rows among them left out, and nothing from that segment or after it.
    last = max(stored)
    assert 150 < last < 249
    assert sorted(stored) == [i for i in range(last + 1) if i not in (20, 150)]


def test_a_cut_that_falls_inside_a_quoted_field_is_found_and_the_rest_read_by_one_process(
    services: Services, tmp_path: Path
) -> None:
    """A '"' unquoted inside a field (CSV allows it) makes a mark fall inside a later quoted
    field that spans two lines; the reader whose segment ends there reads on to the end of the
    file, and the outcome is a single reader's."""
    path = prepared(services, tmp_path / "literal-quote.csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for at in (31, 60):  # unquoted: the '"' is part of the name (two, so that the '"' are even)
        lines[at] = lines[at].replace("王芳", '王"芳', 1)
    lines[40] = lines[40].replace(',"{', ',"{\n', 1)  # facts JSON across two lines, in a quoted field
    path.write_text("".join(lines), encoding="utf-8")
    inside = path.read_bytes().index(b"{\n") + 2
    assert inside in {offset for offset, _ in files.scan(path).marks}
    alone = submit_file(services, path, fmt="csv", provider="dept-110000", dry_run=True, process_from_lines=10**9)
    summary = submit_file(
        services, path, fmt="csv", provider="dept-110000", chunk_size=1, process_from_lines=0, validators=2
    )
    assert outcome(summary) == outcome(alone)
    assert [(r.line, r.reason) for r in summary.rejections] == [(r.line, r.reason) for r in alone.rejections]
    assert summary.accepted == 297
    assert [r.line for r in summary.rejections] == [22, 153, 302]
    with services.db.transaction(write=False) as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM records")).scalar() == 297
        name = conn.execute(text("SELECT name FROM subjects WHERE name LIKE '%\"%'")).scalar_one_or_none()
    assert name in (None, '王"芳')  # the name as written, or flagged against the registered one


def test_a_file_whose_header_is_unusable_is_refused_before_any_process_starts(
    services: Services, tmp_path: Path
) -> None:
    institution(services)
    path = tmp_path / "bad.csv"
    path.write_text("subject_id,name\n1,2\n", encoding="utf-8")
    with pytest.raises(files.UnusableFileError, match="lacks column"):
        submit_file(services, path, fmt="csv", provider="dept-110000", process_from_lines=0)


def prepared(services: Services, path: Path) -> Path:
    """A department with its grants and a planted file of one of its items."""
    institution(services)
    code = pick(services)
    item = shipped_catalogue().item(code)
    assert item is not None
    return planted_file(path, code, dict(item.example))


def test_a_quote_that_never_closes_is_refused_before_anything_is_stored(services: Services, tmp_path: Path) -> None:
    path = prepared(services, tmp_path / "quote.csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(',"{', ',"{"', 1)  # one stray quote opens a field that never closes
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(files.UnusableFileError, match="never closed"):
        submit_file(services, path, fmt="csv", provider="dept-110000")
    with services.db.transaction(write=False) as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM records")).scalar() == 0


def test_a_malformed_quoted_field_stops_the_read_at_its_line_with_whole_rows_before(
    services: Services, tmp_path: Path
) -> None:
    path = prepared(services, tmp_path / "bad-quote.csv")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[250] = lines[250].replace("王芳", '"王"芳', 1)  # balanced quotes, but text after the closing one
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(files.UnusableFileError, match="line 251"):
        submit_file(services, path, fmt="csv", provider="dept-110000", chunk_size=50, process_from_lines=10**9)


def test_validating_processes_run_below_the_writers_priority(services: Services, tmp_path: Path) -> None:
    """The writer and the store are the critical path: the validating processes take what they
    leave (VALIDATOR_NICENESS), and the outcome is the same."""
    path = prepared(services, tmp_path / "niceness.csv")
    wanted = min(19, os.getpriority(os.PRIO_PROCESS, 0) + VALIDATOR_NICENESS)
    seen: list[int] = []

    def look(_rows: int) -> None:
        for process in multiprocessing.active_children():
            if process.name.startswith("sincerity-validate") and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    seen.append(os.getpriority(os.PRIO_PROCESS, process.pid))

    summary = submit_file(
        services,
        path,
        fmt="csv",
        provider="dept-110000",
        chunk_size=5,
        process_from_lines=0,
        validators=1,
        on_chunk=look,
    )
    assert summary.counts() == {"accepted": 297, "corrected": 0, "unchanged": 0, "rejected": 3}
    assert seen
    assert set(seen) == {wanted}
