"""Section III(2), IV(2): the shipped catalogue obeys the law it cites, and the model refuses one that does not.

Loads `sincerity/data/catalogue.yaml` through `Catalogue` and pins the legal invariants across
every item (NDRC Order No. 36 Arts. 8-12, SPC Provisions 2017 Arts. 2 and 4, Credit Reporting
Regulation Art. 14), then shows that documents breaking them are rejected.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
import yaml

import sincerity
from sincerity.domain.catalogue import (
    DISPLAY_BOUNDS,
    STORED,
    Catalogue,
    CatalogueItem,
    Disclosure,
    InstitutionKind,
    Polarity,
    Severity,
    SubjectKind,
    never_collected,
)
from sincerity.kit.durations import Duration

CATALOGUE_FILE = Path(sincerity.__file__).resolve().parent / "data" / "catalogue.yaml"

# The focus areas of seed section III(2), as area codes of the shipped catalogue.
SEED_III_2_AREAS = frozenset(
    {
        "food_drug",
        "production_safety",
        "fire_safety",
        "traffic_safety",
        "environment",
        "biosecurity",
        "product_quality",
        "taxation",
        "healthcare",
        "labour",
        "construction",
        "finance",
        "intellectual_property",
        "judicial",
        "ecommerce",
        "volunteering",
    }
)

# Professional communities of section III(2) (and those the brief adds): each has a registration
# (neutral) and a practice sanction (negative).
PROFESSIONS = (
    "lawyer",
    "physician",
    "pharmacist",
    "teacher",
    "accountant",
    "tax_agent",
    "appraiser",
    "notary",
    "fire_engineer",
    "real_estate_agent",
    "construction_engineer",
    "tour_guide",
    "security_guard",
)

COURT_LIST_PREFIXES = ("court.dishonest_debtor", "org.court.dishonest_debtor")
CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def _document() -> dict[str, Any]:
    with CATALOGUE_FILE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def document() -> dict[str, Any]:
    """A fresh, independent copy of the shipped YAML document."""
    return copy.deepcopy(_document())


@cache
def catalogue() -> Catalogue:
    return Catalogue.model_validate(_document())


def items() -> tuple[CatalogueItem, ...]:
    return catalogue().items


def raw_item(code: str) -> dict[str, Any]:
    """An independent copy of one item's dict as written in the file."""
    for entry in _document()["items"]:
        if entry["code"] == code:
            return copy.deepcopy(entry)
    raise LookupError(code)


def is_court_list(item: CatalogueItem) -> bool:
    return item.code.startswith(COURT_LIST_PREFIXES)


# --- the shipped file -------------------------------------------------------------------------


def test_the_shipped_catalogue_validates_through_the_model() -> None:
    shipped = catalogue()
    assert shipped.version == "2026.1"
    assert len(shipped.items) >= 45


def test_the_shipped_document_is_plain_json_data_for_storage() -> None:
    # The document is stored in a JSON column: no YAML dates or other non-JSON scalars.
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                assert isinstance(key, str)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        else:
            assert node is None or isinstance(node, str | int | float | bool), repr(node)

    walk(_document())


def test_item_codes_are_unique() -> None:
    codes = [entry["code"] for entry in _document()["items"]]
    assert len(codes) == len(set(codes))


def test_area_codes_are_unique_and_every_area_has_items() -> None:
    codes = [area.code for area in catalogue().areas]
    assert len(codes) == len(set(codes))
    used = {item.area for item in items()}
    assert set(codes) == used


def test_every_focus_area_of_seed_iii_2_is_present() -> None:
    assert {area.code for area in catalogue().areas} >= SEED_III_2_AREAS
    for code in SEED_III_2_AREAS:
        assert any(item.area == code for item in items()), code


def test_every_item_cites_a_legal_basis() -> None:
    for item in items():
        assert item.legal_basis, item.code
        for basis in item.legal_basis:
            assert basis.law.strip(), item.code
            assert basis.articles is None or basis.articles.startswith(("Art", "Part")), item.code


