"""§III(2), §IV(2): the closed, versioned catalogue of information items.

Nothing outside the catalogue is recorded. Each item carries its legal basis, who may provide
it, how long it is displayed (NDRC Order No. 36 (2025) Arts. 7–12), when it can be repaired,
and the JSON Schema its facts must satisfy. The model here validates a catalogue document
(loaded from YAML by `store.files`) and refuses anything that would widen the law.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

import fastjsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from sincerity.domain.facts_confirm import facts_confirmer
from sincerity.kit.durations import Duration

# Validation context for a catalogue document read back from the store: it was checked whole
# when it was loaded, so its facts schemas are not compiled again to be checked; each compiles
# on first use instead (a bulk import compiled all 88 in each of its processes: 0.5 s each).
STORED: dict[str, bool] = {"stored": True}


class SubjectKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class Polarity(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"  # registrations, commitments: neither credit nor discredit


class Severity(StrEnum):
    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"


class Disclosure(StrEnum):
    """§V(2) hierarchical management: who may see an item."""

    PUBLIC = "public"  # anyone, through the public portal
    SHARED = "shared"  # government bodies, for their duties
    AUTHORISED = "authorised"  # inquirers holding the subject's authorisation
    SUBJECT = "subject"  # only the subject


class InstitutionKind(StrEnum):
    DEPARTMENT = "department"
    COURT = "court"
    SCHOOL = "school"
    SECTOR_ASSOCIATION = "sector_association"
    LICENSING_BODY = "licensing_body"
    CREDIT_BUREAU = "credit_bureau"
    IMPLEMENTING_AGENCY = "implementing_agency"
    PLATFORM = "platform"


# Order No. 36 Art. 12: display bounds per severity (minimum, maximum).
class RepairCondition(StrEnum):
    """What a credit repair requires besides the waiting period (NDRC Order No. 36 Art. 14)."""

    OBLIGATIONS_PERFORMED = "obligations_performed"  # conduct corrected, obligations performed
    COMMITMENT_SIGNED = "commitment_signed"  # a credit commitment that the materials are true
    TRAINING_COMPLETED = "training_completed"  # credit training (§II(5)), where the rules ask for it


class PositiveAct(StrEnum):
    """The good conduct the seed names as evidence in repair (§IV(3))."""

    AGREEMENTS_HONOURED = "agreements_honoured"
    VOLUNTARY_SERVICE = "voluntary_service"
    PHILANTHROPY = "philanthropy"


DISPLAY_BOUNDS: dict[Severity, tuple[Duration, Duration]] = {
    Severity.MINOR: (Duration(), Duration(months=3)),
    Severity.GENERAL: (Duration(months=3), Duration(years=1)),
    Severity.SERIOUS: (Duration(years=1), Duration(years=3)),
}

# Credit Reporting Regulation Art. 14: never collected. A fact name is split into words
# (`blood_type` → blood, type) and refused if a word is, or begins with, one of these; whole
# words, so that `general_manager` or `surface_area` pass.
FORBIDDEN_FACT_WORDS = frozenset(
    {
        "religion",
        "religious",
        "belief",
        "faith",
        "gene",
        "genes",
        "genetic",
        "genome",
        "dna",
        "fingerprint",
        "fingerprints",
        "biometric",
        "biometrics",
        "face",
        "facial",
        "iris",
        "retina",
        "blood",
        "disease",
        "diseases",
        "illness",
        "medical",
        "diagnosis",
        "diagnoses",
        "health",
    }
)


def never_collected(name: str) -> bool:
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()  # faceImage → face_image
    return any(word in FORBIDDEN_FACT_WORDS for word in re.split(r"[^a-z0-9]+", snake) if word)


_Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$", max_length=64)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Titles(_Frozen):
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class LegalBasis(_Frozen):
    """A citation: the instrument and, where the law gives one, the article."""

    law: str = Field(min_length=3)
    articles: str | None = None
    zh: str | None = None


class Area(_Frozen):
    code: _Code
    title: Titles
    seed: str = Field(description="section of the 2016 Guiding Opinions, e.g. §III(2)")


def _duration(value: Any) -> Any:
    if isinstance(value, str):
        return Duration.parse(value)
    return value


class CatalogueItem(_Frozen):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    code: _Code
    title: Titles
    area: _Code
    seed: str
    subject_kind: SubjectKind
    polarity: Polarity
    severity: Severity | None = None
    disclosure: Disclosure
    public_by_law: bool = False
    display_period: Duration | None = Field(
        description="from the decision date; null where the law sets no term (court list ground 1) "
        "or the item lasts until cancelled (registrations)"
    )
    term_fact: str | None = Field(
        default=None, description="a fact holding the penalty's own term (ISO duration): displayed at least that long"
    )
    earliest_repair: Duration | None = None
    repairable: bool = False
    repair_conditions: tuple[RepairCondition, ...] | None = Field(
        default=None, description="this item's own repair conditions, instead of its severity's"
    )
    suspend_on_dispute: bool = False
    dispute_answer_days: int = Field(default=20, ge=1, le=60)
    min_age: int | None = Field(default=None, ge=0, le=100)
    legal_basis: tuple[LegalBasis, ...] = Field(min_length=1)
    providers: tuple[InstitutionKind, ...] = Field(min_length=1)
    facts_schema: dict[str, Any]
    example: dict[str, Any]
    in_force_from: date = date(2016, 12, 30)
    in_force_until: date | None = None

    _d = field_validator("display_period", "earliest_repair", mode="before")(_duration)

    @model_validator(mode="after")
    def _check_law(self, info: ValidationInfo) -> CatalogueItem:
        if self.polarity is Polarity.NEGATIVE:
            if self.severity is None:
                raise ValueError("a negative item needs a severity (minor, general or serious)")
            if self.display_period is not None:
                low, high = DISPLAY_BOUNDS[self.severity]
                if not low.approx_days() <= self.display_period.approx_days() <= high.approx_days():
                    raise ValueError(
                        f"display_period {self.display_period} is outside {low}–{high} for a "
                        f"{self.severity} item (NDRC Order No. 36 Art. 12)"
                    )
            if (
                self.subject_kind is SubjectKind.PERSON
                and self.disclosure is Disclosure.PUBLIC
                and not self.public_by_law
            ):
                raise ValueError(
                    "negative information about a natural person is not public unless a law publishes it "
                    "(NDRC Order No. 36 Art. 12): set disclosure to shared, or public_by_law with the law cited"
                )
            if self.repairable and self.earliest_repair is None:
                raise ValueError("a repairable item needs earliest_repair (P0D: when the liability is discharged)")
        elif self.severity is not None:
            raise ValueError("only negative items have a severity")
        if self.display_period is None and self.polarity is Polarity.POSITIVE:
            # Negative items without a term (court list, ground 1) end by deletion; neutral ones
            # (registrations) by cancellation. Good credit is always shown for a stated time.
            raise ValueError("a positive item needs a display period")
        if self.in_force_until is not None and self.in_force_until <= self.in_force_from:
            raise ValueError("in_force_until must come after in_force_from")
        self._check_schema(compile_now=not (info.context or {}).get("stored"))
        return self

    def _check_schema(self, *, compile_now: bool) -> None:
        schema = self.facts_schema
        if schema.get("type") != "object":
            raise ValueError("facts_schema must describe an object")
        for name in _property_names(schema):
            if never_collected(name):
                raise ValueError(
                    f"fact {name!r} looks like information that is never collected "
                    "(Credit Reporting Regulation Art. 14)"
                )
        if self.term_fact is not None and self.term_fact not in schema.get("properties", {}):
            raise ValueError(f"term_fact {self.term_fact!r} is not a property of facts_schema")
        if not compile_now:
            return
        try:
            validate = fastjsonschema.compile(schema)
        except fastjsonschema.JsonSchemaDefinitionException as exc:
            raise ValueError(f"facts_schema is not a valid JSON Schema: {exc}") from exc
        try:
            validate(dict(self.example))
        except fastjsonschema.JsonSchemaValueException as exc:
            raise ValueError(f"example does not satisfy facts_schema: {exc.message}") from exc
        self.__dict__["validate_facts"] = validate  # compiled once: seeds the cached_property below

    @cached_property
    def validate_facts(self) -> Callable[[Any], Any]:
        """The compiled validator for this item's facts (raises JsonSchemaValueException)."""
        return fastjsonschema.compile(self.facts_schema)

    @cached_property
    def confirm_facts(self) -> Callable[[Any], bool]:
        """Whether facts certainly satisfy the schema: in compiled code where the schema
        translates (`facts_confirm`, which may refuse more, never less), else by the schema."""
        confirm = facts_confirmer(self.facts_schema)
        if confirm is not None:
            return confirm
        validate = self.validate_facts

        def by_schema(facts: Any) -> bool:
            try:
                validate(facts)
            except fastjsonschema.JsonSchemaValueException:
                return False
            return True

        return by_schema

    def in_force(self, day: date) -> bool:
        return self.in_force_from <= day and (self.in_force_until is None or day < self.in_force_until)

    @cached_property
    def basis_view(self) -> list[dict[str, Any]]:
        """The legal basis as answers show it (made once: checks show it on every reason)."""
        return [b.model_dump(exclude_none=True) for b in self.legal_basis]


