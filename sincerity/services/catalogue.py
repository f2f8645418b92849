"""§V(1) uniform catalogue: loading versions into the node and reading the one in force."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sincerity.domain.catalogue import Catalogue, CatalogueItem
from sincerity.kit.clock import legal_today
from sincerity.services.context import Services
from sincerity.store import catalogue as catalogue_store
from sincerity.store import events as event_store
from sincerity.store import files


@dataclass(frozen=True)
class CatalogueLoad:
    version: str
    items: int
    new: bool


def load_catalogue_file(services: Services, path: Path | None = None) -> CatalogueLoad:
    """Validate a catalogue file (default: the shipped one) and put its version in force."""
    source = path or files.shipped("catalogue.yaml")
    catalogue, document = files.load_model(source, Catalogue)
    document = json.loads(json.dumps(document, default=str))  # YAML dates become ISO text, as JSON keeps them
    now = services.clock.now()
    with services.db.transaction() as conn:
        new = catalogue_store.save(conn, catalogue, document, now=now)
        if new:
            event_store.append(
                conn,
                [event_store.NewEvent("catalogue:version:loaded", data={"version": catalogue.version})],
                now=now,
            )
    return CatalogueLoad(version=catalogue.version, items=len(catalogue.items), new=new)


def current_catalogue(services: Services) -> Catalogue:
    with services.db.transaction(write=False) as conn:
        return services.catalogue(conn)


def item_view(item: CatalogueItem) -> dict[str, Any]:
    """One item as the CLI and the API show it (DESIGN.md §4)."""
    return {
        "code": item.code,
        "title": item.title.en,
        "titles": {"en": item.title.en, "zh": item.title.zh},
        "area": item.area,
        "seed": item.seed,
        "subject_kind": item.subject_kind.value,
        "polarity": item.polarity.value,
        "severity": item.severity.value if item.severity else None,
        "disclosure": item.disclosure.value,
        "public_by_law": item.public_by_law,
        "display_period": item.display_period.iso() if item.display_period else None,
        "term_fact": item.term_fact,
        "earliest_repair": item.earliest_repair.iso() if item.earliest_repair else None,
        "repairable": item.repairable,
        "suspend_on_dispute": item.suspend_on_dispute,
        "dispute_answer_days": item.dispute_answer_days,
        "min_age": item.min_age,
        "legal_basis": [b.model_dump(exclude_none=True) for b in item.legal_basis],
        "providers": [p.value for p in item.providers],
        "facts_schema": item.facts_schema,
        "example": item.example,
        "in_force_from": item.in_force_from.isoformat(),
        "in_force_until": item.in_force_until.isoformat() if item.in_force_until else None,
    }


def catalogue_view(services: Services) -> dict[str, Any]:
    """The catalogue in force: version, areas and the items in force today."""
    catalogue = current_catalogue(services)
    today = legal_today(services.clock.now())
    return {
        "version": catalogue.version,
        "title": catalogue.title,
        "areas": [
            {"code": a.code, "title": a.title.en, "titles": a.title.model_dump(), "seed": a.seed}
            for a in catalogue.areas
        ],
        "items": [item_view(item) for item in catalogue.items if item.in_force(today)],
    }
