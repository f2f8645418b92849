"""§VI(1), §VI(2): red, black and focus-supervision lists, derived from records by versioned rules.

An entry is never made by hand: a current record of an item that a rule names puts its subject
on the rule's list from the decision date until the record's display ends (NDRC Order No. 36
Arts. 7, 12). Each entry keeps its reasons: the record (id and version) and the rule (id and
version). Reads filter entries by the clock, so an entry past its end is never used even before
any sweep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sincerity.domain.catalogue import Catalogue, InstitutionKind, LegalBasis, Polarity, Severity, Titles

_Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=64)]


class ListKind(StrEnum):
    RED = "red"  # good credit, §VI(1)
    BLACK = "black"  # grave trust-breaking, §VI(2)
    FOCUS = "focus"  # focus-supervision targets, §VI(2)


class Standing(StrEnum):
    """What a tier says about a subject, and so which measures it may trigger."""

    GOOD = "good"
    NORMAL = "normal"
    WATCH = "watch"
    DISHONEST = "dishonest"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListRule(_Frozen):
    id: _Code
    version: int = Field(ge=1)
    note: str | None = None
    items: tuple[_Code, ...] = Field(min_length=1)


class ListDefinition(_Frozen):
    code: _Code
    kind: ListKind
    title: Titles
    seed: str
    legal_basis: tuple[LegalBasis, ...] = Field(min_length=1)
    rules: tuple[ListRule, ...] = Field(min_length=1)


class TierCondition(_Frozen):
    """Holds when any of its parts holds (an empty condition never holds; `always` always does)."""

    lists: tuple[_Code, ...] = ()
    negative_severities: tuple[Severity, ...] = ()
    spotless_years: int | None = Field(default=None, ge=1, le=50)
    always: bool = False


class Tier(_Frozen):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
    title: Titles
    standing: Standing
    when: TierCondition


class LinkRole(_Frozen):
    code: _Code
    title: Titles
    providers: tuple[InstitutionKind, ...] = Field(min_length=1)
    legal_basis: tuple[LegalBasis, ...] = Field(min_length=1)


class ListRules(_Frozen):
    """One version of the list rules, the management tiers and the link roles."""

    version: str = Field(pattern=r"^\d{4}\.\d{1,6}$")
    title: str
    lists: tuple[ListDefinition, ...] = Field(min_length=1)
    tiers: tuple[Tier, ...] = Field(min_length=1)
    link_roles: tuple[LinkRole, ...] = ()

    @model_validator(mode="after")
    def _check_references(self) -> ListRules:
        codes = [d.code for d in self.lists]
        if len(set(codes)) != len(codes):
            raise ValueError("list codes must be unique")
        rule_ids = [r.id for d in self.lists for r in d.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("rule ids must be unique across lists")
        names = [t.name for t in self.tiers]
        if len(set(names)) != len(names):
            raise ValueError("tier names must be unique")
        for tier in self.tiers:
            for code in tier.when.lists:
                if code not in codes:
                    raise ValueError(f"tier {tier.name} names unknown list {code!r}")
        if not self.tiers[-1].when.always:
            raise ValueError("the last tier must hold always (`when: {always: true}`): every subject has a tier")
        roles = [r.code for r in self.link_roles]
        if len(set(roles)) != len(roles):
            raise ValueError("link role codes must be unique")
        return self

    @cached_property
    def by_code(self) -> dict[str, ListDefinition]:
        return {d.code: d for d in self.lists}

    @cached_property
    def placements(self) -> dict[str, tuple[Placement, ...]]:
        """Per catalogue item, the lists a record of it places its subject on."""
        found: dict[str, list[Placement]] = {}
        for definition in self.lists:
            for rule in definition.rules:
                for item in rule.items:
                    found.setdefault(item, []).append(Placement(definition.code, rule.id, rule.version))
        return {item: tuple(p) for item, p in found.items()}

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(r.code for r in self.link_roles)

    def tier(self, name: str) -> Tier | None:
        return next((t for t in self.tiers if t.name == name), None)

    def problems_with(self, catalogue: Catalogue) -> list[str]:
        """What in these rules the catalogue does not support: unknown items, wrong polarity."""
        problems = []
        wanted = {ListKind.RED: Polarity.POSITIVE, ListKind.BLACK: Polarity.NEGATIVE, ListKind.FOCUS: Polarity.NEGATIVE}
        for definition in self.lists:
            for rule in definition.rules:
                for code in rule.items:
                    item = catalogue.item(code)
                    if item is None:
                        problems.append(
                            f"rule {rule.id} names item {code!r}, which catalogue {catalogue.version} lacks"
                        )
                    elif item.polarity is not wanted[definition.kind]:
                        problems.append(
                            f"rule {rule.id} puts {item.polarity} item {code!r} on the {definition.kind} list "
                            f"{definition.code!r}: a {definition.kind} list takes {wanted[definition.kind]} items only"
                        )
        return problems


@dataclass(frozen=True, slots=True)
class Placement:
    """A rule that puts records of an item on a list."""

    list_code: str
    rule_id: str
    rule_version: int


@dataclass(frozen=True, slots=True)
class Entry:
    """A subject on a list because of one record version, by one rule version, for a window."""

    list_code: str
    record_id: int
    record_version: int
    subject_id: int
    item_code: str
    rule_id: str
    rule_version: int
    starts_on: date
    ends_on: date | None  # exclusive; None: until the record is deleted or revoked
    disputed: bool = False  # an open dispute: still used unless its item suspends it; answers say so

    @property
    def key(self) -> str:
        """The entry's identifier in answers: its list and record."""
        return f"{self.list_code}:{self.record_id}"

    def shown_on(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day < self.ends_on)


def entries_for(
    rules: ListRules,
    *,
    record_id: int,
    record_version: int,
    subject_id: int,
    item_code: str,
    decided_on: date,
    display_until: date | None,
) -> list[Entry]:
    """The entries one record version makes (none for most items)."""
    return [
        Entry(
            p.list_code,
            record_id,
            record_version,
            subject_id,
            item_code,
            p.rule_id,
            p.rule_version,
            decided_on,
            display_until,
        )
        for p in rules.placements.get(item_code, ())
    ]


def lists_shown(entries: Iterable[Entry], day: date) -> set[str]:
    return {e.list_code for e in entries if e.shown_on(day)}
