"""Administrative redress on both stores: a revoked decision leaves no trace in checks, lists
or tiers; a suspension of enforcement suspends display and use until the final outcome."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from sincerity.domain.institutions import Institution
from sincerity.kit.clock import CHINA_TZ, FixedClock
from sincerity.kit.errors import ConflictError, InvalidInputError, NotFoundError
from sincerity.services.checks import check_batch, check_subject
from sincerity.services.context import Services
from sincerity.services.ingest import submit_records
from sincerity.services.links import submit_links
from sincerity.services.redress import report_redress
from sincerity.store import events as event_store
from sincerity.store import lists as list_store
from sincerity.store import records as record_store
from tests.factories import institution, organisation_number, person_number, record

EVADER = person_number(serial=501)
OFFENDER = person_number(serial=502)
TODAY = date(2026, 11, 27)


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


def submit(services: Services, provider: str, row: Any) -> tuple[int, int]:
    summary = submit_records(services, [row], provider=provider, source="test", keep_results=True)
    assert summary.rejected == 0, summary.rejections
    with services.db.transaction(write=False) as conn:
        found = record_store.versions_of(conn, provider, row.ref)[-1]
    return found.id, found.subject_id


def applying(services: Services, number: str, action: str) -> list[dict[str, Any]]:
    answer = check_subject(services, number, action=action, institution=None)
    return [m for m in answer["measures"] if m["applies"]]


def shown(services: Services, subject_id: int) -> list[int]:
    with services.db.transaction(write=False) as conn:
        return [r.id for r in record_store.shown_of_subject(conn, subject_id, legal_day(services))]


def legal_day(services: Services) -> date:
    return services.clock.now().astimezone(CHINA_TZ).date()


def revoke(services: Services, number: str, record_id: int, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "record_id": record_id,
        "proceeding": "reconsideration",
        "outcome": "revoked",
        "authority": "北京市人民政府",
        "document_no": "京政复〔2026〕88号",
        "decided_on": "2026-11-20",
        "institution": None,
    } | overrides
    return report_redress(services, number, **args)


def test_a_revoked_decision_leaves_no_trace_in_checks_lists_or_tiers(
    services: Services, parties: dict[str, Institution]
) -> None:
    black_id, evader = submit(
        services, "tax-110000", record(ref="T-1", subject_id=EVADER, item="taxation.evasion", decided_on="2026-06-01")
    )
    general_id, offender = submit(
        services, "dept-110000", record(ref="P-1", subject_id=OFFENDER, item="penalty.general", decided_on="2026-09-01")
    )
    assert applying(services, EVADER, "civil_service_hiring")
    [tier_c] = applying(services, OFFENDER, "inspection_frequency")  # tier C from a general penalty
    assert tier_c["because"][0]["tier"]["tier"] == "C"

    done = revoke(services, EVADER, black_id, institution=parties["platform"])
    assert done["outcome"] == "revoked"
    assert "withdrawn" in done["effect"]
    revoke(services, OFFENDER, general_id, proceeding="litigation", institution=parties["court"])

    for day in (TODAY, date(2027, 5, 1)):
        services.clock = at(day)
        assert applying(services, EVADER, "civil_service_hiring") == []
        assert applying(services, EVADER, "inspection_frequency") == []  # not D, not C: tier B
        assert applying(services, OFFENDER, "inspection_frequency") == []
        with services.db.transaction(write=False) as conn:
            assert list_store.counts(conn, day) == {}
        assert shown(services, evader) == []
        assert shown(services, offender) == []
    with services.db.transaction(write=False) as conn:
        tags = [e.tag for e in event_store.since(conn) if e.tag.startswith("redress:")]
    assert tags == ["redress:decision:revoked", "redress:decision:revoked"]


def test_the_revocation_runs_from_its_own_date_so_replay_before_it_still_shows_the_record(
    services: Services, parties: dict[str, Institution]
) -> None:
    black_id, _evader = submit(
        services, "tax-110000", record(ref="T-1", subject_id=EVADER, item="taxation.evasion", decided_on="2026-06-01")
    )
    revoke(services, EVADER, black_id, decided_on="2026-11-20")
    services.clock = at(date(2026, 11, 19))  # what the platform said the day before the revocation
    assert applying(services, EVADER, "civil_service_hiring")
    services.clock = at(date(2026, 11, 20))
    assert applying(services, EVADER, "civil_service_hiring") == []
    services.clock = at(TODAY)
    with pytest.raises(ConflictError, match="already revoked"):
        revoke(services, EVADER, black_id)
    with pytest.raises(ConflictError, match="only a final outcome"):
        revoke(services, EVADER, black_id, outcome="filed")
    with pytest.raises(InvalidInputError, match="before the revocation it reverses"):
        revoke(services, EVADER, black_id, outcome="upheld", decided_on="2026-11-19")


def test_a_higher_court_restores_a_revoked_decision(services: Services, parties: dict[str, Institution]) -> None:
    black_id, _ = submit(
        services, "tax-110000", record(ref="T-1", subject_id=EVADER, item="taxation.evasion", decided_on="2026-06-01")
    )
    revoke(services, EVADER, black_id, proceeding="litigation", decided_on="2026-11-10")
    assert applying(services, EVADER, "civil_service_hiring") == []
    restored = revoke(services, EVADER, black_id, proceeding="litigation", outcome="upheld", decided_on="2026-11-25")
    assert restored["outcome"] == "upheld"
    assert applying(services, EVADER, "civil_service_hiring")
    services.clock = at(date(2026, 11, 20))  # replay: between the two judgments it was withdrawn
    assert applying(services, EVADER, "civil_service_hiring") == []
    with services.db.transaction(write=False) as conn:
        tags = [e.tag for e in event_store.since(conn) if e.tag.startswith("records:record:")]
    assert tags[-2:] == ["records:record:withdrawn", "records:record:reinstated"]


def test_suspended_enforcement_suspends_display_and_use_until_the_final_outcome(
    services: Services, parties: dict[str, Institution]
) -> None:
    black_id, evader = submit(
        services, "tax-110000", record(ref="T-1", subject_id=EVADER, item="taxation.evasion", decided_on="2026-06-01")
    )
    filed = revoke(services, EVADER, black_id, outcome="filed", decided_on="2026-11-01")
    assert "continue" in filed["effect"]  # Order No. 36 Art. 19: filing alone suspends nothing
    assert applying(services, EVADER, "civil_service_hiring")
    revoke(services, EVADER, black_id, outcome="enforcement_suspended", decided_on="2026-11-10")
    assert applying(services, EVADER, "civil_service_hiring") == []
    assert shown(services, evader) == []
    revoke(services, EVADER, black_id, outcome="upheld", decided_on="2026-11-25", institution=parties["tax"])
    assert applying(services, EVADER, "civil_service_hiring")
    assert shown(services, evader) == [black_id]


def test_a_changed_decision_asks_the_provider_for_the_amended_record(
    services: Services, parties: dict[str, Institution]
) -> None:
    black_id, _ = submit(
        services, "tax-110000", record(ref="T-1", subject_id=EVADER, item="taxation.evasion", decided_on="2026-06-01")
    )
    done = revoke(services, EVADER, black_id, outcome="changed", institution=parties["tax"])
    assert "tax-110000" in done["correction_needed"]
    assert applying(services, EVADER, "civil_service_hiring")  # stands until the amended version arrives


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"institution": "dept"}, NotFoundError, "no record"),  # not a party: told nothing
        ({"institution": "court", "proceeding": "reconsideration"}, NotFoundError, "no record"),
        ({"decided_on": "2026-05-31"}, InvalidInputError, "before the decision it reviews"),
        ({"decided_on": "2026-12-01"}, InvalidInputError, "in the future"),
        ({"decided_on": "2026-13-01"}, InvalidInputError, "ISO date"),
        ({"outcome": "annulled"}, InvalidInputError, "outcome must be one of"),
        ({"proceeding": "appeal"}, InvalidInputError, "proceeding must be one of"),
        ({"authority": " "}, InvalidInputError, "authority"),
    ],
)
def test_bad_reports_are_refused_and_change_nothing(
    services: Services,
    parties: dict[str, Institution],
    change: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    black_id, _ = submit(
        services, "tax-110000", record(ref="T-1", subject_id=EVADER, item="taxation.evasion", decided_on="2026-06-01")
    )
    if "institution" in change:
        change = {**change, "institution": parties[change["institution"]]}
    with pytest.raises(error, match=message):
        revoke(services, EVADER, black_id, **change)
    assert applying(services, EVADER, "civil_service_hiring")


def test_the_withdrawal_names_every_institution_that_was_told(
    services: Services, parties: dict[str, Institution]
) -> None:
    """Single checks of the subject, checks of a person the organisation's record reached, and
    batch checks that named the record."""
    airline = institution(services, code="airline", kind="implementing_agency", items=())
    rail = institution(services, code="rail", kind="implementing_agency", items=())
    company, officer = organisation_number(), person_number(serial=503)
    org_id, _ = submit(
        services,
        "court-110105",
        record(
            ref="L-9",
            subject_id=company,
            subject_name="某公司",
            item="org.court.dishonest_debtor",
            decided_on="2026-03-01",
        ),
    )
    link = {
        "ref": "K-1",
        "organisation_id": company,
        "organisation_name": "某公司",
        "person_id": officer,
        "person_name": "李四",
        "role": "legal_representative",
        "valid_from": "2020-01-01",
    }
    assert submit_links(services, [link], provider="court-110105").accepted == 1
    assert check_subject(services, officer, action="air_travel", institution=airline)["measures"][0]["applies"]
    assert check_batch(services, [officer, EVADER], action="air_travel", institution=rail)["applying"] == 1
    check_subject(services, EVADER, action="air_travel", institution=airline)  # told nothing about the company
    report_redress(
        services,
        company,
        record_id=org_id,
        proceeding="litigation",
        outcome="revoked",
        authority="北京市高级人民法院",
        document_no="(2026)京执复1号",
        decided_on="2026-11-27",
        institution=parties["court"],
    )
    with services.db.transaction(write=False) as conn:
        [withdrawn] = [e for e in event_store.since(conn) if e.tag == "records:record:withdrawn"]
    assert withdrawn.data is not None
    assert withdrawn.data["recipients"] == ["airline", "rail"]
