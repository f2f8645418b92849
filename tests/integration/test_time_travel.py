"""The clock moved across display windows and due-process events, asking every read path
(tests/timetravel.py) whether it still shows or uses the record: nothing expired, repaired,
revoked or removed ever is; a record disputed with suspension is shown but not used."""

from __future__ import annotations

from datetime import date

import pytest

from sincerity.services.commitments import sign_commitment
from sincerity.services.context import Services
from sincerity.services.disputes import answer_dispute, open_dispute
from sincerity.services.ingest import submit_records
from sincerity.services.redress import report_redress
from sincerity.services.repairs import apply_for_repair, decide_repair
from sincerity.store import records as record_store
from tests.factories import institution, person_number, record
from tests.timetravel import READ_PATHS, paths_using, travel

PERSON = person_number(serial=901)
EVERY_PATH = set(READ_PATHS)
DISPLAY_ONLY = {"shown records", "repair eligibility"}


@pytest.fixture
def evasion(services: Services) -> tuple[int, int]:
    """One serious, repairable, black-listed record, displayed 1 June 2026 – 31 May 2029."""
    institution(services, code="tax-110000")
    row = record(ref="T-1", subject_id=PERSON, item="taxation.evasion", decided_on="2026-06-01")
    assert submit_records(services, [row], provider="tax-110000", source="test").accepted == 1
    with services.db.transaction(write=False) as conn:
        found = record_store.versions_of(conn, "tax-110000", "T-1")[-1]
    return found.id, found.subject_id


def test_the_display_window_closes_on_every_read_path_at_once(services: Services, evasion: tuple[int, int]) -> None:
    rid, sid = evasion
    travel(services, date(2026, 5, 31))  # before the decision: nothing yet
    assert paths_using(services, PERSON, rid, sid) == set()
    travel(services, date(2026, 6, 1))
    assert paths_using(services, PERSON, rid, sid) == EVERY_PATH
    travel(services, date(2029, 5, 31))  # the last day shown
    assert paths_using(services, PERSON, rid, sid) == EVERY_PATH
    travel(services, date(2029, 6, 1))  # no sweep has run: the clock alone
    assert paths_using(services, PERSON, rid, sid) == set()


def test_a_revocation_takes_the_record_off_every_read_path(services: Services, evasion: tuple[int, int]) -> None:
    rid, sid = evasion
    report_redress(
        services,
        PERSON,
        record_id=rid,
        proceeding="litigation",
        outcome="revoked",
        authority="北京市第一中级人民法院",
        document_no="(2026)京01行终9号",
        decided_on="2026-11-27",
    )
    for day in (date(2026, 11, 27), date(2027, 11, 27), date(2029, 5, 31)):
        travel(services, day)
        assert paths_using(services, PERSON, rid, sid) == set()
    travel(services, date(2026, 11, 26))  # replay: the day before, it was shown and used
    assert paths_using(services, PERSON, rid, sid) == EVERY_PATH


def test_a_suspending_dispute_keeps_the_record_shown_but_unused_until_answered(
    services: Services, evasion: tuple[int, int]
) -> None:
    rid, sid = evasion
    opened = open_dispute(services, PERSON, record_id=rid, reason="paid", institution=None)
    assert paths_using(services, PERSON, rid, sid) == DISPLAY_ONLY
    travel(services, date(2026, 12, 1))
    answer_dispute(services, opened["dispute_id"], outcome="removed", answer="wrong subject", institution=None)
    for day in (date(2026, 12, 1), date(2028, 1, 1)):
        travel(services, day)
        assert paths_using(services, PERSON, rid, sid) == set()


def test_a_granted_repair_takes_the_record_off_every_read_path(services: Services, evasion: tuple[int, int]) -> None:
    rid, sid = evasion
    platform = institution(services, code="platform-110000", kind="platform")
    travel(services, date(2027, 6, 1))  # a serious item waits a year
    sign_commitment(
        services,
        PERSON,
        name="张三",
        commitment_type="credit_repair",
        addressee="国家税务总局北京市税务局",
        text="本人承诺已补缴税款，所提交材料真实。",
        records=[rid],
        institution=platform,
    )
    training = record(ref="TR-1", subject_id=PERSON, item="commitment.training", decided_on="2027-05-20")
    assert submit_records(services, [training], provider="platform-110000", source="test").accepted == 1
    evidence = [{"name": "tax-paid.pdf", "sha256": "12" * 32, "proves": "obligations_performed"}]
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=evidence, institution=platform)
    assert paths_using(services, PERSON, rid, sid) == EVERY_PATH  # applying changes nothing
    decide_repair(services, applied["repair_id"], granted=True, reasons="tax paid in full", institution=None)
    for day in (date(2027, 6, 1), date(2028, 6, 1)):
        travel(services, day)
        assert paths_using(services, PERSON, rid, sid) == set()
