"""§III(2), §IV(2), §IV(3): what makes a submitted record acceptable, and its display window.

`RowValidator` is the per-row gate of ingestion: a valid subject number and name, an item in
force, a provider authorised for the item, facts valid against the item's schema, a decision
date not in the future, the item's minimum age met at the decision date, and a display window
that has not already ended. It returns a `RecordDraft` or a `Rejection` with the reason;
it never raises for bad input. Pure: `today` and the content hasher are handed in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

import fastjsonschema
import orjson

from sincerity.domain.catalogue import Catalogue, CatalogueItem, SubjectKind
from sincerity.domain.identity import Identity, InvalidSubjectNumberError, age_on, normalise_name, parse_number
from sincerity.kit.durations import Duration

MAX_REF = 128
MAX_DECISION_NO = 128
MAX_NAME = 100
_IDENTITY_CACHE_LIMIT = 200_000


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as submitted, before validation (from a file row or an API item)."""

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
    birth_date: str | None
    sex: str | None
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
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return int(number) if number.is_integer() and "." not in text else number
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


class RowValidator:
    """Validates rows for one provider against one catalogue version on one day."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        granted_items: frozenset[str],
        provider: str,
        today: date,
        content_hasher: Callable[[bytes], bytes],
    ) -> None:
        self.catalogue = catalogue
        self.granted = granted_items
        self.provider = provider
        self.today = today
        self._hash = content_hasher
        self._identities: dict[str, Identity | str] = {}
        self._names: dict[str, str] = {}
        self._masks: dict[str, str] = {}
        self._windows: dict[tuple[str, date, object], date | None] = {}

    def identity(self, raw_number: str) -> Identity | str:
        """The parsed number, or the reason it is invalid (cached: subjects recur in a file)."""
        cached = self._identities.get(raw_number)
        if cached is not None:
            return cached
        result: Identity | str
        try:
            result = parse_number(raw_number, today=self.today)
        except InvalidSubjectNumberError as exc:
            result = exc.message
        if len(self._identities) >= _IDENTITY_CACHE_LIMIT:
            self._identities.clear()
        self._identities[raw_number] = result
        return result

    def _masked(self, identity: Identity) -> str:
        masked = self._masks.get(identity.number)
        if masked is None:
            if len(self._masks) >= _IDENTITY_CACHE_LIMIT:
                self._masks.clear()
            masked = self._masks[identity.number] = identity.masked()
        return masked

    def _name(self, raw_name: str) -> str:
        name = self._names.get(raw_name)
        if name is None:
            if len(self._names) >= _IDENTITY_CACHE_LIMIT:
                self._names.clear()
            name = self._names[raw_name] = normalise_name(raw_name)
        return name

    def _window(self, item: CatalogueItem, decided_on: date, facts: Mapping[str, Any]) -> date | None:
        """`display_until`, remembered: a file holds many records of one item on one day."""
        key = (item.code, decided_on, facts.get(item.term_fact) if item.term_fact else None)
        if key not in self._windows:
            if len(self._windows) >= _IDENTITY_CACHE_LIMIT:
                self._windows.clear()
            self._windows[key] = display_until(item, decided_on, facts)
        return self._windows[key]

    def validate(self, raw: RawRecord) -> RecordDraft | Rejection:
        def reject(reason: str) -> Rejection:
            return Rejection(raw.line, raw.ref if isinstance(raw.ref, str) else "", reason)

        ref = raw.ref.strip() if isinstance(raw.ref, str) else ""
        if not ref:
            return reject("ref is missing: every record needs the provider's own unique reference")
        if len(ref) > MAX_REF:
            return reject(f"ref is longer than {MAX_REF} characters")
        item = self.catalogue.item(raw.item) if isinstance(raw.item, str) else None
        if item is None:
            return reject(f"item {raw.item!r} is not in catalogue {self.catalogue.version}: nothing outside it is recorded")
        if not item.in_force(self.today):
            return reject(f"item {item.code!r} is not in force on {self.today.isoformat()}")
        if item.code not in self.granted:
            return reject(
                f"provider {self.provider!r} is not authorised to submit {item.code!r} (legal-basis gate, §IV(2))"
            )
        if not isinstance(raw.subject_id, str) or not raw.subject_id.strip():
            return reject("subject_id is missing")
        identity = self.identity(raw.subject_id)
        if isinstance(identity, str):
            return reject(f"subject_id: {identity}")
        if identity.kind is not item.subject_kind:
            wanted = "a resident ID number" if item.subject_kind is SubjectKind.PERSON else "a unified social credit code"
            return reject(f"item {item.code!r} is about a {item.subject_kind.value}: subject_id must be {wanted}")
        name = self._name(raw.subject_name) if isinstance(raw.subject_name, str) else ""
        if not name:
            return reject("subject_name is missing")
        if len(name) > MAX_NAME:
            return reject(f"subject_name is longer than {MAX_NAME} characters")
        decision_no = raw.decision_no.strip() if isinstance(raw.decision_no, str) else ""
        if not decision_no:
            return reject("decision_no is missing: every record rests on a written decision")
        if len(decision_no) > MAX_DECISION_NO:
            return reject(f"decision_no is longer than {MAX_DECISION_NO} characters")
        try:
            decided_on = date.fromisoformat(raw.decided_on)
        except (TypeError, ValueError):
            return reject(f"decided_on {raw.decided_on!r} is not an ISO date (YYYY-MM-DD)")
        if decided_on > self.today:
            return reject(f"decided_on {decided_on.isoformat()} is in the future")
        if item.min_age is not None and identity.birth_date is not None:
            age = age_on(identity.birth_date, decided_on)
            if age < item.min_age:
                return reject(
                    f"the subject was {age} on {decided_on.isoformat()}; {item.code!r} applies only from age {item.min_age}"
                )
        facts = raw.facts
        if isinstance(facts, FactCells):
            facts = facts_from_columns(item, facts)
        elif isinstance(facts, str | bytes):
            try:
                facts = orjson.loads(facts)
            except orjson.JSONDecodeError:
                return reject("facts is not valid JSON")
        if not isinstance(facts, dict):
            return reject("facts must be a JSON object")
        try:
            item.validate_facts(facts)
        except fastjsonschema.JsonSchemaValueException as exc:
            return reject(f"facts: {_schema_message(exc)}")
        try:
            until = self._window(item, decided_on, facts)
        except ValueError as exc:
            return reject(f"facts.{item.term_fact}: {exc}")
        if until is not None and until <= self.today:
            return reject(
                f"display period of {item.code!r} ended on {until.isoformat()}: expired information is not recorded"
            )
        facts_json = orjson.dumps(facts, option=orjson.OPT_SORT_KEYS).decode()
        content = "\x1f".join(
            (identity.number, name, item.code, decided_on.isoformat(), decision_no, facts_json)
        ).encode()
        birth = identity.birth_date
        return RecordDraft(
            raw.line,
            ref,
            identity.number,
            identity.kind.value,
            birth.isoformat() if birth else None,
            identity.sex,
            self._masked(identity),
            name,
            item.code,
            decided_on.isoformat(),
            decision_no,
            facts_json,
            self._hash(content),
            until.isoformat() if until else None,
        )


def _schema_message(exc: Any) -> str:
    """fastjsonschema says `data.amount must be bigger than or equal to 0`; we say `amount …`."""
    message = str(exc.message)
    if message.startswith("data."):
        return message[5:]
    if message.startswith("data "):
        return message[5:]
    return message