def test_every_item_and_area_names_its_seed_section() -> None:
    for item in items():
        assert re.fullmatch(r"\u00a7[IVX]+\(\d\)", item.seed), item.code
    for area in catalogue().areas:
        assert re.fullmatch(r"\u00a7[IVX]+\(\d\)", area.seed), area.code


def test_every_item_and_area_has_english_and_chinese_titles() -> None:
    for item in items():
        assert not CJK.search(item.title.en), item.code
        assert CJK.search(item.title.zh), item.code
    for area in catalogue().areas:
        assert not CJK.search(area.title.en), area.code
        assert CJK.search(area.title.zh), area.code


def test_negative_items_about_persons_are_not_public_unless_a_law_publishes_them() -> None:
    for item in items():
        if item.polarity is Polarity.NEGATIVE and item.subject_kind is SubjectKind.PERSON:
            assert item.disclosure is not Disclosure.PUBLIC or item.public_by_law, item.code


def test_only_the_court_list_is_public_by_law() -> None:
    for item in items():
        if item.public_by_law:
            assert is_court_list(item), item.code
            assert item.providers == (InstitutionKind.COURT,), item.code


def test_display_periods_fall_within_the_bounds_of_their_severity() -> None:
    for item in items():
        if item.severity is not None and item.display_period is not None:
            low, high = DISPLAY_BOUNDS[item.severity]
            assert low.approx_days() <= item.display_period.approx_days() <= high.approx_days(), item.code


def test_repairable_items_can_be_repaired_after_the_minimum_of_their_tier() -> None:
    earliest = {
        Severity.MINOR: Duration.parse("P0D"),
        Severity.GENERAL: Duration.parse("P3M"),
        Severity.SERIOUS: Duration.parse("P1Y"),
    }
    for item in items():
        if item.repairable:
            assert item.severity is not None, item.code
            assert item.earliest_repair == earliest[item.severity], item.code


def test_minor_items_are_never_public_and_display_at_most_three_months() -> None:
    minor = [item for item in items() if item.severity is Severity.MINOR]
    assert minor
    for item in minor:
        assert item.disclosure is not Disclosure.PUBLIC, item.code
        assert item.display_period is not None
        assert item.display_period.approx_days() <= Duration(months=3).approx_days(), item.code


def test_student_items_are_for_adults_only() -> None:
    students = [item for item in items() if item.code.startswith("student.") or item.area == "student"]
    assert {item.code for item in students} >= {
        "student.exam_fraud",
        "student.academic_fabrication",
        "student.loan_default",
        "student.forged_job_materials",
    }
    for item in students:
        assert item.subject_kind is SubjectKind.PERSON, item.code
        assert item.min_age == 18, item.code


def test_court_list_items_are_for_adults_only_and_not_repairable() -> None:
    court_list = [item for item in items() if is_court_list(item)]
    assert len(court_list) == 4
    for item in court_list:
        assert item.severity is Severity.SERIOUS, item.code
        assert item.disclosure is Disclosure.PUBLIC, item.code
        assert item.public_by_law, item.code
        assert not item.repairable, item.code
        assert item.earliest_repair is None, item.code
        assert not item.suspend_on_dispute, item.code
        if item.subject_kind is SubjectKind.PERSON:
            assert item.min_age == 18, item.code


def test_the_court_list_runs_two_years_unless_the_court_sets_a_longer_term() -> None:
    item = catalogue().item("court.dishonest_debtor")
    assert item is not None
    assert item.display_period == Duration(years=2)
    assert item.term_fact == "term"
    good = dict(item.example)
    for term in ("P2Y", "P5Y"):
        item.validate_facts({**good, "term": term})
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        item.validate_facts({**good, "term": "P6Y"})
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        item.validate_facts({**good, "ground": 1})


def test_ground_one_of_the_court_list_has_no_fixed_term() -> None:
    for code in ("court.dishonest_debtor.able_but_refuses", "org.court.dishonest_debtor.able_but_refuses"):
        item = catalogue().item(code)
        assert item is not None
        assert item.display_period is None
        assert item.example["ground"] == 1
        with pytest.raises(fastjsonschema.JsonSchemaValueException):
            item.validate_facts({**item.example, "ground": 2})


