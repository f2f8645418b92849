"""Reading files: data files (YAML, validated at load) and bulk record files (CSV, JSON Lines).

Bulk readers yield `RawRecord`s with the line an editor shows (in a CSV the header is line 1),
or a `Rejection` for a row that cannot even be read. Problems with the file as a whole
(not UTF-8, missing or unknown columns) raise `UnusableFileError` before any row is used.
"""

from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

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


@dataclass(frozen=True, slots=True)
class FileScan:
    """What a first pass learns about a bulk file: whether it is text, and how many lines."""

    lines: int
    size: int
    quotes_balanced: bool = True  # an odd number of '"' means a quoted CSV field never closes


def scan(path: Path) -> FileScan:
    """Check the whole file is UTF-8 before any row is used; count lines for the progress bar."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise UnusableFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnusableFileError(f"{path}: is a directory") from None
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = size = quotes = 0
    with handle:
        while block := handle.read(1 << 22):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line = lines + block.count(b"\n", 0, exc.start) + 1
                raise UnusableFileError(f"{path}: line {line} is not UTF-8 text") from None
            lines += block.count(b"\n")
            quotes += block.count(b'"')
            size += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise UnusableFileError(f"{path}: the file ends inside a UTF-8 character") from None
    if size == 0:
        raise UnusableFileError(f"{path}: the file is empty")
    return FileScan(lines=lines, size=size, quotes_balanced=quotes % 2 == 0)


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


def read_records(path: Path, fmt: str) -> Generator[RawRecord | Rejection, None, None]:
    return _read_csv(path) if fmt == "csv" else _read_jsonl(path)


def _read_csv(path: Path) -> Generator[RawRecord | Rejection, None, None]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise UnusableFileError(f"{path}: the file has no header") from None
        header = [h.strip() for h in header]
        missing = [f for f in REQUIRED_FIELDS if f not in header]
        if missing:
            raise UnusableFileError(f"{path}: header lacks column(s) {', '.join(missing)}")
        fact_columns = [(i, h[len(FACT_PREFIX) :]) for i, h in enumerate(header) if h.startswith(FACT_PREFIX)]
        has_facts_json = "facts" in header
        if not has_facts_json and not fact_columns:
            raise UnusableFileError(f"{path}: header needs a facts column (JSON) or facts.* columns")
        known = {*REQUIRED_FIELDS, "facts"}
        unknown = [h for h in header if h not in known and not h.startswith(FACT_PREFIX)]
        if unknown:
            raise UnusableFileError(f"{path}: unexpected column(s) {', '.join(unknown)}")
        if len(set(header)) != len(header):
            raise UnusableFileError(f"{path}: a column name appears twice in the header")
        index = {name: header.index(name) for name in (*REQUIRED_FIELDS, "facts") if name in header}
        i_sid, i_name, i_item, i_ref, i_dec, i_no = (index[f] for f in REQUIRED_FIELDS)
        i_facts = index.get("facts")
        width = len(header)
        previous_end = reader.line_num
        try:
            for row in reader:
                line = previous_end + 1
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
            raise UnusableFileError(
                f"{path}: line {previous_end + 1}: {exc}; rows before this line were read, none after it"
            ) from None


def _read_jsonl(path: Path) -> Generator[RawRecord | Rejection, None, None]:
    allowed = {*REQUIRED_FIELDS, "facts"}
    for line, row in read_rows(path, "jsonl", fields=(), required=()):
        yield Rejection(line, "", row) if isinstance(row, str) else record_from_mapping(row, line=line, allowed=allowed)


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
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    obj = orjson.loads(text)
                except orjson.JSONDecodeError:
                    yield line, "not a valid JSON object"
                    continue
                yield (line, obj) if isinstance(obj, dict) else (line, "each line must be a JSON object")
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
