"""`sincerity import`: counts, the rejects file, exit codes, re-runs and crash recovery."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text

from sincerity.services import ingest
from sincerity.store import events as event_store
from sincerity.store.engine import create
from tests.cli.conftest import Node
from tests.conftest import scratch_database
from tests.factories import person_number, shipped_catalogue

HEADER = ["subject_id", "subject_name", "item", "ref", "decided_on", "decision_no", "facts"]


def department_item() -> tuple[str, dict[str, object]]:
    for item in shipped_catalogue().items:
        if (
            item.subject_kind.value == "person"
            and item.polarity.value == "negative"
            and item.severity is not None
            and item.severity.value == "general"
            and "department" in [p.value for p in item.providers]
        ):
            return item.code, dict(item.example)
    raise LookupError


def add_department(node: Node) -> str:
    code, _ = department_item()
    result = node.run(
        "institutions",
        "add",
        "dept-1",
        "--name",
        "市场监督管理局",
        "--kind",
        "department",
        "--locality",
        "110000",
        "--items",
        code,
    )
    assert result.exit_code == 0, result.output
    return code


def good_row(i: int, code: str, facts: dict[str, object]) -> list[str]:
    return [
        person_number(serial=i % 1000, county="310104"),
        "李四",
        code,
        f"R-{i}",
        "2026-10-01",
        f"沪罚〔2026〕{i}号",
        json.dumps(facts, ensure_ascii=False),
    ]


def write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def import_json(node: Node, path: Path, *extra: str) -> tuple[int, dict[str, object]]:
    result = node.run("import", str(path), "--provider", "dept-1", "--json", *extra)
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_all_good_rows_exit_zero_with_counts(node: Node) -> None:
    code = add_department(node)
    _, facts = department_item()
    path = write(node.dir / "good.csv", [good_row(i, code, facts) for i in range(50)])
    exit_code, counts = import_json(node, path)
    assert exit_code == 0
    assert {k: counts[k] for k in ("accepted", "corrected", "unchanged", "rejected")} == {
        "accepted": 50,
        "corrected": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert not (node.dir / "good.csv.rejects.csv").exists()
    exit_code, counts = import_json(node, path)
    assert exit_code == 0
    assert counts["unchanged"] == 50
    assert counts["accepted"] == 0


def test_planted_bad_rows_are_named_by_line_in_the_rejects_file(node: Node) -> None:
    code = add_department(node)
    _, facts = department_item()
    rows = [good_row(i, code, facts) for i in range(200)]
    rows[9][0] = rows[9][0][:-1] + ("1" if rows[9][0][-1] != "1" else "2")  # wrong check digit → line 11
    rows[49][4] = "2026-13-01"  # impossible date → line 51
    rows[99][2] = "no.such.item"  # → line 101
    rows[149] = rows[149][:5]  # too few fields → line 151
    path = write(node.dir / "mixed.csv", rows)
    exit_code, counts = import_json(node, path)
    assert exit_code == 1
    assert counts["accepted"] == 196
    assert counts["rejected"] == 4
    with (node.dir / "mixed.csv.rejects.csv").open(encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert [r["line"] for r in rejects] == ["11", "51", "101", "151"]
    assert [r["ref"] for r in rejects] == ["R-9", "R-49", "R-99", "R-149"]
    assert "check digit" in rejects[0]["reason"]
    assert "ISO date" in rejects[1]["reason"]
    assert "not in catalogue" in rejects[2]["reason"]
    assert "fields" in rejects[3]["reason"]


def test_a_quoted_multiline_cell_keeps_line_numbers_as_an_editor_shows_them(node: Node) -> None:
    code = add_department(node)
    _, facts = department_item()
    rows = [good_row(0, code, facts), good_row(1, code, facts), good_row(2, code, facts)]
    rows[0][1] = "李\n四"  # a name split over two physical lines: the rows after it start one line later
    rows[2][4] = "bad"
    path = write(node.dir / "multi.csv", rows)
    exit_code, _ = import_json(node, path)
    assert exit_code == 1
    rejects = (node.dir / "multi.csv.rejects.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[1].startswith("5,R-2,")


def test_all_or_nothing_refuses_the_whole_file(node: Node) -> None:
    code = add_department(node)
    _, facts = department_item()
    rows = [good_row(i, code, facts) for i in range(10)]
    rows[5][4] = "bad"
    path = write(node.dir / "strict.csv", rows)
    exit_code, counts = import_json(node, path, "--all-or-nothing")
    assert exit_code == 1
    assert counts["accepted"] == 0
    assert counts["rejected"] == 1
    assert counts["refused"]
    engine = create(node.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM records")).scalar() == 0
    engine.dispose()


def test_dry_run_stores_nothing(node: Node) -> None:
    code = add_department(node)
    _, facts = department_item()
    path = write(node.dir / "dry.csv", [good_row(i, code, facts) for i in range(5)])
    exit_code, counts = import_json(node, path, "--dry-run")
    assert exit_code == 0
    assert counts["accepted"] == 5
    assert counts["dry_run"] is True
    exit_code, counts = import_json(node, path)
    assert counts["accepted"] == 5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"subject_id,subject_name\n1,2\n", "lacks column"),
        (b"subject_id,subject_name,item,ref,decided_on,decision_no,facts,colour\n", "unexpected column"),
        ("subject_id,subject_name,item,ref,decided_on,decision_no,facts\n\xff\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_an_unusable_file_exits_two_with_one_line(node: Node, content: bytes, message: str) -> None:
    add_department(node)
    path = node.dir / "bad.csv"
    path.write_bytes(content)
    result = node.run("import", str(path), "--provider", "dept-1", "--json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_file_and_an_unknown_provider_exit_two(node: Node) -> None:
    result = node.run("import", str(node.dir / "nope.csv"), "--provider", "dept-1")
    assert result.exit_code == 2
    assert "no such file" in result.stderr
    add_department(node)
    path = write(node.dir / "x.csv", [])
    result = node.run("import", str(path), "--provider", "nobody")
    assert result.exit_code == 2
    assert "nobody" in result.stderr


def test_jsonl_rows_report_their_line(node: Node) -> None:
    code = add_department(node)
    _, facts = department_item()
    good = {
        "subject_id": person_number(),
        "subject_name": "王五",
        "item": code,
        "ref": "J-1",
        "decided_on": "2026-10-01",
        "decision_no": "X1",
        "facts": facts,
    }
    lines = [orjson.dumps(good).decode(), "{not json", orjson.dumps({**good, "ref": "J-2", "extra": 1}).decode()]
    path = node.dir / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    exit_code, counts = import_json(node, path)
    assert exit_code == 1
    assert counts["accepted"] == 1
    assert counts["rejected"] == 2
    with (node.dir / "rows.jsonl.rejects.csv").open(encoding="utf-8") as handle:
        rejects = list(csv.DictReader(handle))
    assert [(r["line"], r["ref"]) for r in rejects] == [("2", ""), ("3", "J-2")]
    assert "unexpected field" in rejects[1]["reason"]


def test_a_crash_mid_file_leaves_whole_rows_and_a_rerun_converges(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    code = add_department(node)
    _, facts = department_item()
    rows = [good_row(i, code, facts) for i in range(200)]
    path = write(node.dir / "crash.csv", rows)
    monkeypatch.setattr(ingest, "DEFAULT_CHUNK", 25)
    real_append = event_store.append_created
    calls = {"n": 0}

    def crashing_append(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 6:  # the sixth chunk, in the second transaction, has written its records
            raise RuntimeError("power cut")
        return real_append(*args, **kwargs)

    monkeypatch.setattr(event_store, "append_created", crashing_append)
    with pytest.raises(RuntimeError, match="power cut"):
        node.run("import", str(path), "--provider", "dept-1", "--json")
    engine = create(node.url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT COUNT(*) FROM records")).scalar()
        created = conn.execute(text("SELECT COUNT(*) FROM events WHERE tag = 'records:record:created'")).scalar()
    assert stored == 100  # the first transaction: four whole chunks; the second left nothing
    assert created == 100
    monkeypatch.setattr(event_store, "append_created", real_append)
    exit_code, counts = import_json(node, path)
    assert exit_code == 0
    assert counts["accepted"] == 100
    assert counts["unchanged"] == 100
    with engine.connect() as conn:
        state = _state(conn)
    engine.dispose()
    assert state == _clean_state(node, path, monkeypatch)


def _state(conn) -> dict[str, list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    """What a run leaves, without batch ids and instants (those differ between runs by nature)."""
    return {
        "records": [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT id, version, ref, subject_id, item_code, decided_on, decision_no, content_hash, "
                    "superseded_at IS NULL "
                    "FROM records ORDER BY id, version"
                )
            )
        ],
        "subjects": [tuple(r) for r in conn.execute(text("SELECT id, number_hash, name FROM subjects ORDER BY id"))],
        "events": [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT seq - (SELECT MIN(seq) FROM events WHERE tag LIKE 'records:%' OR tag LIKE 'subjects:%'), "
                    "tag, subject_id, entity_id "
                    "FROM events WHERE tag LIKE 'records:%' OR tag LIKE 'subjects:%' ORDER BY seq"
                )
            )
        ],
    }


def _clean_state(node: Node, path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[tuple[object, ...]]]:
    """The same file imported once, without a crash, into a fresh node of the same store."""
    with scratch_database("sqlite" if node.url.startswith("sqlite") else "postgresql", node.dir) as url:
        monkeypatch.setenv("SINCERITY_DATABASE_URL", url)
        assert node.run("init").exit_code == 0
        add_department(node)
        import_json(node, path)
        engine = create(url)
        with engine.connect() as conn:
            state = _state(conn)
        engine.dispose()
    return state
