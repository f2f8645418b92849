"""Disputes on both stores: marking, suspension (by item and by lateness), escalation, the three
outcomes, withdrawal, who may act, and the whole history in events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from sincerity.domain.institutions import Institution
from sincerity.kit.clock import CHINA_TZ, FixedClock
from sincerity.kit.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from sincerity.services.checks import check_subject
from sincerity.services.context import Services
from sincerity.services.disputes import (
    answer_dispute,
    get_dispute,
    list_disputes,
    open_dispute,
    withdraw_dispute,
)
from sincerity.services.ingest import submit_records
from sincerity.store import events as event_store
from sincerity.store import lists as list_store
from sincerity.store import records as record_store
from tests.factories import institution, person_number, record

EVADER = person_number(serial=401)
DEBTOR = person_number(serial=402)
OTHER = person_number(serial=403)
SHA = "ab" * 32
OPENED = date(2026, 11, 27)  # the fixture's clock


def at(day: date) -> FixedClock:
    return FixedClock(datetime.combine(day, time(10), CHINA_TZ))


@pytest.fixture
def parties(services: Services) -> dict[str, Institution]:
    return {
        "tax": institution(services, code="tax-110000"),
        "dept": institution(services, code="dept-110000"),
        "court": institution(services, code="court-110105", kind="court"),
        "platform": institution(services, code="platform-110000", kind="platform", items=()),
    }


def submit(services: Services, provider: str, *rows: Any) -> list[int]:
    summary = submit_records(services, list(rows), provider=provider, source="test", keep_results=True)
    assert summary.rejected == 0, summary.rejections
    with services.db.transaction(write=False) as conn:
        return [record_store.versions_of(conn, provider, row.ref)[-1].id for row in rows]


def evasion(**overrides: Any) -> Any:
    """Tax evasion (serious, black list, suspended from measures while disputed)."""
    return record(
        **{"ref": "T-1", "subject_id": EVADER, "item": "taxation.evasion", "decided_on": "2026-06-01"} | overrides
    )


def listing(**overrides: Any) -> Any:
    """A court listing: not suspended while disputed (the court's own procedure applies)."""
    return record(
        **{"ref": "L-1", "subject_id": DEBTOR, "item": "court.dishonest_debtor", "decided_on": "2026-03-01"} | overrides
    )


def applies(services: Services, number: str, action: str) -> bool:
    answer = check_subject(services, number, action=action, institution=None)
    return any(m["applies"] for m in answer["measures"])


def reasons(services: Services, number: str, action: str) -> list[dict[str, Any]]:
    answer = check_subject(services, number, action=action, institution=None)
    return [r for m in answer["measures"] for r in m["because"]]


def test_an_item_that_suspends_stops_counting_the_day_the_dispute_opens(
    services: Services, parties: dict[str, Institution]
) -> None:
    [rid] = submit(services, "tax-110000", evasion())
    assert applies(services, EVADER, "civil_service_hiring")
    opened = open_dispute(
        services,
        EVADER,
        record_id=rid,
        reason="the tax was paid before the decision",
        evidence=[{"name": "receipt.pdf", "sha256": SHA}],
        institution=parties["platform"],
    )
    assert opened["status"] == "open"
    assert opened["answer_due"] == "2026-12-17"  # 20 calendar days (Regulation Art. 25)
    assert opened["suspended"] is True
    assert opened["suspends_from"] == "2026-11-27"
    assert opened["subject"] == EVADER[:6] + "********" + EVADER[-4:]
    assert not applies(services, EVADER, "civil_service_hiring")
    with services.db.transaction(write=False) as conn:
        assert list_store.counts(conn, OPENED) == {}  # the entry is not counted while suspended
        shown = record_store.shown_of_subject(conn, opened_record_subject(services, rid), OPENED)
    assert [r.id for r in shown] == [rid]  # still shown: disputed, not hidden

    answered = answer_dispute(
        services,
        opened["dispute_id"],
        outcome="upheld",
        answer="the payment came after the decision",
        institution=parties["tax"],
    )
    assert answered["status"] == "upheld"
    assert answered["suspended"] is False
    assert applies(services, EVADER, "civil_service_hiring")  # used again from the answer's day


def opened_record_subject(services: Services, record_id: int) -> int:
    with services.db.transaction(write=False) as conn:
        found = record_store.current(conn, record_id)
    assert found is not None
    return found.subject_id


def test_a_disputed_record_still_used_is_marked_disputed_in_answers(
    services: Services, parties: dict[str, Institution]
) -> None:
    [rid] = submit(services, "court-110105", listing())
    opened = open_dispute(services, DEBTOR, record_id=rid, reason="I paid", institution=None)
    assert opened["suspended"] is False
    assert opened["answer_due"] == "2026-12-12"  # the court list's own 15 days
    [reason] = reasons(services, DEBTOR, "air_travel")
    assert reason["record"]["disputed"] is True
    answer_dispute(services, opened["dispute_id"], outcome="upheld", answer="not paid", institution=parties["court"])
    [reason] = reasons(services, DEBTOR, "air_travel")
    assert "disputed" not in reason["record"]


def test_a_dispute_not_answered_in_time_escalates_and_suspends_until_answered(
    services: Services, parties: dict[str, Institution]
) -> None:
    [rid] = submit(services, "court-110105", listing())
    opened = open_dispute(services, DEBTOR, record_id=rid, reason="I paid", institution=parties["platform"])
    due = date.fromisoformat(opened["answer_due"])
    services.clock = at(due)  # the last day in time: still used, not overdue
    assert applies(services, DEBTOR, "air_travel")
    assert list_disputes(services, institution=None, overdue=True) == []
    services.clock = at(due + timedelta(days=1))  # late: no sweeper has run, the clock alone suspends it
    assert not applies(services, DEBTOR, "air_travel")
    [late] = list_disputes(services, institution=None, overdue=True)
    assert late["overdue"] is True
    assert late["suspended"] is True
    # Escalated: the platform may now answer; another provider learns nothing of it.
    with pytest.raises(NotFoundError):
        answer_dispute(services, late["dispute_id"], outcome="upheld", answer="x", institution=parties["tax"])
    done = answer_dispute(
        services, late["dispute_id"], outcome="upheld", answer="court confirmed", institution=parties["platform"]
    )
    assert done["answered_by"] == "platform-110000"
    assert applies(services, DEBTOR, "air_travel")
    history = get_dispute(services, late["dispute_id"], institution=parties["court"])["history"]
    assert [h["step"] for h in history] == ["opened", "answered"]
    assert history[1]["in_time"] is False


def test_the_operator_may_turn_off_suspension_of_late_disputes(
    services: Services, parties: dict[str, Institution]
) -> None:
    services.settings = services.settings.model_copy(update={"suspend_overdue_disputes": False})
    [rid] = submit(services, "court-110105", listing())
    opened = open_dispute(services, DEBTOR, record_id=rid, reason="I paid", institution=None)
    assert opened["suspends_from"] is None
    services.clock = at(date.fromisoformat(opened["answer_due"]) + timedelta(days=30))
    assert applies(services, DEBTOR, "air_travel")


def test_corrected_needs_the_new_version_first_and_names_it(
    services: Services, parties: dict[str, Institution]
) -> None:
    [rid] = submit(services, "tax-110000", evasion())
    opened = open_dispute(services, EVADER, record_id=rid, reason="wrong amount", institution=None)
    with pytest.raises(ConflictError, match="submit the corrected record"):
        answer_dispute(services, opened["dispute_id"], outcome="corrected", answer="fixed", institution=parties["tax"])
    fixed = evasion(facts={**record(item="taxation.evasion").facts, "tax_paid_in_full": True})
    submit(services, "tax-110000", fixed)
    done = answer_dispute(
        services, opened["dispute_id"], outcome="corrected", answer="amount corrected", institution=parties["tax"]
    )
    assert done["status"] == "corrected"
    assert done["corrected_version"] == 2
    [reason] = reasons(services, EVADER, "civil_service_hiring")
    assert reason["record"]["version"] == 2


def test_removed_withdraws_the_record_from_every_read_for_good(
    services: Services, parties: dict[str, Institution]
) -> None:
    [rid] = submit(services, "tax-110000", evasion())
    opened = open_dispute(services, EVADER, record_id=rid, reason="not me", institution=None)
    answer_dispute(services, opened["dispute_id"], outcome="removed", answer="wrong person", institution=parties["tax"])
    for day in (OPENED, OPENED + timedelta(days=400)):
        services.clock = at(day)
        assert not applies(services, EVADER, "civil_service_hiring")
        assert reasons(services, EVADER, "inspection_frequency") == []
        with services.db.transaction(write=False) as conn:
            assert list_store.counts(conn, day) == {}
            assert record_store.shown_of_subject(conn, opened_record_subject(services, rid), day) == []
    with pytest.raises(ConflictError, match="no longer shown"):
        open_dispute(services, EVADER, record_id=rid, reason="again", institution=None)


def test_withdrawal_by_the_subject_ends_the_suspension(services: Services, parties: dict[str, Institution]) -> None:
    [rid] = submit(services, "tax-110000", evasion())
    opened = open_dispute(services, EVADER, record_id=rid, reason="wrong", institution=None)
    with pytest.raises(NotFoundError):
        withdraw_dispute(services, opened["dispute_id"], number=OTHER, institution=None)
    done = withdraw_dispute(services, opened["dispute_id"], number=EVADER, institution=parties["platform"])
    assert done["status"] == "withdrawn"
    assert applies(services, EVADER, "civil_service_hiring")
    with pytest.raises(ConflictError, match="already withdrawn"):
        answer_dispute(services, opened["dispute_id"], outcome="upheld", answer="x", institution=parties["tax"])
    # A new dispute may be opened once the first is closed.
    again = open_dispute(services, EVADER, record_id=rid, reason="new evidence", institution=None)
    assert again["dispute_id"] != opened["dispute_id"]


def test_who_may_act_and_who_may_see(services: Services, parties: dict[str, Institution]) -> None:
    [rid] = submit(services, "tax-110000", evasion())
    with pytest.raises(PermissionDeniedError, match="cannot act for the subject"):
        open_dispute(services, EVADER, record_id=rid, reason="x", institution=parties["dept"])
    opened = open_dispute(services, EVADER, record_id=rid, reason="x", institution=parties["platform"])
    with pytest.raises(NotFoundError):  # not a party: not even told the dispute exists
        answer_dispute(services, opened["dispute_id"], outcome="upheld", answer="x", institution=parties["dept"])
    with pytest.raises(PermissionDeniedError, match="once it is overdue"):  # the platform, before the deadline
        answer_dispute(services, opened["dispute_id"], outcome="upheld", answer="x", institution=parties["platform"])
    with pytest.raises(NotFoundError):
        get_dispute(services, opened["dispute_id"], institution=parties["dept"])
    assert get_dispute(services, opened["dispute_id"], institution=parties["tax"])["status"] == "open"
    assert [d["dispute_id"] for d in list_disputes(services, institution=parties["tax"])] == [opened["dispute_id"]]
    assert list_disputes(services, institution=parties["dept"]) == []


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"reason": " "}, InvalidInputError, "reason is required"),
        ({"evidence": [{"name": "x", "sha256": "nothex"}]}, InvalidInputError, "sha256"),
        ({"evidence": "receipt"}, InvalidInputError, "evidence must be a list"),
        ({"number": OTHER}, NotFoundError, "no information"),
        ({"record_id": 999_999}, NotFoundError, "no record 999999"),
    ],
)
def test_bad_requests_are_refused_with_a_reason_and_write_nothing(
    services: Services, parties: dict[str, Institution], change: dict[str, Any], error: type[Exception], message: str
) -> None:
    [rid] = submit(services, "tax-110000", evasion())
    submit(services, "dept-110000", record(ref="O-1", subject_id=OTHER))  # OTHER is known, but not this record's
    if change.get("number") == OTHER:
        change = {**change}
        error, message = NotFoundError, f"no record {rid}"
    args: dict[str, Any] = {"number": EVADER, "record_id": rid, "reason": "x", "evidence": None} | change
    with pytest.raises(error, match=message):
        open_dispute(services, args.pop("number"), institution=None, **args)
    with services.db.transaction(write=False) as conn:
        assert not [e for e in event_store.since(conn) if e.tag.startswith("disputes:")]


