"""§III(2), §IV(2), §IV(3): what makes a submitted record acceptable, and its display window.

`RowValidator` is the per-row gate of ingestion: a valid subject number and name, an item in
force, a provider authorised for the item, facts valid against the item's schema, a decision
date not in the future, the item's minimum age met at the decision date, and a display window
that has not already ended. It returns a `RecordDraft` or a `Rejection` with the reason;
it never raises for bad input. Pure: `today` and the content hasher are handed in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import fastjsonschema
import orjson

from sincerity.domain.catalogue import Catalogue, CatalogueItem, SubjectKind
from sincerity.domain.identity import InvalidSubjectNumberError, age_on, normalise_name, parse_number
from sincerity.kit.durations import Duration

MAX_REF = 128
MAX_DECISION_NO = 128
MAX_NAME = 100
_CACHE_LIMIT = 200_000
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what JSON writers (orjson) represent exactly
# Control characters have no place in a reference, a name or a decision number, and PostgreSQL
# cannot store NUL at all: refused in every text field, facts included (as JSON escapes).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSET: Any = object()


class RawRecord(NamedTuple):
    """One record as submitted, before validation (from a file row or an API item).

    The readers guarantee every field but `facts` is text; `facts` may be anything. A named
    tuple, because a bulk file makes millions of them."""

    ref: str
    subject_id: str
    subject_name: str
    item: str
    decided_on: str
    decision_no: str
    facts: Any
    line: int | None = None


class FactCells(dict[str, str]):
    """Facts given as `facts.*` CSV cells: still text, typed by the item's schema on validation."""


class RecordDraft(NamedTuple):
    """A validated record, ready to be stored; plain values (dates as ISO text) so that a
    validating process can hand thousands to the writing one cheaply."""

    line: int | None
    ref: str
    number: str  # normalised subject number; sealed before it is stored
    kind: str
    masked: str
    subject_name: str
    item: str
    decided_on: str
    decision_no: str
    facts_json: str
    content_hash: bytes
    display_until: str | None


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int | None
    ref: str
    reason: str


def display_until(item: CatalogueItem, decided_on: date, facts: Mapping[str, Any]) -> date | None:
    """Last day of display (exclusive end), counted from the decision date (Order No. 36 Art. 7).

    A penalty with its own term is displayed at least that long; an item without a display
    period (court list, ground 1) is displayed until it is deleted, so it has no end date here.
    """
    if item.display_period is None:
        return None
    period = item.display_period
    if item.term_fact and isinstance(facts.get(item.term_fact), str):
        term = Duration.parse(facts[item.term_fact])
        if term.approx_days() > period.approx_days():
            period = term
    return period.after(decided_on)


def facts_from_columns(item: CatalogueItem, columns: Mapping[str, str]) -> dict[str, Any]:
    """Facts given as `facts.*` CSV columns: empty cells are absent, values typed by the schema."""
    properties = item.facts_schema.get("properties", {})
    facts: dict[str, Any] = {}
    for name, text in columns.items():
        if text == "":
            continue
        kind = properties.get(name, {}).get("type")
        facts[name] = _typed(text, kind)
    return facts


def _typed(text: str, kind: Any) -> Any:
    """A cell typed as its schema says; what does not fit a JSON number stays text, so the schema
    check rejects it with the field's name (no NaN, no infinity, nothing beyond 64 bits)."""
    try:
        if kind == "integer":
            integer = int(text)
            return integer if _INT_MIN <= integer <= _INT_MAX else text
        if kind == "number":
            number = float(text)
            if not math.isfinite(number):
                return text
            if number.is_integer() and "." not in text and "e" not in text.lower():
                integer = int(text)
                return integer if _INT_MIN <= integer <= _INT_MAX else text
            return number
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered in ("true", "1", "yes"):
                return True
            if lowered in ("false", "0", "no"):
                return False
        if kind in ("array", "object"):
            return orjson.loads(text)
    except (ValueError, orjson.JSONDecodeError):
        return text  # left as text: the schema check reports the wrong type with the field's name
    return text


class _Subject(NamedTuple):
    """What the gate needs of a valid subject number, computed once per distinct input."""

    number: str
    kind: SubjectKind
    kind_value: str
    birth_date: date | None  # for the age rules; never stored
    masked: str


class _Memo(dict[Any, Any]):
    """A dict that forgets everything when it grows past its limit (inputs repeat locally)."""

    def remember(self, key: Any, value: Any) -> Any:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[key] = value
        return value


