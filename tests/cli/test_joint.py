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


def test_links_import_reports_bad_rows_by_line_and_reaches_the_person(node: Node) -> None:
    from tests.factories import organisation_number

    assert (
        node.run(
            "institutions", "add", "dept-1", "--name", "D", "--kind", "department", "--locality", "110000"
        ).exit_code
        == 0
    )
    person = person_number(serial=710)
    rows = [
        "ref,organisation_id,organisation_name,person_id,person_name,role,valid_from,valid_until",
        f"K-1,{organisation_number()},某公司,{person},张三,legal_representative,2020-01-01,",
        f"K-2,{organisation_number()},某公司,{person},张三,cousin,2020-01-01,",
        "K-3,too,few",
    ]
    path = node.dir / "links.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = node.run("links", "import", str(path), "--provider", "dept-1", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["accepted"] == 1
    rejects = (node.dir / "links.csv.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "line,ref,reason"
    assert [r.split(",")[0] for r in rejects[1:]] == ["3", "4"]
    again = node.run("links", "import", str(path), "--provider", "dept-1", "--json")
    assert json.loads(again.stdout)["unchanged"] == 1
    missing = node.run("links", "import", str(node.dir / "nothing.csv"), "--provider", "dept-1")
    assert missing.exit_code == 2