def test_only_court_orders_and_registrations_run_without_a_display_period() -> None:
    for item in items():
        if item.display_period is None:
            is_registration = item.polarity is Polarity.NEUTRAL and item.code.endswith(
                ("registration", "registration.basic")
            )
            assert item.providers == (InstitutionKind.COURT,) or is_registration, item.code


def test_consumption_restrictions_are_court_orders_that_are_not_public() -> None:
    for code in ("court.consumption_restriction", "org.court.consumption_restriction"):
        item = catalogue().item(code)
        assert item is not None
        assert item.providers == (InstitutionKind.COURT,)
        assert item.disclosure is Disclosure.SHARED
        assert not item.public_by_law
        assert not item.repairable


def test_every_example_satisfies_its_schema() -> None:
    for item in items():
        item.validate_facts(dict(item.example))


def test_every_facts_schema_is_closed_and_modest() -> None:
    for item in items():
        schema = item.facts_schema
        properties = schema.get("properties", {})
        assert schema.get("additionalProperties") is False, item.code
        assert set(schema.get("required", [])) <= set(properties), item.code
        assert 2 <= len(properties) <= 8, item.code


def test_no_fact_looks_like_information_never_collected() -> None:
    for item in items():
        for name in item.facts_schema.get("properties", {}):
            assert not never_collected(name), (item.code, name)
    assert not any("blood" in item.code for item in items())


def test_a_term_fact_holds_an_iso_duration_in_the_example() -> None:
    for item in items():
        if item.term_fact is not None and item.term_fact in item.example:
            assert isinstance(Duration.parse(item.example[item.term_fact]), Duration), item.code


def test_positive_and_neutral_items_carry_no_severity_and_no_repair() -> None:
    for item in items():
        if item.polarity is not Polarity.NEGATIVE:
            assert item.severity is None, item.code
            assert not item.repairable, item.code
            assert item.earliest_repair is None, item.code


def test_administrative_penalties_come_in_the_three_tiers_of_order_36() -> None:
    expected = {
        "penalty.minor": (Severity.MINOR, "P3M", "P0D"),
        "penalty.general": (Severity.GENERAL, "P1Y", "P3M"),
        "penalty.serious": (Severity.SERIOUS, "P3Y", "P1Y"),
    }
    for code, (severity, display, repair) in expected.items():
        item = catalogue().item(code)
        assert item is not None, code
        assert item.severity is severity
        assert item.disclosure is Disclosure.SHARED
        assert item.display_period == Duration.parse(display)
        assert item.earliest_repair == Duration.parse(repair)
        assert item.repairable
        assert item.suspend_on_dispute
        assert InstitutionKind.DEPARTMENT in item.providers


def test_professions_of_the_seed_have_a_registration_and_a_practice_sanction() -> None:
    for profession in PROFESSIONS:
        registration = catalogue().item(f"profession.{profession}.registration")
        sanction = catalogue().item(f"profession.{profession}.practice_sanction")
        assert registration is not None, profession
        assert sanction is not None, profession
        assert registration.polarity is Polarity.NEUTRAL
        assert registration.disclosure in (Disclosure.PUBLIC, Disclosure.SHARED)
        assert set(registration.providers) <= {
            InstitutionKind.LICENSING_BODY,
            InstitutionKind.SECTOR_ASSOCIATION,
            InstitutionKind.DEPARTMENT,
        }
        assert sanction.polarity is Polarity.NEGATIVE
        assert sanction.subject_kind is SubjectKind.PERSON


def test_grave_trust_breaking_of_seed_vi_2_is_covered() -> None:
    for code in (
        "court.dishonest_debtor",
        "court.consumption_restriction",
        "food_drug.practice_ban",
        "org.food_drug.serious_violation",
        "finance.illegal_fundraising",
        "finance.telecom_fraud_accounts",
        "taxation.evasion",
        "org.taxation.major_violation",
        "market.contract_fraud",
        "org.market.bid_collusion",
        "traffic.licence_revocation",
        "national_defence.refused_military_service",
    ):
        item = catalogue().item(code)
        assert item is not None, code
        assert item.severity is Severity.SERIOUS, code


