"""Group commit: checks that arrive together are answered and recorded in one transaction;
each gets its own answer and check row, a bad request in the group is refused on its own."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from sincerity.api.checkgroup import CheckGroup
from sincerity.app import create_app
from sincerity.domain.institutions import Institution
from sincerity.services.checks import check_subjects
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.services.institutions import authenticate, issue_credential
from sincerity.store.tables import checks, subjects
from tests.factories import institution, person_number, record

DEBTOR = person_number(serial=611)


@pytest.fixture
def token(services: Services) -> str:
    institution(services, code="court-110105", kind="court")
    institution(services, code="airline", kind="implementing_agency", items=())
    rows = [record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor", decided_on="2026-03-01")]
    assert submit_records(services, rows, provider="court-110105", source="test").accepted == 1
    return issue_credential(services, "airline")


async def _fire(services: Services, token: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=create_app(services))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
        return await asyncio.gather(*(client.post("/api/v1/checks", json=b, headers=headers) for b in bodies))


def test_checks_arriving_together_each_get_their_own_recorded_answer(services: Services, token: str) -> None:
    clean = [person_number(serial=620 + n) for n in range(20)]
    bodies: list[dict[str, Any]] = [{"subject": n, "action": "air_travel"} for n in [DEBTOR, *clean]]
    bodies.insert(5, {"subject": "110105199003071230", "action": "air_travel"})  # a bad check digit
    bodies.insert(9, {"subject": DEBTOR, "action": "teleport"})
    responses = asyncio.run(_fire(services, token, bodies))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 21
    assert statuses[5] == 422
    assert statuses[9] == 422
    answers = [r.json() for r in responses if r.status_code == 200]
    assert len({a["check_id"] for a in answers}) == 21
    assert answers[0]["measures"][0]["applies"] is True  # the debtor
    assert not any(a["measures"][0]["applies"] for a in answers[1:])
    with services.db.transaction(write=False) as conn:
        assert conn.execute(select(func.count()).select_from(checks)).scalar_one() == 21


def test_a_group_keeps_order_and_refuses_only_the_bad_request(services: Services, token: str) -> None:
    found = check_subjects(
        services,
        [(DEBTOR, "air_travel", None), ("not a number", "air_travel", None), (DEBTOR, "rail_soft_sleeper", None)],
    )
    assert isinstance(found[0], dict)
    assert found[0]["action"] == "air_travel"
    assert isinstance(found[1], Exception)
    assert isinstance(found[2], dict)
    assert found[2]["action"] == "rail_soft_sleeper"
    assert found[0]["check_id"] < found[2]["check_id"]
    ids = [found[0]["check_id"], found[2]["check_id"]]
    with services.db.transaction(write=False) as conn:
        recorded = dict(conn.execute(select(checks.c.id, checks.c.action).where(checks.c.id.in_(ids))).all())
    assert recorded == {ids[0]: "air_travel", ids[1]: "rail_soft_sleeper"}  # each answer names its own row


def test_each_check_of_a_group_is_recorded_as_answered(services: Services, token: str) -> None:
    """Row by row, the record of each check is the answer its caller got, at the instant,
    for the subject and by the institution asked (the rows of a group go in together)."""
    airline = authenticate(services, token)
    asks: list[tuple[str, str, Institution | None]] = [
        (DEBTOR, "air_travel", airline),
        (person_number(serial=650), "air_travel", None),
        (DEBTOR, "rail_soft_sleeper", None),
        (person_number(serial=651), "high_consumption", airline),
        (DEBTOR, "air_travel", None),
    ]
    found = check_subjects(services, asks)
    assert all(isinstance(f, dict) for f in found)
    answers = [f for f in found if isinstance(f, dict)]
    assert sorted(a["check_id"] for a in answers) == [a["check_id"] for a in answers]  # taken in order
    with services.db.transaction(write=False) as conn:
        rows = {r.id: r for r in conn.execute(select(checks).where(checks.c.id.in_([a["check_id"] for a in answers])))}
        debtor_id = conn.execute(select(subjects.c.id)).scalar_one()
    for (number, action, asker), answer in zip(asks, answers, strict=True):
        row = rows[answer["check_id"]]
        assert row.answer == {k: v for k, v in answer.items() if k != "check_id"}
        assert (row.action, row.institution_code) == (action, asker.code if asker else None)
        assert row.at == datetime.fromisoformat(answer["at"])
        assert row.subject_id == (debtor_id if number == DEBTOR else None)
        assert (row.subjects, row.applying) == (1, sum(m["applies"] for m in answer["measures"]))
        assert bytes(row.asked) == services.vault.lookup(number)[:16]
        assert (row.catalogue_version, row.rules_version, row.measures_version) == (
            answer["versions"]["catalogue"],
            answer["versions"]["rules"],
            answer["versions"]["measures"],
        )


def test_an_answer_does_not_depend_on_the_other_checks_of_its_group(services: Services, token: str) -> None:
    alone = check_subjects(services, [(DEBTOR, "air_travel", None)])[0]
    grouped = check_subjects(services, [(DEBTOR, "inspection_frequency", None), (DEBTOR, "air_travel", None)])[1]
    assert isinstance(alone, dict)
    assert isinstance(grouped, dict)
    assert grouped["measures"] == alone["measures"]  # the tier measure read every record; this one did not


def test_a_caller_that_went_away_is_neither_answered_nor_recorded(services: Services, token: str) -> None:
    async def scenario() -> dict[str, Any]:
        group = CheckGroup(services)
        gone = asyncio.ensure_future(group.ask(DEBTOR, "air_travel", None))
        kept = asyncio.ensure_future(group.ask(person_number(serial=640), "air_travel", None))
        await asyncio.sleep(0)  # both are waiting in the group
        gone.cancel()
        return await kept

    answer = asyncio.run(scenario())
    assert answer["measures"][0]["applies"] is False
    with services.db.transaction(write=False) as conn:
        assert conn.execute(select(func.count()).select_from(checks)).scalar_one() == 1