def _property_names(schema: Mapping[str, Any]) -> list[str]:
    names: list[str] = []
    for key, sub in (schema.get("properties") or {}).items():
        names.append(key)
        if isinstance(sub, Mapping):
            names.extend(_property_names(sub))
            if isinstance(sub.get("items"), Mapping):
                names.extend(_property_names(sub["items"]))
    return names


def _conditions_default() -> dict[Severity, tuple[RepairCondition, ...]]:
    both = (RepairCondition.OBLIGATIONS_PERFORMED, RepairCondition.COMMITMENT_SIGNED)
    return {
        Severity.MINOR: both,
        Severity.GENERAL: both,
        Severity.SERIOUS: (*both, RepairCondition.TRAINING_COMPLETED),
    }


class RepairPolicy(_Frozen):
    """Repair rules common to every item of a severity; an item may name its own conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    conditions: dict[Severity, tuple[RepairCondition, ...]] = Field(default_factory=_conditions_default)
    positive_act_credit: Duration = Field(
        default=Duration(), description="how much each documented positive act shortens the waiting period"
    )
    positive_act_credit_limit: Duration = Field(default=Duration(), description="the most all acts together shorten it")
    breach_bar: Duration = Field(
        default=Duration(years=3),
        description="false repair materials or a broken commitment bar repair this long (Order No. 36 Art. 25)",
    )

    _d = field_validator("positive_act_credit", "positive_act_credit_limit", "breach_bar", mode="before")(_duration)

    @model_validator(mode="after")
    def _every_severity(self) -> RepairPolicy:
        missing = [s.value for s in Severity if s not in self.conditions]
        if missing:
            raise ValueError(f"repair conditions are missing for {', '.join(missing)}")
        for severity, conditions in self.conditions.items():
            if RepairCondition.COMMITMENT_SIGNED not in conditions:
                raise ValueError(f"{severity} repairs need a credit commitment (Order No. 36 Art. 14)")
        return self


class Catalogue(_Frozen):
    """One version of the catalogue: areas and items, codes unique."""

    version: str = Field(pattern=r"^\d{4}\.\d{1,6}$")  # fits the 16 characters the store keeps
    title: str
    areas: tuple[Area, ...] = Field(min_length=1)
    items: tuple[CatalogueItem, ...] = Field(min_length=1)
    repair: RepairPolicy = Field(default_factory=RepairPolicy)

    @model_validator(mode="after")
    def _check_references(self) -> Catalogue:
        area_codes = {a.code for a in self.areas}
        if len(area_codes) != len(self.areas):
            raise ValueError("area codes must be unique")
        seen: set[str] = set()
        for item in self.items:
            if item.code in seen:
                raise ValueError(f"item code {item.code!r} appears twice")
            seen.add(item.code)
            if item.area not in area_codes:
                raise ValueError(f"item {item.code!r} names unknown area {item.area!r}")
        return self

    @cached_property
    def by_code(self) -> dict[str, CatalogueItem]:
        return {item.code: item for item in self.items}

    def item(self, code: str) -> CatalogueItem | None:
        return self.by_code.get(code)