def test_one_open_dispute_per_record_and_none_on_an_expired_record(
    services: Services, parties: dict[str, Institution]
) -> None:
    [rid] = submit(services, "tax-110000", evasion())
    open_dispute(services, EVADER, record_id=rid, reason="x", institution=None)
    with pytest.raises(ConflictError, match="already has an open dispute"):
        open_dispute(services, EVADER, record_id=rid, reason="y", institution=None)
    services.clock = at(date(2029, 6, 1))  # the three-year window has closed
    with pytest.raises(ConflictError, match="not shown"):
        open_dispute(services, EVADER, record_id=rid, reason="y", institution=None)


def test_the_disputed_mark_follows_the_day_asked(services: Services, parties: dict[str, Institution]) -> None:
    [rid] = submit(services, "court-110105", listing())
    opened = open_dispute(services, DEBTOR, record_id=rid, reason="I paid", institution=None)  # 27 November
    services.clock = at(date(2026, 12, 3))
    answer_dispute(services, opened["dispute_id"], outcome="upheld", answer="not paid", institution=parties["court"])
    for day, marked in ((date(2026, 11, 26), False), (date(2026, 11, 27), True), (date(2026, 12, 2), True)):
        services.clock = at(day)  # replay: what the platform said on that day
        [reason] = reasons(services, DEBTOR, "air_travel")
        assert reason["record"].get("disputed", False) is marked, day
    services.clock = at(date(2026, 12, 3))
    [reason] = reasons(services, DEBTOR, "air_travel")
    assert "disputed" not in reason["record"]