def test_organisation_items_cover_lists_penalties_and_registration() -> None:
    expected = {
        "org.market.abnormal_operation": (Polarity.NEGATIVE, Severity.MINOR),
        "org.market.serious_illegal_dishonest": (Polarity.NEGATIVE, Severity.SERIOUS),
        "org.taxation.major_violation": (Polarity.NEGATIVE, Severity.SERIOUS),
        "org.labour.social_insurance_arrears": (Polarity.NEGATIVE, Severity.GENERAL),
        "org.penalty.general": (Polarity.NEGATIVE, Severity.GENERAL),
        "org.penalty.serious": (Polarity.NEGATIVE, Severity.SERIOUS),
        "org.registration.basic": (Polarity.NEUTRAL, None),
        "org.taxation.credit_grade_a": (Polarity.POSITIVE, None),
    }
    for code, (polarity, severity) in expected.items():
        item = catalogue().item(code)
        assert item is not None, code
        assert item.subject_kind is SubjectKind.ORGANISATION, code
        assert (item.polarity, item.severity) == (polarity, severity), code


def test_good_credit_of_seed_vi_1_is_positive_and_personal_tallies_need_authorisation() -> None:
    for code in (
        "honour.sincerity_model",
        "honour.outstanding_volunteer",
        "honour.good_credit_designation",
        "honour.association_commendation",
        "org.honour.association_commendation",
        "volunteer.service_hours",
    ):
        item = catalogue().item(code)
        assert item is not None, code
        assert item.polarity is Polarity.POSITIVE, code
        assert item.severity is None, code
    hours = catalogue().item("volunteer.service_hours")
    assert hours is not None
    assert hours.disclosure is Disclosure.AUTHORISED


def test_commitment_letters_and_training_are_neutral_and_a_breach_is_negative() -> None:
    for code in ("commitment.letter", "commitment.training", "org.commitment.letter"):
        item = catalogue().item(code)
        assert item is not None, code
        assert item.polarity is Polarity.NEUTRAL, code
    letter = catalogue().item("commitment.letter")
    assert letter is not None
    assert InstitutionKind.PLATFORM in letter.providers
    breach = catalogue().item("commitment.breach")
    assert breach is not None
    assert breach.polarity is Polarity.NEGATIVE
    assert breach.display_period == Duration(years=3)  # Order No. 36 Art. 25


def test_court_items_come_only_from_courts_and_student_items_from_schools_or_departments() -> None:
    for item in items():
        if item.code.startswith(("court.", "org.court.")):
            assert item.providers == (InstitutionKind.COURT,), item.code
        if item.code.startswith("student."):
            assert set(item.providers) & {InstitutionKind.SCHOOL, InstitutionKind.DEPARTMENT}, item.code


# --- the model refuses documents that widen the law ---------------------------------------------


def test_a_negative_person_item_made_public_is_rejected_citing_art_12() -> None:
    entry = raw_item("penalty.general")
    entry["disclosure"] = "public"
    with pytest.raises(ValueError, match=re.escape("Art. 12")):
        CatalogueItem.model_validate(entry)


def test_the_whole_document_is_rejected_when_one_person_item_is_made_public() -> None:
    doc = document()
    doc["items"][0]["disclosure"] = "public"
    with pytest.raises(ValueError, match=re.escape("Art. 12")):
        Catalogue.model_validate(doc)


def test_a_serious_item_displayed_five_years_is_rejected() -> None:
    entry = raw_item("penalty.serious")
    entry["display_period"] = "P5Y"
    with pytest.raises(ValueError, match="outside"):
        CatalogueItem.model_validate(entry)


def test_a_minor_item_displayed_six_months_is_rejected() -> None:
    entry = raw_item("penalty.minor")
    entry["display_period"] = "P6M"
    with pytest.raises(ValueError, match="outside"):
        CatalogueItem.model_validate(entry)


