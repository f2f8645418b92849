"""`/api/v1/checks`, batch, feedback, lifts, links, measures and lists through the real app, on both stores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sincerity.app import create_app
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.services.institutions import issue_credential
from tests.factories import institution, organisation_number, person_number, record

DEBTOR = person_number(serial=601)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as made:
        yield made


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    institution(services, code="court-110105", kind="court")
    institution(services, code="dept-110000")
    institution(services, code="airline", kind="implementing_agency", items=())
    institution(services, code="school", kind="school", items=())
    rows = [record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor", decided_on="2026-03-01")]
    assert submit_records(services, rows, provider="court-110105", source="test").accepted == 1
    return {code: issue_credential(services, code) for code in ("court-110105", "dept-110000", "airline", "school")}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_check_answers_the_asked_action_with_its_chain(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/checks", json={"subject": DEBTOR, "action": "air_travel"}, headers=auth(tokens["airline"])
    )
    assert response.status_code == 200
    answer = response.json()
    assert {"check_id", "action", "at", "subject", "measures", "versions"} <= set(answer)
    [air] = answer["measures"]
    assert {"code", "kind", "applies", "until", "because"} <= set(air)
    assert air["applies"] is True
    assert {"list", "entry", "record", "legal_basis"} <= set(air["because"][0])
    assert DEBTOR not in response.text  # masked, never the number


def test_check_errors_are_clear_and_4xx(client: TestClient, tokens: dict[str, str]) -> None:
    post = client.post
    assert post("/api/v1/checks", json={"subject": DEBTOR, "action": "air_travel"}).status_code == 401
    wrong_duty = post(
        "/api/v1/checks", json={"subject": DEBTOR, "action": "air_travel"}, headers=auth(tokens["school"])
    )
    assert wrong_duty.status_code == 403
    unknown = post("/api/v1/checks", json={"subject": DEBTOR, "action": "teleport"}, headers=auth(tokens["airline"]))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_action")
    bad = post("/api/v1/checks", json={"subject": "12345", "action": "air_travel"}, headers=auth(tokens["airline"]))
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_subject_number")
    missing = post("/api/v1/checks", json={"action": "air_travel"}, headers=auth(tokens["airline"]))
    assert missing.status_code == 422
    not_json = post(
        "/api/v1/checks", content=b"{", headers={**auth(tokens["airline"]), "Content-Type": "application/json"}
    )
    assert not_json.status_code == 422


def test_a_batch_check_and_feedback_on_it(client: TestClient, tokens: dict[str, str]) -> None:
    headers = auth(tokens["airline"])
    response = client.post(
        "/api/v1/checks/batch",
        json={"action": "rail_soft_sleeper", "subjects": [DEBTOR, person_number(serial=602), "x"]},
        headers=headers,
    )
    assert response.status_code == 200
    answer = response.json()
    assert [r.get("applies") for r in answer["results"]] == [True, False, None]
    feedback = client.post(
        f"/api/v1/checks/{answer['check_id']}/feedback",
        json={"measure": "punish.rail_restriction", "outcome": "applied", "subject": DEBTOR},
        headers=headers,
    )
    assert feedback.status_code == 201
    someone_else = client.post(
        f"/api/v1/checks/{answer['check_id']}/feedback",
        json={"measure": "punish.rail_restriction", "outcome": "applied", "subject": DEBTOR},
        headers=auth(tokens["dept-110000"]),
    )
    assert someone_else.status_code == 404


def test_a_court_lifts_one_measure_and_links_reach_persons(client: TestClient, tokens: dict[str, str]) -> None:
    check = client.post(
        "/api/v1/checks", json={"subject": DEBTOR, "action": "air_travel"}, headers=auth(tokens["airline"])
    )
    record_id = check.json()["measures"][0]["because"][0]["record"]["id"]
    body = {"subject": DEBTOR, "measure": "punish.air_travel", "record_id": record_id, "reason": "creditor consented"}
    assert client.post("/api/v1/lifts", json=body, headers=auth(tokens["airline"])).status_code == 403
    assert client.post("/api/v1/lifts", json=body, headers=auth(tokens["court-110105"])).status_code == 201
    assert client.post("/api/v1/lifts", json=body, headers=auth(tokens["court-110105"])).status_code == 409
    link = {
        "ref": "K-1",
        "organisation_id": organisation_number(),
        "organisation_name": "某公司",
        "person_id": DEBTOR,
        "person_name": "张三",
        "role": "legal_representative",
        "valid_from": "2021-01-01",
    }
    response = client.post(
        "/api/v1/links", json=[link, {**link, "ref": "K-2", "role": "friend"}], headers=auth(tokens["dept-110000"])
    )
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json()["results"]] == ["accepted", "rejected"]


def test_measures_and_lists_are_published_as_the_cli_prints_them(client: TestClient) -> None:
    measures = client.get("/api/v1/measures").json()
    for m in measures["measures"]:
        assert {"code", "kind", "actions", "triggers", "reaches_linked_persons", "legal_basis"} <= set(m)
        assert m["legal_basis"]
    lists = client.get("/api/v1/lists").json()
    assert {entry["kind"] for entry in lists["lists"]} == {"red", "black", "focus"}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/checks", "/api/v1/checks/batch", "/api/v1/checks/1/feedback", "/api/v1/lifts", "/api/v1/links"],
)
def test_every_institution_endpoint_refuses_a_missing_or_unknown_credential(client: TestClient, path: str) -> None:
    assert client.post(path, json={}).status_code == 401
    refused = client.post(path, json={}, headers={"Authorization": "Bearer snc_nobody_xyz"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"


def test_the_published_contract_documents_the_check_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/checks", "/api/v1/checks/batch", "/api/v1/checks/{check_id}/feedback", "/api/v1/measures"):
        assert path in paths
    assert paths["/api/v1/checks"]["post"]["security"] == [{"HTTPBearer": []}]
