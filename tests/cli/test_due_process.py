"""Due process from the console, configured as an operator would: a dispute, a repair from
eligibility to grant, a revocation, and `sincerity expire` run twice."""

from __future__ import annotations

import json

from tests.cli.conftest import Node
from tests.factories import person_number, record

PERSON = person_number(serial=990)


def _record(node: Node) -> int:
    assert (
        node.run(
            "institutions",
            "add",
            "dept-1",
            "--name",
            "D",
            "--kind",
            "department",
            "--locality",
            "110000",
            "--items",
            "penalty.general",
        ).exit_code
        == 0
    )
    assert (
        node.run(
            "institutions",
            "add",
            "plat-1",
            "--name",
            "P",
            "--kind",
            "platform",
            "--locality",
            "110000",
            "--items",
            "commitment.letter",
        ).exit_code
        == 0
    )
    row = record(ref="P-1", subject_id=PERSON, decided_on="2026-06-01")
    path = node.dir / "records.jsonl"
    fields = {k: v for k, v in row._asdict().items() if k != "line"}
    path.write_text(json.dumps(fields, ensure_ascii=False) + "\n", encoding="utf-8")
    result = node.run("import", str(path), "--provider", "dept-1", "--json")
    assert result.exit_code == 0, result.output
    probe = json.loads(node.run("repairs", "eligibility", PERSON, "--record", "1").stdout)
    assert probe["item"] == "penalty.general"  # the first record of a fresh node
    return 1


def test_a_dispute_from_the_console(node: Node) -> None:
    rid = _record(node)
    opened = node.run(
        "disputes", "open", PERSON, "--record", str(rid), "--reason", "paid", "--evidence", "r.pdf:" + "a" * 64
    )
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout)["evidence"] == [{"name": "r.pdf", "sha256": "a" * 64}]
    listed = json.loads(node.run("disputes", "list", "--status", "open").stdout)
    assert [d["record"]["id"] for d in listed] == [rid]
    dispute = listed[0]["dispute_id"]
    refused = node.run(
        "disputes", "answer", str(dispute), "--outcome", "corrected", "--answer", "fixed", "--institution", "dept-1"
    )
    assert refused.exit_code == 2
    assert "submit the corrected record" in refused.stderr
    done = node.run(
        "disputes", "answer", str(dispute), "--outcome", "upheld", "--answer", "stands", "--institution", "dept-1"
    )
    assert json.loads(done.stdout)["status"] == "upheld"
    history = json.loads(node.run("disputes", "show", str(dispute)).stdout)["history"]
    assert [h["step"] for h in history] == ["opened", "answered"]
    file = json.loads(node.run("subject-file", PERSON).stdout)
    assert [d["status"] for d in file["disputes"]] == ["upheld"]


def test_a_repair_from_the_console(node: Node) -> None:
    rid = _record(node)
    not_yet = node.run("repairs", "eligibility", PERSON, "--record", str(rid))
    assert not_yet.exit_code == 1
    assert json.loads(not_yet.stdout)["eligible"] is False
    letter = node.dir / "letter.txt"
    letter.write_text("本人承诺所提交材料真实有效。", encoding="utf-8")
    signed = node.run(
        "commitments",
        "sign",
        PERSON,
        "--name",
        "张三",
        "--type",
        "credit_repair",
        "--addressee",
        "某局",
        "--text",
        str(letter),
        "--institution",
        "plat-1",
        "--record",
        str(rid),
    )
    assert signed.exit_code == 0, signed.output
    assert node.run("repairs", "eligibility", PERSON, "--record", str(rid)).exit_code == 0
    receipt = node.dir / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 paid")
    missing_proof = node.run("repairs", "apply", PERSON, "--record", str(rid), "--evidence", str(receipt))
    assert missing_proof.exit_code == 2
    applied = node.run(
        "repairs", "apply", PERSON, "--record", str(rid), "--evidence", f"{receipt}:obligations_performed"
    )
    assert applied.exit_code == 0, applied.output
    repair = json.loads(applied.stdout)
    assert repair["evidence"][0]["name"] == "receipt.pdf"
    granted = node.run(
        "repairs", "decide", str(repair["repair_id"]), "--grant", "--reasons", "paid", "--institution", "dept-1"
    )
    assert json.loads(granted.stdout)["status"] == "granted"
    check = json.loads(node.run("check", PERSON, "--action", "inspection_frequency").stdout)
    assert not any(m["applies"] for m in check["measures"])


def test_expire_records_each_day_once(node: Node) -> None:
    _record(node)
    first = node.run("expire", "--json")
    assert first.exit_code == 0
    assert json.loads(first.stdout)["through"] == "2026-11-27"
    again = json.loads(node.run("expire", "--json").stdout)
    assert set(again) == {"from", "through"}  # nothing left to record today


def test_notices_from_the_console(node: Node) -> None:
    _record(node)
    notices = json.loads(node.run("notices", "inbox", PERSON).stdout)["notices"]
    assert "records:record:created" in [n["event"] for n in notices]
    bad = node.run("notices", "contact", PERSON, "--email", "nobody")
    assert bad.exit_code == 2
    assert node.run("notices", "contact", PERSON, "--email", "zhang@example.com").exit_code == 0
    sent = node.run("notices", "send", "--json")  # test settings: the console sender
    assert sent.exit_code == 0
    assert "--- to zhang@example.com" in sent.stdout
    assert json.loads(sent.stdout[sent.stdout.index("{") :])["notices"] == 1
