"""The CLI contracts of DESIGN.md §4: `id check`, `catalog list`, `institutions list/add`, `init`."""

from __future__ import annotations

import json

from tests.cli.conftest import Node
from tests.factories import CATALOGUE_ITEM_FIELDS, organisation_number, person_number


def test_id_check_prints_one_verdict_per_number_and_exits_zero_when_all_valid(node: Node) -> None:
    number = person_number(born=__import__("datetime").date(1985, 12, 1), serial=124)
    result = node.run("id", "check", number, organisation_number())
    assert result.exit_code == 0
    person, organisation = (json.loads(line) for line in result.stdout.splitlines())
    assert set(person) == {"input", "valid", "kind", "number", "reason", "birth_date", "sex"}
    assert (person["valid"], person["kind"], person["birth_date"], person["reason"]) == (
        True,
        "person",
        "1985-12-01",
        None,
    )
    assert person["sex"] in ("M", "F")
    assert (organisation["valid"], organisation["kind"], organisation["birth_date"]) == (True, "organisation", None)


def test_id_check_reads_stdin_and_exits_one_when_any_is_invalid(node: Node) -> None:
    text = f"{person_number()}\n110105900307123\n\n{person_number()[:-1]}{'0' if person_number()[-1] != '0' else '1'}\n"
    result = node.run("id", "check", input=text)
    assert result.exit_code == 1
    verdicts = [json.loads(line) for line in result.stdout.splitlines()]
    assert [v["valid"] for v in verdicts] == [True, False, False]
    assert "15" in verdicts[1]["reason"]
    assert verdicts[1]["number"] is None
    assert verdicts[1]["kind"] is None


def test_id_check_normalises_what_input_methods_produce(node: Node) -> None:
    number = person_number()
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    verdict = json.loads(node.run("id", "check", f" {full_width[:6]} {full_width[6:]} ").stdout)
    assert verdict["valid"] is True
    assert verdict["number"] == number


def test_catalog_list_json_has_the_contract_fields(node: Node) -> None:
    result = node.run("catalog", "list", "--json")
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert len(items) > 40
    for item in items:
        assert set(item) >= CATALOGUE_ITEM_FIELDS
        assert item["legal_basis"]


def test_institutions_add_checks_the_legal_basis_of_every_grant(node: Node) -> None:
    refused = node.run(
        "institutions",
        "add",
        "school-1",
        "--name",
        "某大学",
        "--kind",
        "school",
        "--locality",
        "110000",
        "--items",
        "court.dishonest_debtor",
    )
    assert refused.exit_code == 2
    assert "may not provide" in refused.stderr
    added = node.run(
        "institutions",
        "add",
        "court-1",
        "--name",
        "某中级人民法院",
        "--kind",
        "court",
        "--locality",
        "110000",
        "--items",
        "court.dishonest_debtor",
        "--token",
    )
    assert added.exit_code == 0
    assert "snc_court-1_" in added.stdout
    listed = json.loads(node.run("institutions", "list", "--json").stdout)
    assert listed == [
        {
            "code": "court-1",
            "name": "某中级人民法院",
            "kind": "court",
            "locality": "110000",
            "items": ["court.dishonest_debtor"],
        }
    ]


def test_institutions_add_refuses_an_unknown_kind_and_a_bad_locality(node: Node) -> None:
    kind = node.run("institutions", "add", "x-1", "--name", "X", "--kind", "bank", "--locality", "110000")
    assert kind.exit_code == 2
    assert "unknown institution kind" in kind.stderr
    locality = node.run("institutions", "add", "x-1", "--name", "X", "--kind", "court", "--locality", "11")
    assert locality.exit_code == 2
    assert "6-digit" in locality.stderr


def test_init_is_idempotent(node: Node) -> None:
    again = node.run("init")
    assert again.exit_code == 0
    assert "already loaded" in again.stdout
    assert "present" in again.stdout
