"""Due process over HTTP: disputes, redress, repairs and commitments, each route's 4xx, and the
credential matrix (who may call what)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sincerity.app import create_app
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.services.institutions import issue_credential
from sincerity.store import records as record_store
from tests.factories import institution, person_number, record

PERSON = person_number(serial=801)
SHA = "ef" * 32


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as made:
        yield made


@pytest.fixture
def setup(services: Services) -> dict[str, Any]:
    institution(services, code="dept-110000")
    institution(services, code="tax-110000")
    institution(services, code="platform-110000", kind="platform")
    rows = [record(ref="P-1", subject_id=PERSON, item="penalty.general", decided_on="2026-06-01")]
    assert submit_records(services, rows, provider="dept-110000", source="test").accepted == 1
    with services.db.transaction(write=False) as conn:
        rid = record_store.versions_of(conn, "dept-110000", "P-1")[-1].id
    tokens = {code: issue_credential(services, code) for code in ("dept-110000", "tax-110000", "platform-110000")}
    return {"record": rid, "tokens": tokens}


def auth(setup: dict[str, Any], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {setup['tokens'][who]}"}


def test_a_dispute_is_opened_answered_and_its_history_read(client: TestClient, setup: dict[str, Any]) -> None:
    platform, dept = auth(setup, "platform-110000"), auth(setup, "dept-110000")
    body = {
        "subject": PERSON,
        "record_id": setup["record"],
        "reason": "paid in time",
        "evidence": [{"name": "r.pdf", "sha256": SHA}],
    }
    opened = client.post("/api/v1/disputes", json=body, headers=platform)
    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    assert dispute["answer_due"] == "2026-12-17"
    assert dispute["suspended"] is True
    again = client.post("/api/v1/disputes", json=body, headers=platform)
    assert again.status_code == 409
    assert "already has an open dispute" in again.json()["error"]["message"]
    assert client.post("/api/v1/disputes", json=body, headers=dept).status_code == 403
    listed = client.get("/api/v1/disputes", params={"status": "open"}, headers=dept)
    assert [d["dispute_id"] for d in listed.json()] == [dispute["dispute_id"]]
    assert client.get(f"/api/v1/disputes/{dispute['dispute_id']}", headers=auth(setup, "tax-110000")).status_code == 404
    wrong = client.post(
        f"/api/v1/disputes/{dispute['dispute_id']}/answer", json={"outcome": "ignored", "answer": "x"}, headers=dept
    )
    assert wrong.status_code == 422
    assert "outcome must be one of" in wrong.json()["error"]["message"]
    answered = client.post(
        f"/api/v1/disputes/{dispute['dispute_id']}/answer", json={"outcome": "upheld", "answer": "unpaid"}, headers=dept
    )
    assert answered.status_code == 200
    history = client.get(f"/api/v1/disputes/{dispute['dispute_id']}", headers=platform).json()["history"]
    assert [h["step"] for h in history] == ["opened", "answered"]


def test_a_repair_from_eligibility_to_grant(client: TestClient, setup: dict[str, Any]) -> None:
    platform, dept = auth(setup, "platform-110000"), auth(setup, "dept-110000")
    rid = setup["record"]
    eligibility = client.post(
        "/api/v1/repairs/eligibility", json={"subject": PERSON, "record_id": rid}, headers=platform
    )
    assert eligibility.status_code == 200
    assert eligibility.json()["eligible"] is False
    paid = [{"name": "receipt.pdf", "sha256": SHA, "proves": "obligations_performed"}]
    early = client.post(
        "/api/v1/repairs", json={"subject": PERSON, "record_id": rid, "evidence": paid}, headers=platform
    )
    assert early.status_code == 409
    assert early.json()["error"]["details"]["eligible"] is False  # every condition, explained
    letter = {
        "subject": PERSON,
        "name": "张三",
        "commitment_type": "credit_repair",
        "addressee": "北京市市场监督管理局",
        "text": "本人承诺所提交材料真实有效。",
        "records": [rid],
    }
    signed = client.post("/api/v1/commitments", json=letter, headers=platform)
    assert signed.status_code == 201, signed.text
    applied = client.post(
        "/api/v1/repairs", json={"subject": PERSON, "record_id": rid, "evidence": paid}, headers=platform
    )
    assert applied.status_code == 201, applied.text
    repair_id = applied.json()["repair_id"]
    assert client.post(f"/api/v1/repairs/{repair_id}/accept", headers=auth(setup, "tax-110000")).status_code == 404
    assert client.post(f"/api/v1/repairs/{repair_id}/accept", headers=platform).status_code == 403
    assert client.post(f"/api/v1/repairs/{repair_id}/accept", headers=dept).status_code == 200
    decided = client.post(
        f"/api/v1/repairs/{repair_id}/decision", json={"granted": True, "reasons": "paid"}, headers=dept
    )
    assert decided.json()["status"] == "granted"
    check = client.post("/api/v1/checks", json={"subject": PERSON, "action": "inspection_frequency"}, headers=dept)
    assert check.status_code == 200
    assert not any(m["applies"] for m in check.json()["measures"])
    assert [r["repair_id"] for r in client.get("/api/v1/repairs", headers=dept).json()] == [repair_id]


def test_a_revocation_reported_over_http(client: TestClient, setup: dict[str, Any]) -> None:
    body = {
        "subject": PERSON,
        "record_id": setup["record"],
        "proceeding": "litigation",
        "outcome": "revoked",
        "authority": "北京市朝阳区人民法院",
        "document_no": "(2026)京0105行初1号",
        "decided_on": "2026-11-20",
    }
    done = client.post("/api/v1/redress", json=body, headers=auth(setup, "dept-110000"))
    assert done.status_code == 201, done.text
    assert done.json()["outcome"] == "revoked"
    assert client.post("/api/v1/redress", json=body, headers=auth(setup, "tax-110000")).status_code == 404
    refused = client.post("/api/v1/redress", json=body, headers=auth(setup, "dept-110000"))
    assert refused.status_code == 409  # already revoked: nothing left to report on


def test_bad_bodies_get_a_422_naming_the_field(client: TestClient, setup: dict[str, Any]) -> None:
    platform = auth(setup, "platform-110000")
    bad = client.post("/api/v1/disputes", json={"subject": PERSON, "record_id": "one", "reason": "x"}, headers=platform)
    assert bad.status_code == 422
    assert "record_id" in bad.json()["error"]["message"]
    bad_number = client.post(
        "/api/v1/disputes", json={"subject": "123", "record_id": 1, "reason": "x"}, headers=platform
    )
    assert bad_number.status_code == 422
    assert client.get("/api/v1/repairs/999", headers=platform).status_code == 404


def test_the_platform_serves_the_subject_their_file_inbox_and_address(
    client: TestClient, setup: dict[str, Any]
) -> None:
    platform, dept = auth(setup, "platform-110000"), auth(setup, "dept-110000")
    body = {"subject": PERSON, "record_id": setup["record"], "reason": "paid"}
    assert client.post("/api/v1/disputes", json=body, headers=platform).status_code == 201
    file = client.post("/api/v1/subjects/file", json={"subject": PERSON}, headers=platform)
    assert file.status_code == 200
    [dispute] = file.json()["disputes"]
    assert [h["step"] for h in dispute["history"]] == ["opened"]
    inbox = client.post("/api/v1/subjects/inbox", json={"subject": PERSON}, headers=platform).json()
    assert inbox["notices"][-1]["event"] == "disputes:dispute:opened"
    contact = client.post(
        "/api/v1/subjects/contact", json={"subject": PERSON, "email": "张三@example.com"}, headers=platform
    )
    assert contact.status_code == 200, contact.text
    assert contact.json()["email"].endswith("@example.com")
    for path in ("/api/v1/subjects/file", "/api/v1/subjects/inbox"):
        assert client.post(path, json={"subject": PERSON}, headers=dept).status_code == 403
    assert (
        client.post("/api/v1/subjects/contact", json={"subject": PERSON, "email": "x@y.cn"}, headers=dept).status_code
        == 403
    )


ROUTES = [
    ("post", "/api/v1/disputes"),
    ("get", "/api/v1/disputes"),
    ("get", "/api/v1/disputes/1"),
    ("post", "/api/v1/disputes/1/answer"),
    ("post", "/api/v1/disputes/1/withdraw"),
    ("post", "/api/v1/redress"),
    ("post", "/api/v1/repairs/eligibility"),
    ("post", "/api/v1/repairs"),
    ("get", "/api/v1/repairs"),
    ("get", "/api/v1/repairs/1"),
    ("post", "/api/v1/repairs/1/accept"),
    ("post", "/api/v1/repairs/1/materials"),
    ("post", "/api/v1/repairs/1/supplement"),
    ("post", "/api/v1/repairs/1/extend"),
    ("post", "/api/v1/repairs/1/decision"),
    ("post", "/api/v1/repairs/1/withdraw"),
    ("post", "/api/v1/commitments"),
    ("post", "/api/v1/commitments/1/breach"),
    ("post", "/api/v1/subjects/file"),
    ("post", "/api/v1/subjects/inbox"),
    ("post", "/api/v1/subjects/contact"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_due_process_route_refuses_a_missing_or_unknown_credential(
    client: TestClient, method: str, path: str
) -> None:
    call = getattr(client, method)
    kwargs: dict[str, Any] = {"json": {}} if method == "post" else {}
    assert call(path, **kwargs).status_code == 401
    refused = call(path, headers={"Authorization": "Bearer snc_nobody_xyz"}, **kwargs)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_the_published_contract_documents_every_due_process_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for _, path in ROUTES:
        templated = path.replace("/1", "/{dispute_id}", 1) if "/disputes/1" in path else path
        templated = templated.replace("/repairs/1", "/repairs/{repair_id}").replace(
            "/commitments/1", "/commitments/{commitment_id}"
        )
        assert templated in paths, templated
