"""§VI(1)–(3): the joint reward and punishment measures, and how one is decided for a subject.

A measure governs actions and applies when one of its triggers holds. Deciding it returns the
chain measure ← list entry ← record (version) ← catalogue item ← legal basis for every reason,
and names the reasons that do not count today (a grace period still running, a measure lifted
on its own) so that the answer explains itself either way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sincerity.domain.catalogue import Catalogue, InstitutionKind, LegalBasis, Polarity, Titles
from sincerity.domain.lists import Entry, ListKind, ListRules, Standing
from sincerity.domain.tiers import ShownRecord, SpotlessRun, TierResult
from sincerity.kit.durations import Duration

_Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=64)]


class MeasureKind(StrEnum):
    REWARD = "reward"
    PUNISHMENT = "punishment"
    SUPERVISION = "supervision"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Trigger(_Frozen):
    """Exactly one of: a list, a catalogue item, a tier, a spotless run of N years."""

    list: _Code | None = None
    item: _Code | None = None
    tier: str | None = None
    spotless_years: int | None = Field(default=None, ge=1, le=50)

    @model_validator(mode="after")
    def _exactly_one(self) -> Trigger:
        if sum(v is not None for v in (self.list, self.item, self.tier, self.spotless_years)) != 1:
            raise ValueError("a trigger names exactly one of list, item, tier, spotless_years")
        return self

    def view(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Action(_Frozen):
    code: _Code
    title: Titles


class Measure(_Frozen):
    code: _Code
    title: Titles
    kind: MeasureKind
    seed: str
    legal_basis: tuple[LegalBasis, ...] = Field(
        min_length=1, description="no measure without a legal basis (Basic List of Punishment Measures)"
    )
    issuers: tuple[InstitutionKind, ...] = Field(min_length=1)
    implementers: tuple[InstitutionKind, ...] = Field(min_length=1)
    triggers: tuple[Trigger, ...] = Field(min_length=1)
    actions: tuple[_Code, ...] = Field(min_length=1)
    reaches_linked_persons: bool = False
    linked_roles: tuple[_Code, ...] = ()
    grace_period: Duration = Duration()
    liftable: bool = False
    in_force_from: date = date(2016, 12, 30)
    in_force_until: date | None = None

    @field_validator("grace_period", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return Duration.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check(self) -> Measure:
        if self.reaches_linked_persons and not self.linked_roles:
            raise ValueError("a measure that reaches linked persons names the roles it reaches (linked_roles)")
        if self.linked_roles and not self.reaches_linked_persons:
            raise ValueError("linked_roles is set but reaches_linked_persons is false")
        if self.kind is not MeasureKind.REWARD and any(t.spotless_years for t in self.triggers):
            raise ValueError("only a reward may be triggered by a spotless run")
        return self

    def in_force(self, day: date) -> bool:
        return self.in_force_from <= day and (self.in_force_until is None or day < self.in_force_until)

    @cached_property
    def basis_view(self) -> list[dict[str, Any]]:
        return [b.model_dump(exclude_none=True) for b in self.legal_basis]

    @cached_property
    def trigger_lists(self) -> frozenset[str]:
        return frozenset(t.list for t in self.triggers if t.list)

    @cached_property
    def trigger_items(self) -> frozenset[str]:
        return frozenset(t.item for t in self.triggers if t.item)

    @cached_property
    def trigger_tiers(self) -> frozenset[str]:
        return frozenset(t.tier for t in self.triggers if t.tier)

    @cached_property
    def spotless_years(self) -> int | None:
        return min((t.spotless_years for t in self.triggers if t.spotless_years), default=None)


class MeasureSet(_Frozen):
    """One version of the measures, with the actions they govern."""

    version: str = Field(pattern=r"^\d{4}\.\d{1,6}$")
    title: str
    actions: tuple[Action, ...] = Field(min_length=1)
    measures: tuple[Measure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> MeasureSet:
        actions = [a.code for a in self.actions]
        if len(set(actions)) != len(actions):
            raise ValueError("action codes must be unique")
        codes = [m.code for m in self.measures]
        if len(set(codes)) != len(codes):
            raise ValueError("measure codes must be unique")
        for measure in self.measures:
            for action in measure.actions:
                if action not in actions:
                    raise ValueError(f"measure {measure.code} governs unknown action {action!r}")
        return self

    @cached_property
    def action_codes(self) -> frozenset[str]:
        return frozenset(a.code for a in self.actions)

    def governing(self, action: str, day: date) -> list[Measure]:
        """The measures in force that govern `action`, in file order."""
        return [m for m in self.measures if action in m.actions and m.in_force(day)]

    def problems_with(self, catalogue: Catalogue, rules: ListRules) -> list[str]:
        """Triggers that name what does not exist, or that would widen a measure beyond its sense:
        a reward triggered by bad credit, a punishment or supervision by good credit."""
        problems = []
        good_lists = {ListKind.RED}
        for m in self.measures:
            rewarding = m.kind is MeasureKind.REWARD
            for trigger in m.triggers:
                if trigger.list:
                    definition = rules.by_code.get(trigger.list)
                    if definition is None:
                        problems.append(f"measure {m.code}: unknown list {trigger.list!r}")
                    elif (definition.kind in good_lists) != rewarding:
                        problems.append(f"measure {m.code}: a {m.kind} cannot rest on the {definition.kind} list")
                if trigger.item:
                    item = catalogue.item(trigger.item)
                    if item is None:
                        problems.append(f"measure {m.code}: catalogue {catalogue.version} lacks item {trigger.item!r}")
                    elif item.polarity is not (Polarity.POSITIVE if rewarding else Polarity.NEGATIVE):
                        problems.append(
                            f"measure {m.code}: a {m.kind} cannot rest on {item.polarity} item {item.code!r}"
                        )
                if trigger.tier:
                    tier = rules.tier(trigger.tier)
                    allowed = {
                        MeasureKind.REWARD: {Standing.GOOD},
                        MeasureKind.PUNISHMENT: {Standing.DISHONEST},
                        MeasureKind.SUPERVISION: {Standing.WATCH, Standing.DISHONEST},
                    }[m.kind]
                    if tier is None:
                        problems.append(f"measure {m.code}: unknown tier {trigger.tier!r}")
                    elif tier.standing not in allowed:
                        problems.append(
                            f"measure {m.code}: a {m.kind} cannot rest on tier {tier.name} ({tier.standing})"
                        )
            for role in m.linked_roles:
                if role not in rules.role_codes:
                    problems.append(f"measure {m.code}: unknown link role {role!r}")
        return problems


# --- deciding a measure for one subject --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkedOrganisation:
    """An organisation the asked person is linked to, today, and what it holds."""

    subject_id: int
    masked: str
    role: str
    link_id: int
    entries: Sequence[Entry]
    records: Sequence[ShownRecord]


@dataclass(frozen=True, slots=True)
class Lift:
    """A measure lifted on its own for the reasons resting on one record."""

    measure_code: str
    record_id: int
    lifted_on: date
    by: str
    reason: str


@dataclass
class Situation:
    """What the check knows about one subject on one day: only what may be shown and used."""

    today: date
    entries: Sequence[Entry] = ()
    records: Sequence[ShownRecord] = ()
    linked: Sequence[LinkedOrganisation] = ()
    tier: TierResult | None = None
    spotless: SpotlessRun | None = None
    lifts: Mapping[tuple[str, int], Lift] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MeasureAnswer:
    code: str
    kind: MeasureKind
    applies: bool
    until: date | None
    because: list[dict[str, Any]]
    not_counted: list[dict[str, Any]]
    legal_basis: list[dict[str, Any]]

    def view(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "kind": self.kind.value,
            "applies": self.applies,
            "until": self.until.isoformat() if self.until else None,
            "because": self.because,
            "not_counted": self.not_counted,
            "legal_basis": self.legal_basis,
        }


@dataclass(frozen=True, slots=True)
class _Reason:
    starts_on: date | None
    ends_on: date | None
    record_id: int | None
    view: dict[str, Any]


def decide(measure: Measure, situation: Situation, *, catalogue: Catalogue) -> MeasureAnswer:
    """Whether `measure` applies, with every reason that counts and every one that does not."""
    reasons = _reasons(measure, situation, catalogue)
    today = situation.today
    because: list[dict[str, Any]] = []
    not_counted: list[dict[str, Any]] = []
    ends: list[date | None] = []
    for reason in reasons:
        lift = situation.lifts.get((measure.code, reason.record_id)) if reason.record_id is not None else None
        if lift is not None and lift.lifted_on <= today:
            not_counted.append(
                {
                    **reason.view,
                    "lifted": {"on": lift.lifted_on.isoformat(), "by": lift.by, "reason": lift.reason},
                }
            )
            continue
        if reason.starts_on is not None and measure.grace_period.approx_days():
            bites_on = measure.grace_period.after(reason.starts_on)
            if today < bites_on:
                not_counted.append({**reason.view, "grace_until": bites_on.isoformat()})
                continue
        because.append(reason.view)
        ends.append(reason.ends_on)
    until = None if not ends or any(e is None for e in ends) else max(e for e in ends if e is not None)
    return MeasureAnswer(measure.code, measure.kind, bool(because), until, because, not_counted, measure.basis_view)


def _record_view(
    record_id: int, version: int, item_code: str, decided_on: date, catalogue: Catalogue, disputed: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    item = catalogue.item(item_code)
    basis = item.basis_view if item else []
    record: dict[str, Any] = {
        "id": record_id,
        "version": version,
        "item": item_code,
        "decided_on": decided_on.isoformat(),
    }
    if disputed:
        record["disputed"] = True  # marked wherever it is shown (Credit Reporting Regulation Art. 25)
    return record, basis


def _item_reason(
    record_id: int,
    version: int,
    item_code: str,
    decided_on: date,
    until: date | None,
    via: dict[str, Any] | None,
    catalogue: Catalogue,
    disputed: bool,
) -> _Reason:
    record, basis = _record_view(record_id, version, item_code, decided_on, catalogue, disputed)
    view: dict[str, Any] = {
        "trigger": {"item": item_code},
        "list": None,
        "entry": None,
        "record": record,
        "until": until.isoformat() if until else None,
        "legal_basis": basis,
    }
    if via:
        view["via"] = via
    return _Reason(decided_on, until, record_id, view)


def _reasons(measure: Measure, situation: Situation, catalogue: Catalogue) -> list[_Reason]:
    found: list[_Reason] = []
    holders: list[tuple[Sequence[Entry], Sequence[ShownRecord], dict[str, Any] | None]] = [
        (situation.entries, situation.records, None)
    ]
    if measure.reaches_linked_persons:
        for org in situation.linked:
            if org.role in measure.linked_roles:
                reach: dict[str, Any] = {"organisation": org.masked, "role": org.role, "link": org.link_id}
                holders.append((org.entries, org.records, reach))
    today = situation.today
    for entries, records, via in holders:
        for entry in entries:
            if entry.list_code in measure.trigger_lists and entry.shown_on(today):
                record, basis = _record_view(
                    entry.record_id, entry.record_version, entry.item_code, entry.starts_on, catalogue, entry.disputed
                )
                view: dict[str, Any] = {
                    "trigger": {"list": entry.list_code},
                    "list": entry.list_code,
                    "entry": entry.key,
                    "rule": {"id": entry.rule_id, "version": entry.rule_version},
                    "record": record,
                    "until": entry.ends_on.isoformat() if entry.ends_on else None,
                    "legal_basis": basis,
                }
                if via:
                    view["via"] = via
                found.append(_Reason(entry.starts_on, entry.ends_on, entry.record_id, view))
        seen: set[int] = set()
        for shown in records:
            if shown.item_code in measure.trigger_items:
                seen.add(shown.id)
                found.append(
                    _item_reason(
                        shown.id,
                        shown.version,
                        shown.item_code,
                        shown.decided_on,
                        shown.display_until,
                        via,
                        catalogue,
                        shown.disputed,
                    )
                )
        # An item placed on a list has its window in the entry too: records need not be read.
        for entry in entries:
            if entry.item_code in measure.trigger_items and entry.record_id not in seen and entry.shown_on(today):
                seen.add(entry.record_id)
                found.append(
                    _item_reason(
                        entry.record_id,
                        entry.record_version,
                        entry.item_code,
                        entry.starts_on,
                        entry.ends_on,
                        via,
                        catalogue,
                        entry.disputed,
                    )
                )
    tier = situation.tier
    if tier is not None and tier.name in measure.trigger_tiers:
        found.append(_Reason(None, None, None, {"trigger": {"tier": tier.name}, "tier": tier.explain()}))
    years = measure.spotless_years
    if years is not None and situation.spotless is not None and situation.spotless.years >= years:
        found.append(
            _Reason(None, None, None, {"trigger": {"spotless_years": years}, "spotless": situation.spotless.explain()})
        )
    return found


def needs_records(measures: Sequence[Measure], placed: Collection[str]) -> bool:
    """Whether deciding these measures reads the subject's records (items, tiers, spotless runs)."""
    return bool(records_needed(measures, placed))