@pytest.mark.parametrize(
    "name", ["religion", "blood_type", "fingerprint", "medical_history", "disease", "genes", "FaceImage", "dna_sample"]
)
def test_a_facts_schema_with_never_collected_information_is_rejected(name: str) -> None:
    entry = raw_item("penalty.general")
    entry["facts_schema"]["properties"][name] = {"type": "string"}
    with pytest.raises(ValueError, match="never collected"):
        CatalogueItem.model_validate(entry)


@pytest.mark.parametrize("name", ["general_manager", "surface_area", "interface", "generated_on", "bloodline_free"])
def test_fact_names_are_matched_by_whole_words_not_substrings(name: str) -> None:
    entry = raw_item("penalty.general")
    entry["facts_schema"]["properties"][name] = {"type": "string"}
    CatalogueItem.model_validate(entry)


def test_an_item_without_a_legal_basis_is_rejected() -> None:
    entry = raw_item("penalty.general")
    del entry["legal_basis"]
    with pytest.raises(ValueError, match="legal_basis"):
        CatalogueItem.model_validate(entry)
    entry["legal_basis"] = []
    with pytest.raises(ValueError, match="legal_basis"):
        CatalogueItem.model_validate(entry)


def test_an_item_in_an_unknown_area_is_rejected() -> None:
    doc = document()
    doc["items"][0]["area"] = "astrology"
    with pytest.raises(ValueError, match="unknown area"):
        Catalogue.model_validate(doc)


def test_a_repeated_item_code_is_rejected() -> None:
    doc = document()
    doc["items"].append(copy.deepcopy(doc["items"][0]))
    with pytest.raises(ValueError, match="appears twice"):
        Catalogue.model_validate(doc)


def test_an_example_that_breaks_its_schema_is_rejected() -> None:
    entry = raw_item("penalty.general")
    entry["example"]["amount_yuan"] = -1
    with pytest.raises(ValueError, match="example does not satisfy"):
        CatalogueItem.model_validate(entry)


def test_a_stored_document_compiles_each_schema_on_first_use_and_checks_the_same() -> None:
    """Read back from the store (checked whole when it was loaded), a catalogue compiles no
    facts schema up front; each compiles when its facts are first checked, to the same verdicts."""
    stored = Catalogue.model_validate(_document(), context=STORED)
    assert not any("validate_facts" in item.__dict__ for item in stored.items)
    penalty = stored.item("penalty.general")
    assert penalty is not None
    penalty.validate_facts(dict(penalty.example))
    assert "validate_facts" in penalty.__dict__
    with pytest.raises(fastjsonschema.JsonSchemaValueException, match="amount_yuan"):
        penalty.validate_facts({**penalty.example, "amount_yuan": -1})
    checked = catalogue().item("penalty.general")
    assert checked is not None
    assert "validate_facts" in checked.__dict__  # a file's load compiles them all
    assert stored.model_dump() == catalogue().model_dump()


def test_a_stored_document_is_still_checked_for_everything_but_the_compile() -> None:
    entry = raw_item("court.dishonest_debtor")
    entry["term_fact"] = "duration"
    with pytest.raises(ValueError, match="term_fact"):
        CatalogueItem.model_validate(entry, context=STORED)


def test_an_unknown_key_in_an_item_is_rejected() -> None:
    entry = raw_item("penalty.general")
    entry["score"] = 350
    with pytest.raises(ValueError, match="score"):
        CatalogueItem.model_validate(entry)


def test_a_positive_item_with_a_severity_is_rejected() -> None:
    entry = raw_item("honour.sincerity_model")
    entry["severity"] = "minor"
    with pytest.raises(ValueError, match="only negative items have a severity"):
        CatalogueItem.model_validate(entry)


def test_a_term_fact_missing_from_the_schema_is_rejected() -> None:
    entry = raw_item("court.dishonest_debtor")
    entry["term_fact"] = "duration"
    with pytest.raises(ValueError, match="term_fact"):
        CatalogueItem.model_validate(entry)


def test_a_positive_item_without_a_display_period_is_rejected() -> None:
    entry = raw_item("honour.sincerity_model")
    entry["display_period"] = None
    with pytest.raises(ValueError, match="needs a display period"):
        CatalogueItem.model_validate(entry)
