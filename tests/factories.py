"""Plain factory functions with keyword overrides (no fixtures hidden in them)."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from stdnum.cn import ric, uscc

from sincerity.domain.catalogue import Catalogue
from sincerity.domain.institutions import Institution
from sincerity.domain.records import RawRecord
from sincerity.services.catalogue import current_catalogue
from sincerity.services.context import Services
from sincerity.services.institutions import register_institution
from sincerity.store import files

# DESIGN.md §4: what `sincerity catalog list --json` and `GET /api/v1/catalog` give per item, at least.
CATALOGUE_ITEM_FIELDS = frozenset(
    {
        "code",
        "title",
        "area",
        "subject_kind",
        "polarity",
        "severity",
        "disclosure",
        "display_period",
        "min_age",
        "legal_basis",
        "facts_schema",
        "example",
    }
)


@cache
def shipped_catalogue() -> Catalogue:
    catalogue, _ = files.load_model(files.shipped("catalogue.yaml"), Catalogue)
    return catalogue


def person_number(*, county: str = "110105", born: date = date(1990, 3, 7), serial: int = 123) -> str:
    body = f"{county}{born:%Y%m%d}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def organisation_number(*, body: str = "91110000600037341") -> str:
    return body + uscc.calc_check_digit(body)


def institution(services: Services, **overrides: Any) -> Institution:
    """Register an institution (default: a department granted every item a department may give)."""
    kind = overrides.get("kind", "department")
    catalogue = current_catalogue(services)
    defaults = {
        "code": "dept-110000",
        "name": "Test department",
        "kind": kind,
        "locality": "110000",
        "items": tuple(i.code for i in catalogue.items if kind in i.providers),
    }
    return register_institution(services, Institution(**{**defaults, **overrides}))


def record(**overrides: Any) -> RawRecord:
    """A valid general administrative penalty about a person, unless overridden."""
    defaults: dict[str, Any] = {
        "ref": "R-1",
        "subject_id": person_number(),
        "subject_name": "张三",
        "item": "penalty.general",
        "decided_on": "2026-09-01",
        "decision_no": "京市监罚〔2026〕12号",
        "facts": None,
        "line": None,
    }
    values = {**defaults, **overrides}
    if values["facts"] is None:
        item = shipped_catalogue().item(values["item"])
        values["facts"] = dict(item.example) if item else {}
    return RawRecord(**values)


# A measure on an item that no list rule places: its records are read directly, not entries.
GENERAL_PENALTY_MEASURE: dict[str, Any] = {
    "code": "punish.test_general_penalty",
    "title": {"en": "A test measure on general penalties", "zh": "测试"},
    "kind": "punishment",
    "seed": "§VI(2)",
    "legal_basis": [{"law": "A test law"}],
    "issuers": ["department"],
    "implementers": ["department"],
    "triggers": [{"item": "penalty.general"}],
    "actions": ["honours"],
}


def load_measures_with(services: Services, folder: Path, *extra: dict[str, Any], version: str = "2026.7") -> None:
    """Put the shipped measures and `extra` in force as a new version."""
    import yaml

    from sincerity.services.lists import load_measures_file

    document = files.load_yaml(files.shipped("measures.yaml"))
    document["version"] = version
    document["measures"].extend(extra)
    path = folder / "measures.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    load_measures_file(services, path)