def records_needed(measures: Sequence[Measure], placed: Collection[str]) -> bool | tuple[str, ...]:
    """Which of the subject's records deciding these measures reads: all of them (tiers and
    spotless runs), those of trigger items that no list rule places (`placed`: items that
    are), or none: a placed item's record is read through its list entry."""
    if needs_standing(measures):
        return True
    items = sorted({code for m in measures for code in m.trigger_items} - set(placed))
    return tuple(items) if items else False


def needs_standing(measures: Sequence[Measure]) -> bool:
    return any(m.trigger_tiers or m.spotless_years for m in measures)


def needs_links(measures: Sequence[Measure]) -> bool:
    return any(m.reaches_linked_persons for m in measures)


def measure_view(measure: Measure) -> dict[str, Any]:
    """One measure as `sincerity measures list --json` and `GET /api/v1/measures` show it."""
    return {
        "code": measure.code,
        "title": measure.title.en,
        "titles": measure.title.model_dump(),
        "kind": measure.kind.value,
        "seed": measure.seed,
        "actions": list(measure.actions),
        "triggers": [t.view() for t in measure.triggers],
        "reaches_linked_persons": measure.reaches_linked_persons,
        "linked_roles": list(measure.linked_roles),
        "grace_period": measure.grace_period.iso(),
        "liftable": measure.liftable,
        "issuers": [k.value for k in measure.issuers],
        "implementers": [k.value for k in measure.implementers],
        "legal_basis": measure.basis_view,
        "in_force_from": measure.in_force_from.isoformat(),
        "in_force_until": measure.in_force_until.isoformat() if measure.in_force_until else None,
    }
