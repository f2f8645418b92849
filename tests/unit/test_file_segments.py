"""Cutting a bulk file for several readers: the marks of the scan, the windows, and a cut that
falls inside a quoted field.

Every property compares with the one reader that reads the whole file: whatever the line
endings (`\\n`, `\\r\\n`, a lone `\\r`), quoted fields across lines, a `"` standing unquoted
inside a field (which CSV allows, and which makes a mark fall inside a quoted field), and
blocks of any size.
"""

from __future__ import annotations

import io
from itertools import pairwise
from pathlib import Path
from tempfile import TemporaryDirectory

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sincerity.domain.records import RawRecord, Rejection
from sincerity.services.validation import segments
from sincerity.store import files

HEADER = "subject_id,subject_name,item,ref,decided_on,decision_no,facts"

plain = st.text(alphabet="ab王 1", max_size=6)
literal_quote = st.builds(lambda a, b: f'x{a}"{b}', plain, plain)  # '"' unquoted inside a field: allowed
quoted = st.builds(lambda t: '"' + t.replace('"', '""') + '"', st.text(alphabet='ab,"\n\r王', max_size=8))
field = st.one_of(plain, plain, quoted, literal_quote)
row = st.lists(field, min_size=7, max_size=7).map(",".join)
ending = st.sampled_from(["\n", "\r\n", "\r"])
rows = st.lists(st.tuples(row, ending), min_size=1, max_size=40)


def _file(lines: list[tuple[str, str]], header_ending: str = "\r\n") -> bytes:
    return (HEADER + header_ending + "".join(text + end for text, end in lines)).encode()


def _lines_before(data: bytes) -> int:
    """Lines as the readers count them (a text file opened with newline='')."""
    return len(io.StringIO(data.decode(), newline="").readlines())


def _read(path: Path, window: files.Window = files.WHOLE_FILE) -> list[RawRecord | Rejection]:
    return list(files.read_records(path, "csv", window))


def _read_by_windows(path: Path, windows: list[files.Window]) -> list[RawRecord | Rejection]:
    """What the validating processes read, put together in file order; a window that runs
    into the next one is read on to the end of the file, as its reader then does."""
    out: list[RawRecord | Rejection] = []
    for window in windows:
        try:
            out.extend(_read(path, window))
        except files.NotARecordBoundary:
            out.extend(_read(path, files.Window(window.start, None, window.line)))
            break
    return out


@settings(max_examples=300, deadline=None)
@given(rows, st.integers(min_value=1, max_value=64), st.sampled_from(["csv", "jsonl"]))
def test_each_mark_is_a_line_start_with_the_number_a_reader_gives_it(
    lines: list[tuple[str, str]], block_size: int, fmt: str
) -> None:
    data = _file(lines)
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        scan = files.scan(path, fmt, block_size=block_size)
    assert scan.size == len(data)
    assert scan.lines == data.count(b"\n")
    offsets = [offset for offset, _ in scan.marks]
    assert offsets == sorted(set(offsets))
    for offset, line in scan.marks:
        assert 0 < offset < len(data)
        assert data[offset - 1 : offset] == b"\n"
        assert line == _lines_before(data[:offset]) + 1
        if fmt == "csv":
            assert data[:offset].count(b'"') % 2 == 0


@settings(max_examples=300, deadline=None)
@given(rows, st.integers(min_value=1, max_value=3))
def test_reading_the_windows_in_turn_reads_what_one_reader_reads(lines: list[tuple[str, str]], rows_each: int) -> None:
    data = _file(lines)
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        try:
            whole = _read(path)
        except files.UnusableFileError:
            return  # a file no reader can read (a '"' inside a quoted field's text): refused either way
        windows = segments(files.scan(path, block_size=7), rows_each)
        assert _read_by_windows(path, windows) == whole


json_line = st.one_of(
    st.fixed_dictionaries({"ref": st.text(alphabet='ab王"\\', max_size=4)}).map(lambda d: orjson.dumps(d).decode()),
    st.sampled_from(["", "{broken", "[1]", '{"ref": "a\\"b"}']),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(json_line, ending), min_size=1, max_size=40), st.integers(min_value=1, max_value=3))
def test_reading_json_lines_by_windows_reads_what_one_reader_reads(
    lines: list[tuple[str, str]], rows_each: int
) -> None:
    data = "".join(text + end for text, end in lines).encode()
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        path.write_bytes(data)
        whole = list(files.read_records(path, "jsonl"))
        windows = segments(files.scan(path, "jsonl", block_size=5), rows_each)
        assert [r for w in windows for r in files.read_records(path, "jsonl", w)] == whole


def test_a_window_that_ends_inside_a_quoted_field_says_so(tmp_path: Path) -> None:
    # The '"' in x"y is text (CSV allows it unquoted inside a field), so the count of '"' is
    # even after the line break inside the quoted field on the next row: a mark falls there.
    data = _file(
        [('1,x"y,a,r1,2026-01-01,n,{}', "\n"), ('2,b,a,r2,2026-01-01,n,"{\n}"', "\n"), ("3,c,a,r3,d,n,{}", "\n")]
    )
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    inside = data.index(b"{\n}") + 2
    assert (inside, 4) in files.scan(path).marks
    with pytest.raises(files.NotARecordBoundary):
        _read(path, files.Window(0, inside, 1))
    whole = _read(path)
    assert _read_by_windows(path, [files.Window(0, inside, 1), files.Window(inside, None, 4)]) == whole
    assert [r.line for r in whole] == [2, 3, 5]


def test_a_later_window_takes_its_columns_from_the_header_and_reads_plain_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"\xef\xbb\xbf" + _file([("1,a,b,r1,d,n,{}", "\r\n"), ("2,b,c,r2,d,n,{}", "\r\n")]))
    second = (path.read_bytes().index(b"2,b"), 3)
    assert second in files.scan(path).marks
    (record,) = _read(path, files.Window(second[0], None, second[1]))
    assert isinstance(record, RawRecord)
    assert (record.ref, record.subject_name, record.line) == ("r2", "b", 3)


def test_a_file_with_few_lines_is_one_segment_and_a_long_one_about_a_chunk_each(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(HEADER + "\n" + "".join(f"{i},n,a,r{i},d,n,{{}}\n" for i in range(10_000)), encoding="utf-8")
    scan = files.scan(path)
    assert segments(scan, 20_000) == [files.WHOLE_FILE]
    windows = segments(scan, 1000)
    assert 9 <= len(windows) <= 11
    assert windows[0].start == 0
    assert windows[-1].end is None
    assert all(a.end == b.start for a, b in pairwise(windows))
