"""DESIGN.md §4 contracts: `lists list`, `measures list`, `check`, `lists recompute`, `measures lift`."""

from __future__ import annotations

import json

from tests.cli.conftest import Node
from tests.factories import person_number


def test_lists_list_json_has_the_contract_fields(node: Node) -> None:
    result = node.run("lists", "list", "--json")
    assert result.exit_code == 0
    lists = json.loads(result.stdout)
    assert {entry["kind"] for entry in lists} == {"red", "black", "focus"}
    for entry in lists:
        assert {"code", "kind", "title", "legal_basis", "rules"} <= set(entry)
        for rule in entry["rules"]:
            assert {"id", "version", "items"} <= set(rule)
            assert rule["items"]


def test_measures_list_json_has_the_contract_fields(node: Node) -> None:
    result = node.run("measures", "list", "--json")
    assert result.exit_code == 0
    for measure in json.loads(result.stdout):
        assert {"code", "kind", "actions", "triggers", "reaches_linked_persons", "legal_basis"} <= set(measure)
        assert measure["kind"] in ("reward", "punishment", "supervision")
        for trigger in measure["triggers"]:
            assert len(trigger) == 1
            assert next(iter(trigger)) in ("list", "item", "tier", "spotless_years")


def test_check_prints_the_answer_and_exits_by_contract(node: Node) -> None:
    result = node.run("check", person_number(serial=700), "--action", "air_travel")
    assert result.exit_code == 0
    answer = json.loads(result.stdout)
    assert answer["measures"][0]["code"] == "punish.air_travel"
    assert answer["measures"][0]["applies"] is False
    bad_number = node.run("check", "110105199003071230", "--action", "air_travel")
    assert bad_number.exit_code == 2
    assert bad_number.stderr.count("\n") == 1
    unknown = node.run("check", person_number(serial=700), "--action", "teleport")
    assert unknown.exit_code == 2
    assert "unknown action" in unknown.stderr
    no_institution = node.run("check", person_number(serial=700), "--action", "air_travel", "--institution", "nobody")
    assert no_institution.exit_code == 2


def test_recompute_and_lift_from_the_console(node: Node) -> None:
    result = node.run("lists", "recompute", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"entries": 0, "added": {}, "removed": {}, "changed": {}}
    lifted = node.run(
        "measures",
        "lift",
        person_number(serial=700),
        "--measure",
        "punish.air_travel",
        "--record",
        "1",
        "--reason",
        "paid",
    )
    assert lifted.exit_code == 2
    assert "no information is held" in lifted.stderr