class RowValidator:
    """Validates rows for one provider against one catalogue version on one day.

    Bulk files repeat subjects, names, items and dates from row to row, so every check on
    those is made once per distinct input and remembered: per row, what remains is the facts
    schema, the canonical form of the facts and the content hash.

    `check` is the gate itself: every rule in turn, in the order their reasons take
    precedence. `validate` first tries a short path for the common row, valid and made of a
    subject, name, item and date that pass the rules for each alone (checked once per distinct
    input; the display window it computes itself when it has not met it); it only confirms,
    and anything it cannot confirm goes to `check`, which gives the answer (a property test
    holds the two equal).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        granted_items: frozenset[str],
        provider: str,
        provider_kind: str,
        today: date,
        content_hasher: Callable[[bytes], bytes],
    ) -> None:
        self.catalogue = catalogue
        self.granted = granted_items
        self.provider = provider
        self.provider_kind = provider_kind
        self.today = today
        self._hash = content_hasher
        self._items = _Memo()
        self._subjects = _Memo()
        self._names = _Memo()
        self._dates = _Memo()
        self._windows = _Memo()
        # What passed, for the short path: item by code, subject by (number, name) as written,
        # date by its text (each admitted by the short path), display window by (item, date, term).
        self._good_items = _Memo()
        self._good_subjects = _Memo()
        self._good_dates = _Memo()
        self._good_windows = _Memo()

    def _item(self, code: Any) -> CatalogueItem | str:
        """The item for `code` if this provider may submit it today, else why not."""
        item = self.catalogue.item(code.strip()) if isinstance(code, str) else None
        if item is None:
            return f"item {code!r} is not in catalogue {self.catalogue.version}: nothing outside it is recorded"
        if not item.in_force(self.today):
            return f"item {item.code!r} is not in force on {self.today.isoformat()}"
        if item.code not in self.granted:
            return f"provider {self.provider!r} is not authorised to submit {item.code!r} (legal-basis gate, §IV(2))"
        if self.provider_kind not in item.providers:
            # A grant made under an earlier catalogue that no longer names this kind of provider.
            allowed = ", ".join(p.value for p in item.providers)
            return (
                f"catalogue {self.catalogue.version} lets only {allowed} provide {item.code!r}, "
                f"not a {self.provider_kind} (legal-basis gate, §IV(2))"
            )
        return item

    def _subject(self, raw_number: str) -> _Subject | str:
        if not raw_number.strip():
            return "subject_id is missing"
        try:
            identity = parse_number(raw_number, today=self.today)
        except InvalidSubjectNumberError as exc:
            return f"subject_id: {exc.message}"
        return _Subject(identity.number, identity.kind, identity.kind.value, identity.birth_date, identity.masked())

    def _date(self, text: Any) -> date | str:
        try:
            decided_on = date.fromisoformat(text.strip())
        except (AttributeError, TypeError, ValueError):
            return f"decided_on {text!r} is not an ISO date (YYYY-MM-DD)"
        if decided_on > self.today:
            return f"decided_on {decided_on.isoformat()} is in the future"
        return decided_on

    def validate(self, raw: RawRecord) -> RecordDraft | Rejection:
        """A draft of `raw`, or why it is refused (exactly what `check` answers)."""
        ref = raw.ref.strip()
        decision_no = raw.decision_no.strip()
        item = self._good_items.get(raw.item) or self._admit_item(raw.item)
        subject_and_name = self._good_subjects.get((raw.subject_id, raw.subject_name)) or self._admit_subject(
            raw.subject_id, raw.subject_name
        )
        day = self._good_dates.get(raw.decided_on) or self._admit_date(raw.decided_on)
        if (
            item is None
            or subject_and_name is None
            or day is None
            or subject_and_name[0].kind is not item.subject_kind
            or not ref
            or not decision_no
            or len(ref) > MAX_REF
            or len(decision_no) > MAX_DECISION_NO
            or _CONTROL.search(ref)
            or _CONTROL.search(decision_no)
        ):
            return self.check(raw)
        decided_on, decided_iso = day
        known, name = subject_and_name
        birth = known.birth_date
        if birth is not None and (
            decided_on < birth or (item.min_age is not None and age_on(birth, decided_on) < item.min_age)
        ):
            return self.check(raw)
        facts = raw.facts
        if isinstance(facts, str):
            try:
                facts = orjson.loads(facts)
            except orjson.JSONDecodeError:
                return self.check(raw)
        elif isinstance(facts, FactCells):
            facts = facts_from_columns(item, facts)
        if type(facts) is not dict:
            return self.check(raw)
        if not item.confirm_facts(facts):
            return self.check(raw)
        term = facts.get(item.term_fact) if item.term_fact else None
        window_key = (item.code, decided_on, term)
        until = self._good_windows.get(window_key, _UNSET)
        if until is _UNSET:
            # A window not met yet (one row in ten, dates being many): the one `check` computes,
            # kept if it has not ended; `check` says why not otherwise.
            ends = self._window(item, decided_on, facts, window_key)
            if isinstance(ends, str):
                return self.check(raw)
            until = self._good_windows.remember(window_key, ends.isoformat() if ends else None)
        try:
            facts_json = orjson.dumps(facts, option=orjson.OPT_SORT_KEYS).decode()
        except orjson.JSONEncodeError:
            return self.check(raw)
        if "\\u0000" in facts_json:
            return self.check(raw)
        return self._draft(raw, ref, known, name, item, decided_iso, decision_no, facts_json, until)

    # A subject, item or date met for the first time is admitted to the short path by the very
    # rules `check` applies to it alone (it costs 14 µs to read a number; `check` took 80 µs a row,
    # and in a bulk file one row in ten brings a new subject). Whether it fits the rest of the row
    # is still the short path's to confirm.

    def _admit_item(self, code: Any) -> CatalogueItem | None:
        item = self._known_item(code)
        return None if isinstance(item, str) else self._good_items.remember(code, item)

    def _admit_subject(self, number: str, written_name: str) -> tuple[_Subject, str] | None:
        subject = self._known_subject(number)
        if isinstance(subject, str):
            return None
        name = self._known_name(written_name)
        if not name or len(name) > MAX_NAME or _CONTROL.search(name):
            return None
        return self._good_subjects.remember((number, written_name), (subject, name))  # type: ignore[no-any-return]

    def _admit_date(self, text: str) -> tuple[date, str] | None:
        decided_on = self._known_date(text)
        if isinstance(decided_on, str):
            return None
        return self._good_dates.remember(text, (decided_on, decided_on.isoformat()))  # type: ignore[no-any-return]

    # Each check on one field, made once per distinct input: the value, or why it is refused.

    def _known_item(self, code: Any) -> CatalogueItem | str:
        return self._items.get(code) or self._items.remember(code, self._item(code))  # type: ignore[no-any-return]

    def _known_subject(self, number: str) -> _Subject | str:
        return self._subjects.get(number) or self._subjects.remember(number, self._subject(number))  # type: ignore[no-any-return]

    def _known_name(self, written: str) -> str:
        name = self._names.get(written)
        return name if name is not None else self._names.remember(written, normalise_name(written))  # type: ignore[no-any-return]

    def _known_date(self, text: str) -> date | str:
        return self._dates.get(text) or self._dates.remember(text, self._date(text))  # type: ignore[no-any-return]

    def check(self, raw: RawRecord) -> RecordDraft | Rejection:
        """Every rule in turn; the first that fails gives the reason."""
        ref = raw.ref.strip()
        if not ref:
            return self._reject(raw, "ref is missing: every record needs the provider's own unique reference")
        if len(ref) > MAX_REF:
            return self._reject(raw, f"ref is longer than {MAX_REF} characters")
        if _CONTROL.search(ref):
            return self._reject(raw, "ref contains a control character")
        item = self._known_item(raw.item)
        if isinstance(item, str):
            return self._reject(raw, item)
        subject = self._known_subject(raw.subject_id)
        if isinstance(subject, str):
            return self._reject(raw, subject)
        if subject.kind is not item.subject_kind:
            wanted = (
                "a resident ID number" if item.subject_kind is SubjectKind.PERSON else "a unified social credit code"
            )
            return self._reject(
                raw, f"item {item.code!r} is about a {item.subject_kind.value}: subject_id must be {wanted}"
            )
        name = self._known_name(raw.subject_name)
        if not name:
            return self._reject(raw, "subject_name is missing")
        if len(name) > MAX_NAME:
            return self._reject(raw, f"subject_name is longer than {MAX_NAME} characters")
        if _CONTROL.search(name):
            return self._reject(raw, "subject_name contains a control character")
        decision_no = raw.decision_no.strip()
        if not decision_no:
            return self._reject(raw, "decision_no is missing: every record rests on a written decision")
        if len(decision_no) > MAX_DECISION_NO:
            return self._reject(raw, f"decision_no is longer than {MAX_DECISION_NO} characters")
        if _CONTROL.search(decision_no):
            return self._reject(raw, "decision_no contains a control character")
        decided_on = self._known_date(raw.decided_on)
        if isinstance(decided_on, str):
            return self._reject(raw, decided_on)
        if subject.birth_date is not None and decided_on < subject.birth_date:
            return self._reject(raw, f"decided_on {decided_on.isoformat()} is before the subject was born")
        if item.min_age is not None and subject.birth_date is not None:
            age = age_on(subject.birth_date, decided_on)
            if age < item.min_age:
                return self._reject(
                    raw,
                    f"the subject was {age} on {decided_on.isoformat()}; "
                    f"{item.code!r} applies only from age {item.min_age}",
                )
        facts = raw.facts
        if isinstance(facts, FactCells):
            facts = facts_from_columns(item, facts)
        elif isinstance(facts, str | bytes):
            try:
                facts = orjson.loads(facts)
            except orjson.JSONDecodeError:
                return self._reject(raw, "facts is not valid JSON")
        if not isinstance(facts, dict):
            return self._reject(raw, "facts must be a JSON object")
        try:
            item.validate_facts(facts)
        except fastjsonschema.JsonSchemaValueException as exc:
            return self._reject(raw, f"facts: {_schema_message(exc)}")
        term = facts.get(item.term_fact) if item.term_fact else None
        window_key = (item.code, decided_on, term)
        until = self._window(item, decided_on, facts, window_key)
        if isinstance(until, str):
            return self._reject(raw, until)
        try:
            facts_json = orjson.dumps(facts, option=orjson.OPT_SORT_KEYS).decode()
        except orjson.JSONEncodeError as exc:
            return self._reject(raw, f"facts cannot be stored as JSON: {exc}")
        if "\\u0000" in facts_json:
            return self._reject(raw, "facts contain a NUL character")
        decided_iso = decided_on.isoformat()
        until_iso = until.isoformat() if until else None
        if window_key not in self._good_windows:  # item, subject and date: the short path admits them itself
            self._good_windows.remember(window_key, until_iso)
        return self._draft(raw, ref, subject, name, item, decided_iso, decision_no, facts_json, until_iso)

    def _window(
        self, item: CatalogueItem, decided_on: date, facts: Mapping[str, Any], key: tuple[str, date, Any]
    ) -> date | str | None:
        """The end of the display window for this item, date and term, or why the row cannot be
        recorded (a term that is no duration, a window already ended)."""
        until: date | None = self._windows.get(key, _UNSET)
        if until is _UNSET:
            try:
                until = self._windows.remember(key, display_until(item, decided_on, facts))
            except (ValueError, OverflowError) as exc:
                return f"facts.{item.term_fact}: {exc}"
        if until is not None and until <= self.today:
            return f"display period of {item.code!r} ended on {until.isoformat()}: expired information is not recorded"
        return until

    def _draft(
        self,
        raw: RawRecord,
        ref: str,
        subject: _Subject,
        name: str,
        item: CatalogueItem,
        decided_iso: str,
        decision_no: str,
        facts_json: str,
        until_iso: str | None,
    ) -> RecordDraft:
        # The name is not part of a record's content: it belongs to the subject, where a name that
        # disagrees is flagged for review; a new spelling alone makes no new version.
        content = f"{subject.number}\x1f{item.code}\x1f{decided_iso}\x1f{decision_no}\x1f{facts_json}"
        return RecordDraft(
            raw.line,
            ref,
            subject.number,
            subject.kind_value,
            subject.masked,
            name,
            item.code,
            decided_iso,
            decision_no,
            facts_json,
            self._hash(content.encode()),
            until_iso,
        )

    @staticmethod
    def _reject(raw: RawRecord, reason: str) -> Rejection:
        return Rejection(raw.line, raw.ref if isinstance(raw.ref, str) else "", reason)


def _schema_message(exc: Any) -> str:
    """fastjsonschema says `data.amount must be bigger than or equal to 0`; we say `amount …`."""
    message = str(exc.message)
    if message.startswith("data."):
        return message[5:]
    if message.startswith("data "):
        return message[5:]
    return message
