"""`sincerity expire` on both stores: each event recorded once, for the days since the last sweep."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from sincerity.services.context import Services
from sincerity.services.disputes import open_dispute
from sincerity.services.ingest import submit_records
from sincerity.services.redress import report_redress
from sincerity.services.sweeps import expire
from sincerity.store import events as event_store
from sincerity.store import records as record_store
from tests.factories import institution, person_number, record
from tests.timetravel import travel

PERSON = person_number(serial=951)


@pytest.fixture
def general(services: Services) -> int:
    """A general penalty decided 1 October 2026: repairable from 1 January 2027, shown until 30 September 2027."""
    institution(services, code="dept-110000")
    row = record(ref="P-1", subject_id=PERSON, decided_on="2026-10-01")
    assert submit_records(services, [row], provider="dept-110000", source="test").accepted == 1
    with services.db.transaction(write=False) as conn:
        return record_store.versions_of(conn, "dept-110000", "P-1")[-1].id


def tags(services: Services) -> Counter[str]:
    with services.db.transaction(write=False) as conn:
        return Counter(
            e.tag
            for e in event_store.since(conn, limit=100_000)
            if not e.tag.startswith(("records:record:created", "lists:", "batches:"))
        )


def test_each_day_is_swept_once(services: Services, general: int) -> None:
    first = expire(services)
    assert first.counts == {}  # nothing due yet on 27 November 2026
    assert expire(services).counts == {}
    travel(services, date(2027, 1, 1))
    assert expire(services).counts == {"repairs:record:repairable": 1}
    assert expire(services).counts == {}  # the same day again: nothing twice
    travel(services, date(2027, 9, 1))
    assert expire(services).counts == {"records:record:expiring": 1}  # display ends 1 October: told 30 days ahead
    travel(services, date(2027, 10, 15))
    report = expire(services)
    assert report.counts == {"records:record:expired": 1}
    assert report.view()["from"] == "2027-09-02"
    counted = tags(services)
    assert counted["records:record:expired"] == 1
    assert counted["records:record:expiring"] == 1
    assert counted["repairs:record:repairable"] == 1


def test_a_late_dispute_is_recorded_as_escalated(services: Services, general: int) -> None:
    expire(services)
    opened = open_dispute(services, PERSON, record_id=general, reason="paid", institution=None)
    travel(services, date.fromisoformat(opened["answer_due"]))
    assert "disputes:dispute:escalated" not in expire(services).counts
    travel(services, date(2026, 12, 31))
    assert expire(services).counts["disputes:dispute:escalated"] == 1
    assert "disputes:dispute:escalated" not in expire(services).counts


def test_a_withdrawn_record_gets_no_expiry_or_repair_notice(services: Services, general: int) -> None:
    report_redress(
        services,
        PERSON,
        record_id=general,
        proceeding="reconsideration",
        outcome="revoked",
        authority="北京市人民政府",
        document_no="京政复〔2026〕1号",
        decided_on="2026-11-27",
    )
    travel(services, date(2027, 10, 15))  # past the repair date, the notice date and the end of display
    assert expire(services).counts == {}
