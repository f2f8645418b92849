"""`POST /api/v1/records` and the read-only endpoints, on both stores, through the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sincerity.app import create_app
from sincerity.services.context import Services
from sincerity.services.institutions import issue_credential
from tests.factories import CATALOGUE_ITEM_FIELDS, institution, person_number, shipped_catalogue


def general_person_item() -> tuple[str, dict[str, object]]:
    for item in shipped_catalogue().items:
        if (
            item.subject_kind.value == "person"
            and item.severity is not None
            and item.severity.value == "general"
            and ("department" in [p.value for p in item.providers])
        ):
            return item.code, dict(item.example)
    raise LookupError


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as made:
        yield made


@pytest.fixture
def token(services: Services) -> str:
    institution(services)
    return issue_credential(services, "dept-110000")


def item_body(ref: str = "A-1", **overrides: object) -> dict[str, object]:
    code, facts = general_person_item()
    return {
        "subject_id": person_number(),
        "subject_name": "赵六",
        "item": code,
        "ref": ref,
        "decided_on": "2026-10-01",
        "decision_no": "京罚〔2026〕1号",
        "facts": facts,
        **overrides,
    }


def test_a_batch_gets_a_result_per_item_in_order(client: TestClient, token: str) -> None:
    body = [item_body("A-1"), item_body("A-2", decided_on="2026-02-30"), item_body("A-3"), "not an object"]
    response = client.post("/api/v1/records", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    data = response.json()
    assert (data["accepted"], data["rejected"]) == (2, 2)
    assert [(r["index"], r["outcome"]) for r in data["results"]] == [
        (0, "accepted"),
        (1, "rejected"),
        (2, "accepted"),
        (3, "rejected"),
    ]
    assert "ISO date" in data["results"][1]["reason"]
    again = client.post("/api/v1/records", json=body[:1], headers={"Authorization": f"Bearer {token}"}).json()
    assert again["results"][0]["outcome"] == "unchanged"


def test_records_need_a_valid_token(client: TestClient, token: str) -> None:
    response = client.post("/api/v1/records", json=[item_body()])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    response = client.post("/api/v1/records", json=[item_body()], headers={"Authorization": "Bearer snc_forged"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 422, "invalid_input"),
        (b'{"subject_id": "x"}', 422, "invalid_input"),
    ],
)
def test_a_body_that_is_not_an_array_gets_a_clear_4xx(
    client: TestClient, token: str, body: bytes, status: int, code: str
) -> None:
    response = client.post(
        "/api/v1/records",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_all_or_nothing_over_http(client: TestClient, token: str) -> None:
    body = [item_body("A-1"), item_body("A-2", decided_on="bad")]
    data = client.post(
        "/api/v1/records?all_or_nothing=true", json=body, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert data["refused"]
    assert data["accepted"] == 0
    assert {r["outcome"] for r in data["results"]} == {"rejected"}


def test_catalog_lists_items_with_legal_basis_and_display_period(client: TestClient) -> None:
    data = client.get("/api/v1/catalog").json()
    assert data["version"] == shipped_catalogue().version
    for item in data["items"]:
        assert item["legal_basis"], item["code"]
        assert set(item) >= CATALOGUE_ITEM_FIELDS


def test_health_and_metrics(client: TestClient, token: str) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    client.post("/api/v1/records", json=[item_body()], headers={"Authorization": f"Bearer {token}"})
    metrics = client.get("/metrics").text
    assert "sincerity_records_total 1" in metrics
    assert "sincerity_subjects_total 1" in metrics


def test_unknown_paths_use_the_one_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_front_page_shows_the_catalogue(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Catalogue" in page.text


def test_a_fault_of_ours_is_a_json_500_that_names_no_data(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    import sincerity.api.catalog as catalog_module

    def broken(*_args: object) -> None:
        raise RuntimeError("secret 110105199003071239")

    monkeypatch.setattr(catalog_module, "catalogue_view", broken)
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        response = client.get("/api/v1/catalog")
    assert response.status_code == 500
    assert response.json() == {"error": {"code": "internal", "message": "internal error (RuntimeError)", "details": {}}}
