"""Every data file shipped in `sincerity/data/` is validated at load; an unknown file fails here."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from sincerity.domain.calendar import WorkingCalendar
from sincerity.domain.catalogue import Catalogue
from sincerity.domain.lists import ListRules
from sincerity.domain.measures import MeasureSet
from sincerity.store import files

MODELS: dict[str, type[BaseModel]] = {
    "calendar.yaml": WorkingCalendar,
    "catalogue.yaml": Catalogue,
    "lists.yaml": ListRules,
    "measures.yaml": MeasureSet,
}


def test_every_shipped_data_file_loads_through_its_model() -> None:
    data = files.shipped("catalogue.yaml").parent
    shipped = sorted(p.name for p in Path(data).glob("*.yaml"))
    assert shipped, "no data files found"
    for name in shipped:
        assert name in MODELS, f"{name} has no model: add it to MODELS so that it is validated"
        files.load_model(data / name, MODELS[name])


def test_shipped_rules_and_measures_agree_with_the_shipped_catalogue() -> None:
    catalogue, _ = files.load_model(files.shipped("catalogue.yaml"), Catalogue)
    rules, _ = files.load_model(files.shipped("lists.yaml"), ListRules)
    measures, _ = files.load_model(files.shipped("measures.yaml"), MeasureSet)
    assert rules.problems_with(catalogue) == []
    assert measures.problems_with(catalogue, rules) == []
