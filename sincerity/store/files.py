"""Reading files: data files (YAML, validated at load) and bulk record files (CSV, JSON Lines).

Bulk readers yield `RawRecord`s with the line an editor shows (in a CSV the header is line 1),
or a `Rejection` for a row that cannot even be read. Problems with the file as a whole
(not UTF-8, missing or unknown columns) raise `UnusableFileError` before any row is used.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson
import yaml
from pydantic import BaseModel, ValidationError

from sincerity.domain.records import FactCells, RawRecord, Rejection
from sincerity.kit.errors import DataFileError, InvalidInputError

REQUIRED_FIELDS = ("subject_id", "subject_name", "item", "ref", "decided_on", "decision_no")
FACT_PREFIX = "facts."
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

Model = TypeVar("Model", bound=BaseModel)


class UnusableFileError(InvalidInputError):
    code = "unusable_file"


def shipped(name: str) -> Path:
    """A data file shipped inside the package (`sincerity/data/`)."""
    return Path(__file__).resolve().parent.parent / "data" / name


def load_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise DataFileError(str(path), "-", "file not found") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataFileError(str(path), "-", f"not readable YAML: {exc}") from None


def load_model(path: Path, model: type[Model]) -> tuple[Model, Any]:
    """Load and validate a YAML data file; fail with file, path and reason."""
    document = load_yaml(path)
    try:
        return model.model_validate(document), document
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _locate(document, first["loc"])
        raise DataFileError(str(path), where, first["msg"]) from None


def _locate(document: Any, loc: tuple[Any, ...]) -> str:
    """`items[3] (penalty.general).display_period` from a pydantic error location."""
    parts: list[str] = []
    node = document
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            try:
                node = node[key]
                if isinstance(node, dict) and "code" in node:
                    label += f" ({node['code']})"
            except (IndexError, KeyError, TypeError):
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(document)"


MARKS = 4096  # places to cut a file at, at most about this many …
MARK_EVERY = 1 << 16  # … and at least one per 64 KiB


@dataclass(frozen=True, slots=True)
class FileScan:
    """What a first pass learns about a bulk file: whether it is text, how many lines, and
    where it may be cut for several readers."""

    lines: int
    size: int
    quotes_balanced: bool = True  # an odd number of '"' means a quoted CSV field never closes
    # (byte offset, line number) of line starts spread through the file, each after an even
    # number of '"' in a CSV: a record starts there unless a '"' stood unquoted inside a field
    # before it (CSV allows that), which the reader of the part that ends there finds out.
    marks: tuple[tuple[int, int], ...] = ()


def scan(path: Path, fmt: str = "csv", *, block_size: int = 1 << 22) -> FileScan:
    """Check the whole file is UTF-8 before any row is used; count lines for the progress bar;
    mark where it may be cut."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise UnusableFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnusableFileError(f"{path}: is a directory") from None
    decoder = codecs.getincrementaldecoder("utf-8")()
    counter = _Counter()
    marks: list[tuple[int, int]] = []
    with handle:
        step = max(1, min(MARK_EVERY, os.fstat(handle.fileno()).st_size // MARKS))
        next_mark = step
        while block := handle.read(block_size):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line = counter.lines + block.count(b"\n", 0, exc.start) + 1
                raise UnusableFileError(f"{path}: line {line} is not UTF-8 text") from None
            counter.begin(block)
            while (found := block.find(b"\n", max(next_mark - counter.size, counter.at))) >= 0:
                counter.count(found + 1)
                if fmt == "csv" and counter.quotes % 2:
                    next_mark = counter.size + counter.at  # inside a quoted field: try the next line
                    continue
                marks.append((counter.size + counter.at, counter.line_starts + 1))
                next_mark = counter.size + counter.at + step
            counter.count(len(block))
            counter.end(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise UnusableFileError(f"{path}: the file ends inside a UTF-8 character") from None
    if counter.size == 0:
        raise UnusableFileError(f"{path}: the file is empty")
    if marks and marks[-1][0] == counter.size:
        marks.pop()  # nothing starts at the very end
    return FileScan(lines=counter.lines, size=counter.size, quotes_balanced=counter.quotes % 2 == 0, marks=tuple(marks))


_LONE_RETURN = re.compile(rb"\r(?!\n)")


class _Counter:
    """Running counts of a scan, block by block: '\\n' (lines), '"', and line breaks as a
    reader counts them ('\\n', '\\r\\n' and a lone '\\r' each end a line). A lone '\\r' is rare:
    only a block that holds one counts returns (which costs three times a search for one)."""

    def __init__(self) -> None:
        self.lines = self.quotes = self.returns = self.crlf = 0
        self.size = 0  # bytes before the current block
        self.at = 0  # counted up to here in the current block
        self._block = b""
        self._returns_counted = False
        self._ended_with_return = False

    def begin(self, block: bytes) -> None:
        self._block, self.at = block, 0
        if self._ended_with_return:  # the last block's final '\r' ends a line with or without this '\n'
            if block.startswith(b"\n"):
                self.crlf += self._returns_counted
            elif not self._returns_counted:
                self.returns += 1
        lone = _LONE_RETURN.search(block)
        self._returns_counted = lone is not None and lone.start() < len(block) - 1

    def count(self, upto: int) -> None:
        block, at = self._block, self.at
        self.lines += block.count(b"\n", at, upto)
        self.quotes += block.count(b'"', at, upto)
        if self._returns_counted:
            self.returns += block.count(b"\r", at, upto)
            self.crlf += block.count(b"\r\n", at, upto)
        self.at = upto

    def end(self, block: bytes) -> None:
        self.size += len(block)
        self._ended_with_return = block.endswith(b"\r")

    @property
    def line_starts(self) -> int:
        """Line breaks so far, as a reader counts them."""
        return self.lines + self.returns - self.crlf


@dataclass(frozen=True, slots=True)
class Window:
    """Part of a bulk file for one reader: bytes [start, end) (to the end of the file when end
    is None), starting at a line start whose number is `line`."""

    start: int
    end: int | None
    line: int


WHOLE_FILE = Window(0, None, 1)


class NotARecordBoundary(Exception):
    """A window ended inside a quoted field: the mark it ended at was not between records."""


def detect_format(path: Path, declared: str | None) -> str:
    if declared:
        if declared not in ("csv", "jsonl"):
            raise UnusableFileError(f"format must be csv or jsonl, not {declared!r}")
        return declared
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise UnusableFileError(f"{path}: cannot tell the format from the name; pass --format csv or --format jsonl")


def read_records(path: Path, fmt: str, window: Window = WHOLE_FILE) -> Generator[RawRecord | Rejection, None, None]:
    """The rows of a bulk file, or of the window of it that one reader reads: a CSV window
    after the first takes its columns from the file's header. A CSV window that ends inside a
    quoted field raises NotARecordBoundary."""
    return _read_csv(path, window) if fmt == "csv" else _read_jsonl(path, window)


class _Bounded(io.RawIOBase):
    """At most `left` more bytes of an open file."""

    def __init__(self, handle: io.BufferedReader, left: int) -> None:
        self._handle, self._left = handle, left

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()
        super().close()

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        with memoryview(buffer) as view:
            read = self._handle.readinto(view[: self._left])
        self._left -= read
        return read


def _open_window(path: Path, window: Window, newline: str | None) -> io.TextIOWrapper:
    handle = path.open("rb")
    raw: Any = handle
    if window.start:
        handle.seek(window.start)
    if window.end is not None:
        raw = io.BufferedReader(_Bounded(handle, window.end - window.start), 1 << 16)
    # A byte-order mark can only open the file; a later window reads plain UTF-8.
    return io.TextIOWrapper(raw, encoding="utf-8" if window.start else "utf-8-sig", newline=newline)


class _Columns(NamedTuple):
    """Where a CSV file keeps each field, from its header."""

    sid: int
    name: int
    item: int
    ref: int
    decided_on: int
    decision_no: int
    facts: int | None
    fact_columns: list[tuple[int, str]]
    width: int


def _csv_columns(path: Path, header: list[str]) -> _Columns:
    header = [h.strip() for h in header]
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        raise UnusableFileError(f"{path}: header lacks column(s) {', '.join(missing)}")
    fact_columns = [(i, h[len(FACT_PREFIX) :]) for i, h in enumerate(header) if h.startswith(FACT_PREFIX)]
    if "facts" not in header and not fact_columns:
        raise UnusableFileError(f"{path}: header needs a facts column (JSON) or facts.* columns")
    known = {*REQUIRED_FIELDS, "facts"}
    unknown = [h for h in header if h not in known and not h.startswith(FACT_PREFIX)]
    if unknown:
        raise UnusableFileError(f"{path}: unexpected column(s) {', '.join(unknown)}")
    if len(set(header)) != len(header):
        raise UnusableFileError(f"{path}: a column name appears twice in the header")
    i_sid, i_name, i_item, i_ref, i_dec, i_no = (header.index(f) for f in REQUIRED_FIELDS)
    i_facts = header.index("facts") if "facts" in header else None
    return _Columns(i_sid, i_name, i_item, i_ref, i_dec, i_no, i_facts, fact_columns, len(header))


def _csv_header(path: Path, reader: Any) -> list[str]:
    try:
        return list(next(reader))
    except StopIteration:
        raise UnusableFileError(f"{path}: the file has no header") from None
    except csv.Error as exc:
        raise UnusableFileError(f"{path}: line 1: {exc}; nothing was read") from None


def _read_csv(path: Path, window: Window) -> Generator[RawRecord | Rejection, None, None]:
    if window.start:
        with _open_window(path, WHOLE_FILE, newline="") as whole:
            columns = _csv_columns(path, _csv_header(path, csv.reader(whole, strict=True)))
    with _open_window(path, window, newline="") as handle:
        reader = csv.reader(handle, strict=True)
        if not window.start:
            columns = _csv_columns(path, _csv_header(path, reader))
        i_sid, i_name, i_item, i_ref, i_dec, i_no, i_facts, fact_columns, width = columns
        before = window.line - 1  # lines before this window
        previous_end = reader.line_num
        try:
            for row in reader:
                line = before + previous_end + 1
                previous_end = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != width:
                    ref = row[i_ref] if len(row) > i_ref else ""
                    yield Rejection(line, ref, f"row has {len(row)} fields; the header has {width}")
                    continue
                facts: Any
                if i_facts is not None and row[i_facts] and not row[i_facts].isspace():
                    facts = row[i_facts]
                elif fact_columns:
                    facts = FactCells({name: row[i] for i, name in fact_columns})
                else:
                    facts = "{}"
                yield RawRecord(row[i_ref], row[i_sid], row[i_name], row[i_item], row[i_dec], row[i_no], facts, line)
        except csv.Error as exc:
            # In strict mode the csv module says this only when its input ends inside a quoted
            # field: for a window that stops before the end of the file, the cut was not
            # between records.
            if window.end is not None and str(exc) == "unexpected end of data":
                raise NotARecordBoundary(f"{path}: byte {window.end} is inside a quoted field") from None
            raise UnusableFileError(
                f"{path}: line {before + previous_end + 1}: {exc}; rows before this line were read, none after it"
            ) from None


def _read_jsonl(path: Path, window: Window) -> Generator[RawRecord | Rejection, None, None]:
    allowed = {*REQUIRED_FIELDS, "facts"}
    with _open_window(path, window, newline=None) as handle:
        for line, row in _json_lines(handle, window.line):
            if isinstance(row, str):
                yield Rejection(line, "", row)
            else:
                yield record_from_mapping(row, line=line, allowed=allowed)


def _json_lines(handle: Any, first: int) -> Generator[tuple[int, dict[str, Any] | str], None, None]:
    for line, text in enumerate(handle, start=first):
        if not text.strip():
            continue
        try:
            obj = orjson.loads(text)
        except orjson.JSONDecodeError:
            yield line, "not a valid JSON object"
            continue
        yield (line, obj) if isinstance(obj, dict) else (line, "each line must be a JSON object")


def record_from_mapping(
    obj: dict[str, Any], *, line: int | None, allowed: set[str] | None = None
) -> RawRecord | Rejection:
    """A record from a JSON object (JSON Lines row or API item); unknown fields are refused."""
    allowed = allowed or {*REQUIRED_FIELDS, "facts"}
    ref = obj.get("ref")
    ref_text = ref if isinstance(ref, str) else ""
    unknown = sorted(set(obj) - allowed)
    if unknown:
        return Rejection(line, ref_text, f"unexpected field(s): {', '.join(unknown)}")
    missing = [f for f in (*REQUIRED_FIELDS, "facts") if f not in obj]
    if missing:
        return Rejection(line, ref_text, f"missing field(s): {', '.join(missing)}")
    for name in REQUIRED_FIELDS:
        if not isinstance(obj[name], str):
            return Rejection(line, ref_text, f"{name} must be a string")
    return RawRecord(
        ref=obj["ref"],
        subject_id=obj["subject_id"],
        subject_name=obj["subject_name"],
        item=obj["item"],
        decided_on=obj["decided_on"],
        decision_no=obj["decision_no"],
        facts=obj["facts"],
        line=line,
    )


def read_rows(
    path: Path, fmt: str, *, fields: tuple[str, ...], required: tuple[str, ...]
) -> Generator[tuple[int, dict[str, Any] | str], None, None]:
    """Plain rows of a CSV (with a header) or JSON Lines file: (line, mapping), or (line, reason)
    for a line that is not a row. Empty CSV cells are left out, as absent fields."""
    if fmt == "jsonl":
        with path.open(encoding="utf-8-sig") as handle:
            yield from _json_lines(handle, 1)
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise UnusableFileError(f"{path}: the file has no header") from None
        missing = [f for f in required if f not in header]
        if missing:
            raise UnusableFileError(f"{path}: header lacks column(s) {', '.join(missing)}")
        unknown = [h for h in header if h not in fields]
        if unknown:
            raise UnusableFileError(f"{path}: unexpected column(s) {', '.join(unknown)}")
        previous_end = reader.line_num
        try:
            for row in reader:
                line = previous_end + 1
                previous_end = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(header):
                    yield line, f"row has {len(row)} fields; the header has {len(header)}"
                    continue
                yield line, {name: value for name, value in zip(header, row, strict=True) if value != ""}
        except csv.Error as exc:
            raise UnusableFileError(
                f"{path}: line {previous_end + 1}: {exc}; rows before this line were read, none after it"
            ) from None
