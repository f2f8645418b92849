"""List entries on both stores: the incremental update agrees with the full recompute, and a
rule change is applied by the recompute, which reports what changed and writes its events."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sincerity.kit.errors import DataFileError
from sincerity.services.checks import check_subject
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.services.lists import lists_view, load_measures_file, load_rules_file, recompute_lists
from sincerity.store import events as event_store
from sincerity.store import files
from tests.factories import institution, organisation_number, person_number, record


def _load(services: Services) -> None:
    institution(services, code="court-110105", kind="court")
    institution(services, code="dept-110000")
    rows = [
        record(
            ref=f"C-{n}",
            subject_id=person_number(serial=400 + n),
            item="court.dishonest_debtor",
            decided_on="2026-02-01",
        )
        for n in range(5)
    ]
    assert submit_records(services, rows, provider="court-110105", source="test").accepted == 5
    rows = [
        record(ref="T-1", subject_id=person_number(serial=500), item="taxation.evasion"),
        record(ref="S-1", subject_id=person_number(serial=501), item="penalty.serious"),
        record(ref="H-1", subject_id=person_number(serial=502), item="honour.sincerity_model"),
        record(ref="G-1", subject_id=person_number(serial=503), item="penalty.general"),
        record(ref="O-1", subject_id=organisation_number(), subject_name="某公司", item="org.market.bid_collusion"),
    ]
    assert submit_records(services, rows, provider="dept-110000", source="test").accepted == 5


def test_the_incremental_update_and_the_full_recompute_agree(services: Services) -> None:
    _load(services)
    report = recompute_lists(services)
    assert report.total_changes == 0
    assert report.entries == 9  # 5 court listings, tax evasion, bid collusion, a serious penalty, an honour
    view = {entry["code"]: entry for entry in lists_view(services)["lists"]}
    assert (view["black"]["entries"], view["focus"]["entries"], view["red"]["entries"]) == (7, 1, 1)


def _edited_rules(tmp_path: Path, edit: dict[str, object]) -> Path:
    document = files.load_yaml(files.shipped("lists.yaml"))
    document.update(edit.get("top", {}))
    for definition in document["lists"]:
        for rule in definition["rules"]:
            if rule["id"] == edit.get("rule"):
                rule["items"] = edit["items"]
                rule["version"] += 1
    path = tmp_path / "lists.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def test_a_rule_change_is_recomputed_reported_and_used_at_once(services: Services, tmp_path: Path) -> None:
    _load(services)
    debtor = person_number(serial=400)
    assert check_subject(services, debtor, action="public_procurement", institution=None)["measures"][0]["applies"]
    # The court list leaves the black list (say a new rule set puts it elsewhere).
    path = _edited_rules(
        tmp_path,
        {"top": {"version": "2026.2"}, "rule": "black.court_list", "items": ["org.court.dishonest_debtor"]},
    )
    loaded = load_rules_file(services, path)
    assert loaded.new
    assert loaded.recompute is not None
    assert loaded.recompute.removed == {"black": 5}
    answer = check_subject(services, debtor, action="public_procurement", institution=None)
    assert answer["versions"]["rules"] == "2026.2"
    assert answer["measures"][0]["applies"] is False
    with services.db.transaction(write=False) as conn:
        removed = [e for e in event_store.since(conn, limit=10_000) if e.tag == "lists:entry:removed"]
    assert len(removed) == 5
    assert {e.data["list"] for e in removed if e.data} == {"black"}
    # The rule's version moves with its items; entries of other rules keep theirs.
    assert recompute_lists(services).total_changes == 0


def test_rules_that_widen_a_list_beyond_its_sense_never_load(services: Services, tmp_path: Path) -> None:
    path = _edited_rules(tmp_path, {"top": {"version": "2026.3"}, "rule": "red.honours", "items": ["penalty.general"]})
    with pytest.raises(DataFileError, match="red list takes positive items only"):
        load_rules_file(services, path)
    path = _edited_rules(tmp_path, {"top": {"version": "2026.3"}, "rule": "red.honours", "items": ["no.such_item"]})
    with pytest.raises(DataFileError, match="lacks"):
        load_rules_file(services, path)


def test_a_measure_without_a_legal_basis_never_loads(services: Services, tmp_path: Path) -> None:
    document = files.load_yaml(files.shipped("measures.yaml"))
    document["version"] = "2026.9"
    document["measures"][0]["legal_basis"] = []
    path = tmp_path / "measures.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="legal_basis"):
        load_measures_file(services, path)
    document["measures"][0]["legal_basis"] = [{"law": "Some Law"}]
    document["measures"][0]["triggers"] = [{"list": "black"}]  # a reward resting on the black list
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="reward cannot rest on the black list"):
        load_measures_file(services, path)
