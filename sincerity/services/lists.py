"""§VI(1)–(2): loading list rules and measures, the views of both, and the full recompute."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from sincerity.domain.lists import ListRules
from sincerity.domain.measures import MeasureSet, measure_view
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import ConfigurationError, DataFileError
from sincerity.services.context import Services
from sincerity.store import events as event_store
from sincerity.store import files, rulesets
from sincerity.store import lists as list_store

SURVEY_PARTS = 8  # at most: each part holds a pooled connection for the whole scan


@dataclass(frozen=True)
class RulesLoad:
    kind: str
    version: str
    new: bool
    recompute: list_store.RecomputeReport | None = None


def load_rules_file(services: Services, path: Path | None = None) -> RulesLoad:
    """Validate list rules (default: the shipped file) against the catalogue in force, put them
    in force, and rebuild the entries they derive, all in one transaction."""
    source = path or files.shipped("lists.yaml")
    rules, document = files.load_model(source, ListRules)
    now = services.clock.now()
    with services.db.transaction() as conn:
        problems = rules.problems_with(services.catalogue(conn))
        if problems:
            raise DataFileError(str(source), "lists", "; ".join(problems))
        counted = None if rulesets.has(conn, "lists", rules.version) else _counted_in_parts(services, conn, rules)
        new = rulesets.save(conn, "lists", version=rules.version, title=rules.title, document=_json(document), now=now)
        report = None
        if new:
            event_store.append(
                conn, [event_store.NewEvent("lists:rules:loaded", data={"version": rules.version})], now=now
            )
            report = list_store.recompute(conn, rules, now=now, surveyed=counted)
    return RulesLoad("lists", rules.version, new, report)


def _counted_in_parts(services: Services, conn: Connection, rules: ListRules) -> list_store.RecomputeReport | None:
    """On a SQLite file, a recompute's counting pass shared out between read snapshots, each
    scanning a part of the records on a core of its own (SQLite runs one statement on one
    core; PostgreSQL parallelises the pass itself). Called in the writing transaction before
    it writes: it holds the writers' turn, so no one commits meanwhile and the snapshots see
    what it sees (checked: the same newest event); else None, and the pass runs in it."""
    if not services.db.parallel_reads:
        return None
    surveyed = list_store.survey_in_parts(services.db, rules, parts=min(SURVEY_PARTS, os.cpu_count() or 1))
    return surveyed.still_true(conn) if surveyed else None


def load_measures_file(services: Services, path: Path | None = None) -> RulesLoad:
    """Validate measures (default: the shipped file) against the catalogue and list rules in
    force, and put them in force. A measure without a legal basis never loads."""
    source = path or files.shipped("measures.yaml")
    measures, document = files.load_model(source, MeasureSet)
    now = services.clock.now()
    with services.db.transaction() as conn:
        rules = services.rules(conn)
        if rules is None:
            raise ConfigurationError("load list rules before measures: `sincerity lists load`")
        problems = measures.problems_with(services.catalogue(conn), rules)
        if problems:
            raise DataFileError(str(source), "measures", "; ".join(problems))
        new = rulesets.save(
            conn, "measures", version=measures.version, title=measures.title, document=_json(document), now=now
        )
        if new:
            event_store.append(
                conn, [event_store.NewEvent("measures:set:loaded", data={"version": measures.version})], now=now
            )
    return RulesLoad("measures", measures.version, new)


def _json(document: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(document, default=str))  # YAML dates become ISO text
    return loaded


def recompute_lists(services: Services) -> list_store.RecomputeReport:
    """Rebuild every list entry from the records and the rules in force; report what changed."""
    now = services.clock.now()
    with services.db.transaction() as conn:
        rules = services.rules(conn)
        if rules is None:
            raise ConfigurationError("no list rules are loaded: run `sincerity init`")
        report = list_store.recompute(conn, rules, now=now, surveyed=_counted_in_parts(services, conn, rules))
        event_store.append(
            conn,
            [
                event_store.NewEvent(
                    "lists:entries:recomputed",
                    data={
                        "rules": rules.version,
                        "added": report.added,
                        "removed": report.removed,
                        "changed": report.changed,
                    },
                )
            ],
            now=now,
        )
    return report


def lists_view(services: Services) -> dict[str, Any]:
    """The lists in force with their rules, tiers and link roles (DESIGN.md §4 `lists list`)."""
    with services.db.transaction(write=False) as conn:
        rules = services.rules(conn)
        if rules is None:
            raise ConfigurationError("no list rules are loaded: run `sincerity init`")
        counts = list_store.counts(conn, legal_today(services.clock.now()))
    return {
        "version": rules.version,
        "title": rules.title,
        "lists": [
            {
                "code": d.code,
                "kind": d.kind.value,
                "title": d.title.en,
                "titles": d.title.model_dump(),
                "seed": d.seed,
                "legal_basis": [b.model_dump(exclude_none=True) for b in d.legal_basis],
                "rules": [{"id": r.id, "version": r.version, "note": r.note, "items": list(r.items)} for r in d.rules],
                "entries": counts[d.code].entries if d.code in counts else 0,
                "subjects": counts[d.code].subjects if d.code in counts else 0,
            }
            for d in rules.lists
        ],
        "tiers": [
            {
                "name": t.name,
                "title": t.title.en,
                "standing": t.standing.value,
                "when": t.when.model_dump(mode="json", exclude_defaults=True),
            }
            for t in rules.tiers
        ],
        "link_roles": [
            {
                "code": r.code,
                "title": r.title.en,
                "providers": [p.value for p in r.providers],
                "legal_basis": [b.model_dump(exclude_none=True) for b in r.legal_basis],
            }
            for r in rules.link_roles
        ],
    }


def measures_view(services: Services) -> dict[str, Any]:
    """The measures in force today and the actions they govern (DESIGN.md §4 `measures list`)."""
    with services.db.transaction(write=False) as conn:
        measures = services.measures(conn)
        if measures is None:
            raise ConfigurationError("no measures are loaded: run `sincerity init`")
    today = legal_today(services.clock.now())
    return {
        "version": measures.version,
        "title": measures.title,
        "actions": [{"code": a.code, "title": a.title.en, "titles": a.title.model_dump()} for a in measures.actions],
        "measures": [measure_view(m) for m in measures.measures if m.in_force(today)],
    }
