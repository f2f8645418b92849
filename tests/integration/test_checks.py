"""The point-of-service check on both stores: lists, items, linked persons, grace, lifts, tiers,
spotless runs, the clock moved across display windows, batches, feedback and the check log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sincerity.domain.identity import mask_number
from sincerity.domain.institutions import Institution
from sincerity.kit.clock import CHINA_TZ, FixedClock
from sincerity.kit.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from sincerity.services.checks import UnknownActionError, check_batch, check_subject, give_feedback, lift_measure
from sincerity.services.context import Services
from sincerity.services.disputes import open_dispute
from sincerity.services.ingest import submit_records
from sincerity.services.links import submit_links
from sincerity.store import checkpath
from sincerity.store import events as event_store
from sincerity.store import lists as list_store
from sincerity.store.engine import Driver
from sincerity.store.tables import check_feedback, checks
from tests.factories import (
    GENERAL_PENALTY_MEASURE,
    institution,
    load_measures_with,
    organisation_number,
    person_number,
    record,
)

DEBTOR = person_number(serial=301)
OFFICER = person_number(serial=302, born=date(1975, 5, 5))
CLEAN = person_number(serial=303)
COMPANY = organisation_number()


def at(day: date) -> FixedClock:
    return FixedClock(datetime.combine(day, time(10), CHINA_TZ))


@pytest.fixture
def parties(services: Services) -> dict[str, Institution]:
    """A court, a department, a licensing body, an airline and a school."""
    return {
        "court": institution(services, code="court-110105", kind="court"),
        "dept": institution(services, code="dept-110000"),
        "licensing": institution(services, code="lic-110000", kind="licensing_body"),
        "airline": institution(services, code="airline", kind="implementing_agency", items=()),
        "school": institution(services, code="school", kind="school", items=()),
    }


def submit(services: Services, provider: str, *rows: Any) -> None:
    summary = submit_records(services, list(rows), provider=provider, source="test", keep_results=True)
    assert summary.rejected == 0, summary.rejections


def measure(answer: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in answer["measures"] if m["code"] == code)


def listing(**overrides: Any) -> Any:
    """A court listing (ground 4, two-year term) decided on 1 March 2026."""
    defaults: dict[str, Any] = {
        "ref": "L-1",
        "subject_id": DEBTOR,
        "item": "court.dishonest_debtor",
        "decided_on": "2026-03-01",
        "decision_no": "(2026)京0105执100号",
    }
    return record(**{**defaults, **overrides})


def test_a_listing_counts_in_the_very_next_check_with_its_whole_chain(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing())
    answer = check_subject(services, DEBTOR, action="air_travel", institution=parties["airline"])
    assert answer["subject"] == DEBTOR[:6] + "********" + DEBTOR[-4:]
    assert answer["versions"] == {"catalogue": "2026.1", "rules": "2026.1", "measures": "2026.1"}
    [air] = answer["measures"]  # only the measures governing the asked action
    assert air["code"] == "punish.air_travel"
    assert air["applies"] is True
    assert air["until"] == "2028-03-01"  # the record's display window: decision + P2Y
    [reason] = air["because"]
    assert reason["trigger"] == {"item": "court.dishonest_debtor"}
    assert reason["record"]["item"] == "court.dishonest_debtor"
    assert reason["record"]["version"] == 1
    assert reason["record"]["decided_on"] == "2026-03-01"
    assert "SPC Provisions on Publishing the List of Dishonest Judgment Debtors" in reason["legal_basis"][0]["law"]
    assert "Restricting High Consumption" in air["legal_basis"][0]["law"]


def test_a_list_trigger_names_the_entry_and_the_rule_version(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing())
    answer = check_subject(services, DEBTOR, action="public_procurement", institution=None)
    procurement = measure(answer, "punish.procurement_exclusion")
    assert procurement["applies"] is True
    [reason] = procurement["because"]
    assert reason["list"] == "black"
    assert reason["entry"] == f"black:{reason['record']['id']}"
    assert reason["rule"] == {"id": "black.court_list", "version": 1}
    # Every measure governing the action appears, applying or not.
    assert measure(answer, "punish.tender_exclusion") == {
        **measure(answer, "punish.tender_exclusion"),
        "applies": False,
        "because": [],
    }


def test_the_listing_writes_entry_events_in_the_ingestion_transaction(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing())
    with services.db.transaction(write=False) as conn:
        tags = [e.tag for e in event_store.since(conn)]
        entries = list_store.of_records(conn, [1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert tags.count("lists:entry:added") == 1
    assert [(e.list_code, e.rule_id) for e in entries] == [("black", "black.court_list")]


def test_nothing_past_its_display_window_is_used(services: Services, parties: dict[str, Institution]) -> None:
    submit(services, "court-110105", listing())
    submit(
        services, "dept-110000", record(ref="P-1", subject_id=DEBTOR, item="penalty.general", decided_on="2026-03-01")
    )
    services.clock = at(date(2028, 2, 29))  # the last day of the two-year window
    assert check_subject(services, DEBTOR, action="air_travel", institution=None)["measures"][0]["applies"] is True
    services.clock = at(date(2028, 3, 1))  # the window has closed: no sweep has run
    after = check_subject(services, DEBTOR, action="air_travel", institution=None)
    assert after["measures"][0]["applies"] is False
    assert after["measures"][0]["because"] == []
    inspection = check_subject(services, DEBTOR, action="inspection_frequency", institution=None)
    assert measure(inspection, "supervise.inspection_frequency")["applies"] is False  # not tier C on expired data
    with services.db.transaction(write=False) as conn:
        assert list_store.counts(conn, date(2028, 3, 1)) == {}


def test_a_correction_moves_the_entry_to_the_new_version(services: Services, parties: dict[str, Institution]) -> None:
    submit(services, "court-110105", listing())
    corrected = listing(facts={**record(item="court.dishonest_debtor").facts, "term": "P3Y"})
    submit(services, "court-110105", corrected)
    answer = check_subject(services, DEBTOR, action="public_procurement", institution=None)
    reason = measure(answer, "punish.procurement_exclusion")["because"][0]
    assert reason["record"]["version"] == 2
    assert reason["until"] == "2029-03-01"
    with services.db.transaction(write=False) as conn:
        tags = [e.tag for e in event_store.since(conn) if e.tag.startswith("lists:entry")]
    assert tags == ["lists:entry:added", "lists:entry:changed"]


def test_a_correction_to_the_wrong_person_takes_the_entry_with_it(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing())
    submit(services, "court-110105", listing(subject_id=CLEAN))
    assert check_subject(services, DEBTOR, action="air_travel", institution=None)["measures"][0]["applies"] is False
    assert check_subject(services, CLEAN, action="air_travel", institution=None)["measures"][0]["applies"] is True
    with services.db.transaction(write=False) as conn:
        removed = [e for e in event_store.since(conn) if e.tag == "lists:entry:removed"]
    assert len(removed) == 1


def test_an_unknown_subject_gets_every_measure_as_not_applying_and_the_check_is_kept(
    services: Services, parties: dict[str, Institution]
) -> None:
    answer = check_subject(services, CLEAN, action="admin_licence", institution=parties["licensing"])
    assert answer["known"] is False
    assert {m["code"] for m in answer["measures"]} == {
        "reward.green_channel",
        "punish.licence_restriction",
        "punish.licence_fraud_ban",
    }
    assert not any(m["applies"] for m in answer["measures"])
    with services.db.transaction(write=False) as conn:
        row = conn.execute(select(checks).where(checks.c.id == answer["check_id"])).one()
    assert row.institution_code == "lic-110000"
    assert row.action == "admin_licence"
    assert row.subject_id is None
    assert (row.catalogue_version, row.rules_version, row.measures_version) == ("2026.1", "2026.1", "2026.1")
    assert row.answer["measures"] == answer["measures"]


def test_an_institution_asks_only_about_actions_it_implements(
    services: Services, parties: dict[str, Institution]
) -> None:
    with pytest.raises(PermissionDeniedError):
        check_subject(services, DEBTOR, action="air_travel", institution=parties["school"])
    with pytest.raises(UnknownActionError):
        check_subject(services, DEBTOR, action="buy_a_sandwich", institution=None)
    with pytest.raises(InvalidInputError):
        check_subject(services, "110105199003071234", action="air_travel", institution=None)


def test_a_grace_period_delays_a_measure_and_says_until_when(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing(decided_on="2026-11-17"))  # ten days before the test clock
    funding = measure(
        check_subject(services, DEBTOR, action="public_funding", institution=None), "punish.public_funding"
    )
    assert funding["applies"] is False
    assert funding["not_counted"][0]["grace_until"] == "2026-12-17"
    services.clock = at(date(2026, 12, 17))
    funding = measure(
        check_subject(services, DEBTOR, action="public_funding", institution=None), "punish.public_funding"
    )
    assert funding["applies"] is True


def test_one_measure_is_lifted_on_its_own_while_the_others_stay(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing())
    record_id = check_subject(services, DEBTOR, action="air_travel", institution=None)["measures"][0]["because"][0][
        "record"
    ]["id"]
    with pytest.raises(PermissionDeniedError):  # only the issuing body (a court) lifts it
        lift_measure(
            services, DEBTOR, measure="punish.air_travel", record_id=record_id, reason="x", institution=parties["dept"]
        )
    lifted = lift_measure(
        services,
        DEBTOR,
        measure="punish.air_travel",
        record_id=record_id,
        reason="security given (SPC Provisions 2015 Art. 9)",
        institution=parties["court"],
    )
    air = check_subject(services, DEBTOR, action="air_travel", institution=None)["measures"][0]
    assert air["applies"] is False
    assert air["not_counted"][0]["lifted"]["reason"].startswith("security given")
    assert lifted["lifted_on"] == "2026-11-27"
    rail = check_subject(services, DEBTOR, action="rail_soft_sleeper", institution=None)["measures"][0]
    assert rail["applies"] is True
    with pytest.raises(ConflictError, match="already lifted"):
        lift_measure(services, DEBTOR, measure="punish.air_travel", record_id=record_id, reason="x", institution=None)
    with pytest.raises(ConflictError, match="may not be lifted"):
        lift_measure(
            services, DEBTOR, measure="punish.procurement_exclusion", record_id=record_id, reason="x", institution=None
        )


def link(**overrides: Any) -> dict[str, Any]:
    defaults = {
        "ref": "K-1",
        "organisation_id": COMPANY,
        "organisation_name": "北京某某科技有限公司",
        "person_id": OFFICER,
        "person_name": "李四",
        "role": "legal_representative",
        "valid_from": "2020-01-01",
    }
    return {**defaults, **overrides}


def test_an_organisations_restriction_reaches_its_legal_representative(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(
        services,
        "court-110105",
        record(ref="O-1", subject_id=COMPANY, subject_name="北京某某科技有限公司", item="org.court.dishonest_debtor"),
    )
    assert submit_links(services, [link()], provider="dept-110000").accepted == 1
    air = check_subject(services, OFFICER, action="air_travel", institution=parties["airline"])["measures"][0]
    assert air["applies"] is True
    [reason] = air["because"]
    assert reason["via"]["role"] == "legal_representative"
    assert reason["via"]["organisation"] == mask_number(COMPANY)
    assert reason["record"]["item"] == "org.court.dishonest_debtor"
    # A measure that does not reach linked persons leaves the person alone.
    procurement = measure(
        check_subject(services, OFFICER, action="public_procurement", institution=None), "punish.procurement_exclusion"
    )
    assert procurement["applies"] is False
    # When the role ends, the reach ends with it.
    assert submit_links(services, [link(valid_until="2026-10-31")], provider="dept-110000").corrected == 1
    assert check_subject(services, OFFICER, action="air_travel", institution=None)["measures"][0]["applies"] is False


def test_links_are_checked_like_records(services: Services, parties: dict[str, Institution]) -> None:
    summary = submit_links(
        services,
        [
            link(ref="K-2", role="actual_controller"),  # only a court may say who controls
            link(ref="K-3", person_id=COMPANY),
            link(ref="K-4", role="cousin"),
            link(ref="K-5", valid_from="2030-01-01"),
            link(ref="K-6"),
            link(ref="K-6"),
        ],
        provider="dept-110000",
    )
    reasons = [r.reason for r in summary.results]
    assert summary.accepted == 1
    assert summary.rejected == 5
    assert "may not submit actual_controller" in (reasons[0] or "")
    assert "resident ID number" in (reasons[1] or "")
    assert "unknown role" in (reasons[2] or "")
    assert "future" in (reasons[3] or "")
    assert "twice" in (reasons[5] or "")
    again = submit_links(services, [link(ref="K-6")], provider="dept-110000")
    assert again.unchanged == 1


def registration(**overrides: Any) -> Any:
    return record(
        **{
            "ref": "REG-1",
            "subject_id": CLEAN,
            "item": "profession.lawyer.registration",
            "decided_on": "2019-05-01",
            **overrides,
        }
    )


def test_spotless_years_and_tiers_follow_the_clock(services: Services, parties: dict[str, Institution]) -> None:
    submit(services, "lic-110000", registration())
    # A general penalty recorded in 2023, now long past its one-year window: it can no longer
    # break the run.
    services.clock = at(date(2023, 2, 1))
    submit(
        services, "dept-110000", record(ref="P-0", subject_id=CLEAN, item="penalty.general", decided_on="2023-01-10")
    )
    services.clock = at(date(2026, 11, 27))
    green = measure(check_subject(services, CLEAN, action="admin_licence", institution=None), "reward.green_channel")
    assert green["applies"] is True
    [reason] = green["because"]
    assert reason["trigger"] == {"spotless_years": 3}
    assert reason["spotless"]["since"] == "2019-05-01"
    assert reason["spotless"]["spotless_years"] == 7
    # A new general penalty breaks the run and puts the subject in tier C while it is shown.
    submit(
        services, "dept-110000", record(ref="P-1", subject_id=CLEAN, item="penalty.general", decided_on="2026-06-01")
    )
    answer = check_subject(services, CLEAN, action="admin_licence", institution=None)
    assert measure(answer, "reward.green_channel")["applies"] is False
    inspection = measure(
        check_subject(services, CLEAN, action="inspection_frequency", institution=None),
        "supervise.inspection_frequency",
    )
    assert inspection["applies"] is True
    assert inspection["because"][0]["tier"]["tier"] == "C"
    assert inspection["because"][0]["tier"]["because"][0]["record"]["decided_on"] == "2026-06-01"
    # A year later the penalty is no longer shown: the run counts from the registration again.
    services.clock = at(date(2027, 6, 1))
    assert measure(check_subject(services, CLEAN, action="admin_licence", institution=None), "reward.green_channel")[
        "applies"
    ]
    assert not measure(
        check_subject(services, CLEAN, action="inspection_frequency", institution=None),
        "supervise.inspection_frequency",
    )["applies"]


def test_a_red_list_entry_rewards_and_a_black_one_takes_tier_d(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(
        services,
        "dept-110000",
        record(ref="H-1", subject_id=CLEAN, item="honour.sincerity_model", decided_on="2026-01-05"),
    )
    support = check_subject(services, CLEAN, action="education_support", institution=None)["measures"][0]
    assert support["applies"] is True
    assert support["because"][0]["list"] == "red"
    submit(
        services, "dept-110000", record(ref="T-1", subject_id=DEBTOR, item="taxation.evasion", decided_on="2026-02-01")
    )
    expedite = check_subject(services, DEBTOR, action="expedited_acceptance", institution=None)
    refusal = measure(expedite, "supervise.no_expedited_acceptance")
    assert refusal["applies"] is True
    assert refusal["because"][0]["tier"]["tier"] == "D"
    assert measure(expedite, "reward.expedited_acceptance")["applies"] is False


def test_a_batch_answers_each_subject_and_is_one_recorded_check(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing())
    submit(services, "dept-110000", record(ref="P-1", subject_id=CLEAN, item="penalty.general"))
    numbers = [CLEAN, DEBTOR, "not a number", person_number(serial=999)]
    answer = check_batch(services, numbers, action="air_travel", institution=parties["airline"])
    results = answer["results"]
    assert [r.get("applies") for r in results] == [False, True, None, False]
    assert "error" in results[2]
    assert results[1]["measures"][0]["because"][0]["record"]["item"] == "court.dishonest_debtor"
    assert answer["applying"] == 1
    with services.db.transaction(write=False) as conn:
        row = conn.execute(select(checks).where(checks.c.id == answer["check_id"])).one()
    assert (row.subjects, row.applying) == (4, 1)
    assert row.answer["invalid"] == 1
    assert row.answer["read"] == 1  # only the debtor holds anything air travel reads
    # Who was asked about, known or not, by keyed hash in the order asked: never the numbers.
    vault = services.vault
    assert row.asked == b"".join(vault.lookup(n)[:16] for n in (CLEAN, DEBTOR, person_number(serial=999)))


def airline_feedback(
    services: Services,
    parties: dict[str, Institution],
    check_id: int,
    *,
    measure: str = "punish.air_travel",
    outcome: str = "applied",
    reason: str | None = None,
    subject: str | None = None,
    by: Institution | None = None,
) -> dict[str, Any]:
    """Feedback on a check, by the airline unless `by` says otherwise."""
    return give_feedback(
        services,
        check_id,
        institution=by or parties["airline"],
        measure=measure,
        outcome=outcome,
        reason=reason,
        subject=subject,
    )


def test_feedback_is_kept_for_the_check_it_answers(services: Services, parties: dict[str, Institution]) -> None:
    submit(services, "court-110105", listing())
    answer = check_subject(services, DEBTOR, action="air_travel", institution=parties["airline"])
    given = airline_feedback(services, parties, answer["check_id"])
    with services.db.transaction(write=False) as conn:
        kept = conn.execute(select(check_feedback).where(check_feedback.c.id == given["feedback_id"])).one()
    assert (kept.outcome, kept.measure_code, kept.institution_code) == ("applied", "punish.air_travel", "airline")
    with pytest.raises(InvalidInputError, match="why"):
        airline_feedback(services, parties, answer["check_id"], outcome="not_applied", reason=" ")
    with pytest.raises(InvalidInputError, match="not part"):
        airline_feedback(services, parties, answer["check_id"], measure="punish.honours")
    other = institution(services, code="airline-2", kind="implementing_agency", items=())
    with pytest.raises(NotFoundError):
        airline_feedback(services, parties, answer["check_id"], by=other)
    batch = check_batch(services, [DEBTOR, CLEAN], action="air_travel", institution=parties["airline"])
    with pytest.raises(InvalidInputError, match="names the subject"):
        airline_feedback(services, parties, batch["check_id"])
    given = airline_feedback(
        services,
        parties,
        batch["check_id"],
        outcome="not_applied",
        reason="ticket sold before the listing reached us",
        subject=DEBTOR,
    )
    assert given["outcome"] == "not_applied"
    with pytest.raises(InvalidInputError, match="not part"):
        airline_feedback(services, parties, batch["check_id"], subject=OFFICER)


def test_feedback_on_a_check_recorded_before_keyed_hashes_were_kept(
    services: Services, parties: dict[str, Institution]
) -> None:
    """Rows written before migration 0004 name the subjects they read by id, not by hash."""
    submit(services, "court-110105", listing())
    submit(services, "dept-110000", record(ref="P-1", subject_id=CLEAN))  # known, but not read
    batch = check_batch(services, [DEBTOR, CLEAN], action="air_travel", institution=parties["airline"])
    with services.db.transaction() as conn:
        row = conn.execute(select(checks).where(checks.c.id == batch["check_id"])).one()
        debtor_id = row.answer["applying"][0]["subject_id"]
        answer = {**row.answer, "asked": [debtor_id]}
        conn.execute(checks.update().where(checks.c.id == row.id).values(asked=None, answer=answer))
    assert airline_feedback(services, parties, batch["check_id"], subject=DEBTOR)["outcome"] == "applied"
    with pytest.raises(InvalidInputError, match="not part"):
        airline_feedback(services, parties, batch["check_id"], subject=CLEAN)


def test_every_check_of_a_day_is_recorded_even_when_the_clock_moves(
    services: Services, parties: dict[str, Institution]
) -> None:
    for day in (date(2026, 11, 27), date(2026, 11, 28) + timedelta(days=1)):
        services.clock = at(day)
        check_subject(services, DEBTOR, action="air_travel", institution=None)
    with services.db.transaction(write=False) as conn:
        assert len(conn.execute(select(checks.c.id)).all()) == 2


def test_an_item_no_list_places_is_read_from_the_records(
    services: Services, parties: dict[str, Institution], tmp_path: Any
) -> None:
    load_measures_with(services, tmp_path, GENERAL_PENALTY_MEASURE)
    submit(
        services, "dept-110000", record(ref="G-1", subject_id=CLEAN, item="penalty.general", decided_on="2026-09-01")
    )
    answer = check_subject(services, CLEAN, action="honours", institution=None)
    assert answer["versions"]["measures"] == "2026.7"
    test_measure = measure(answer, "punish.test_general_penalty")
    assert test_measure["applies"] is True
    assert test_measure["because"][0]["record"]["item"] == "penalty.general"
    assert test_measure["until"] == "2027-09-01"
    batch = check_batch(services, [CLEAN, DEBTOR], action="honours", institution=None)
    assert [r["applies"] for r in batch["results"]] == [True, False]


def test_a_batch_reaches_linked_persons_too(services: Services, parties: dict[str, Institution]) -> None:
    submit(
        services,
        "court-110105",
        record(ref="O-1", subject_id=COMPANY, subject_name="北京某某科技有限公司", item="org.court.dishonest_debtor"),
    )
    submit_links(services, [link()], provider="dept-110000")
    answer = check_batch(services, [CLEAN, OFFICER], action="air_travel", institution=parties["airline"])
    assert [r["applies"] for r in answer["results"]] == [False, True]
    assert answer["results"][1]["measures"][0]["because"][0]["via"]["role"] == "legal_representative"


def test_a_large_batch_is_read_in_chunks_and_keeps_its_order(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", listing())
    numbers = [person_number(serial=n % 1000, born=date(1960 + n // 1000, 1, 1)) for n in range(6_000)]
    numbers.insert(5_500, DEBTOR)
    answer = check_batch(services, numbers, action="air_travel", institution=parties["airline"])
    applying = [r["index"] for r in answer["results"] if r.get("applies")]
    assert applying == [5_500]
    with pytest.raises(InvalidInputError, match="at most"):
        check_batch(services, [CLEAN] * 10_001, action="air_travel", institution=None)


def test_the_one_statement_read_reads_what_the_reads_one_by_one_do(
    services: Services, parties: dict[str, Institution], store: str, tmp_path: Any
) -> None:
    """PostgreSQL reads a group's subjects in one statement; it must return what the reads one
    by one return, for every combination of what the measures need."""
    if store != "postgresql":
        pytest.skip("the one-statement read is PostgreSQL's")
    load_measures_with(services, tmp_path, GENERAL_PENALTY_MEASURE)
    submit(
        services,
        "court-110105",
        listing(),
        record(ref="O-1", subject_id=COMPANY, subject_name="北京某某科技有限公司", item="org.court.dishonest_debtor"),
    )
    submit(
        services,
        "dept-110000",
        record(ref="G-1", subject_id=DEBTOR, item="penalty.general", decided_on="2026-09-01"),
        record(ref="G-2", subject_id=OFFICER, item="penalty.general", decided_on="2026-08-01"),
        record(ref="G-3", subject_id=COMPANY, subject_name="北京某某科技有限公司", item="org.penalty.general"),
    )
    submit_links(services, [link()], provider="dept-110000")
    air = check_subject(services, DEBTOR, action="air_travel", institution=None)["measures"][0]
    listed_id = air["because"][0]["record"]["id"]
    lift_measure(services, DEBTOR, measure="punish.air_travel", record_id=listed_id, reason="paid", institution=None)
    reached = check_subject(services, OFFICER, action="air_travel", institution=None)["measures"][0]
    company_listing = reached["because"][0]["record"]["id"]
    open_dispute(services, COMPANY, record_id=company_listing, reason="paid in full")  # still used: marked
    unknown = person_number(serial=399)
    hashes = [services.vault.lookup(number) for number in (DEBTOR, OFFICER, CLEAN, COMPANY, unknown)]
    today = date(2026, 11, 27)

    def sorted_read(read: checkpath.SubjectsRead) -> tuple[Any, ...]:
        return (
            read.generation,
            read.known,
            sorted(read.roles, key=repr),
            sorted(read.entries, key=repr),
            sorted(read.records, key=repr),
            sorted(read.lifts, key=repr),
        )

    with services.db.transaction(write=False) as conn:
        tx = Driver.of(conn)
        for links in (True, False):
            for records in (True, False, ("penalty.general",), ("org.court.dishonest_debtor", "penalty.general")):
                one = checkpath.read_in_one_statement(tx, hashes, today, links=links, records=records)
                each = checkpath.read_one_by_one(tx, hashes, today, links=links, records=records)
                assert sorted_read(one) == sorted_read(each), (links, records)
                assert len(one.known) == 3  # CLEAN and the last number: nothing held
                assert one.entries
                assert one.lifts
                assert bool(one.roles) is links
                assert any(e.disputed for e in one.entries)
                assert any(r.disputed for _, r in one.records) is (
                    records is True or (isinstance(records, tuple) and "org.court.dishonest_debtor" in records)
                )
