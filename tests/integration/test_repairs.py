"""Credit repair on both stores: eligibility explained (eligible, not yet, not repairable,
barred), the application and the designating body's steps on working-day deadlines, and a
granted repair that ends every use of the record."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest

from sincerity.domain.institutions import Institution
from sincerity.kit.clock import CHINA_TZ, FixedClock
from sincerity.kit.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from sincerity.services.checks import check_subject
from sincerity.services.commitments import report_breach, sign_commitment
from sincerity.services.context import Services
from sincerity.services.disputes import open_dispute
from sincerity.services.ingest import submit_records
from sincerity.services.repairs import (
    RepairNotEligibleError,
    accept_repair,
    apply_for_repair,
    ask_for_materials,
    decide_repair,
    extend_repair,
    get_repair,
    list_repairs,
    repair_eligibility,
    supplement_repair,
    withdraw_repair,
)
from sincerity.store import events as event_store
from sincerity.store import lists as list_store
from sincerity.store import records as record_store
from tests.factories import institution, organisation_number, person_number, record

PERSON = person_number(serial=701)
SHA = "cd" * 32
PAID = [{"name": "fine-receipt.pdf", "sha256": SHA, "proves": "obligations_performed"}]
TODAY = date(2026, 11, 27)  # a Friday


def at(day: date) -> FixedClock:
    return FixedClock(datetime.combine(day, time(10), CHINA_TZ))


@pytest.fixture
def parties(services: Services) -> dict[str, Institution]:
    return {
        "dept": institution(services, code="dept-110000"),
        "tax": institution(services, code="tax-110000"),
        "court": institution(services, code="court-110105", kind="court"),
        "platform": institution(services, code="platform-110000", kind="platform"),
    }


def submit(services: Services, provider: str, row: Any) -> int:
    summary = submit_records(services, [row], provider=provider, source="test", keep_results=True)
    assert summary.rejected == 0, summary.rejections
    with services.db.transaction(write=False) as conn:
        return record_store.versions_of(conn, provider, row.ref)[-1].id


def penalty(decided_on: str = "2026-06-01", **overrides: Any) -> Any:
    return record(ref="P-1", subject_id=PERSON, item="penalty.general", decided_on=decided_on, **overrides)


def commit(services: Services, parties: dict[str, Institution], covers: list[int]) -> dict[str, Any]:
    return sign_commitment(
        services,
        PERSON,
        name="张三",
        commitment_type="credit_repair",
        addressee="北京市市场监督管理局",
        text="本人承诺所提交信用修复材料真实有效，已纠正失信行为。",
        records=covers,
        institution=parties["platform"],
    )


def conditions(found: dict[str, Any]) -> dict[str, Any]:
    return {c["condition"]: c["met"] for c in found["conditions"]}


def used(services: Services, action: str) -> bool:
    answer = check_subject(services, PERSON, action=action, institution=None)
    return any(m["applies"] for m in answer["measures"])


def test_eligibility_is_explained_before_applying(services: Services, parties: dict[str, Institution]) -> None:
    rid = submit(services, "dept-110000", penalty())
    before = repair_eligibility(services, PERSON, record_id=rid, institution=parties["platform"])
    assert before["repairable"] is True
    assert before["eligible"] is False
    assert before["earliest_on"] == "2026-09-01"  # general: three months (Order No. 36 Art. 12)
    assert before["free_of_charge"] is True
    assert conditions(before) == {"waiting_period": True, "obligations_performed": None, "commitment_signed": False}
    assert before["if_applied_today"]["accept_or_refuse_by"] == "2026-12-02"  # 3 working days after a Friday
    signed = commit(services, parties, [rid])
    assert signed["scope"] == {"records": [rid]}
    assert len(signed["document_sha256"]) == 64
    after = repair_eligibility(services, PERSON, record_id=rid, institution=None)
    assert after["eligible"] is True
    assert conditions(after)["commitment_signed"] is True


def test_not_yet_eligible_says_from_when_and_refuses_the_application(
    services: Services, parties: dict[str, Institution]
) -> None:
    rid = submit(services, "dept-110000", penalty("2026-10-01"))
    commit(services, parties, [rid])
    found = repair_eligibility(services, PERSON, record_id=rid)
    [waiting] = [c for c in found["conditions"] if c["condition"] == "waiting_period"]
    assert waiting["met"] is False
    assert waiting["from"] == "2027-01-01"
    with pytest.raises(RepairNotEligibleError, match="repair may be asked from 2027-01-01") as refused:
        apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    assert refused.value.details["eligible"] is False
    services.clock = at(date(2027, 1, 1))
    assert repair_eligibility(services, PERSON, record_id=rid)["eligible"] is True


def test_an_unrepairable_item_says_why(services: Services, parties: dict[str, Institution]) -> None:
    rid = submit(
        services,
        "court-110105",
        record(ref="L-1", subject_id=PERSON, item="court.dishonest_debtor", decided_on="2026-03-01"),
    )
    found = repair_eligibility(services, PERSON, record_id=rid)
    assert found["repairable"] is False
    assert found["eligible"] is False
    [reason] = found["conditions"]
    assert "not repairable" in reason["explanation"]
    assert "SPC Provisions" in reason["explanation"]


def test_serious_items_need_credit_training_after_the_decision(
    services: Services, parties: dict[str, Institution]
) -> None:
    rid = submit(
        services, "tax-110000", record(ref="T-1", subject_id=PERSON, item="taxation.evasion", decided_on="2025-06-01")
    )
    commit(services, parties, [rid])
    assert conditions(repair_eligibility(services, PERSON, record_id=rid))["training_completed"] is False
    training = record(
        ref="TR-1", subject_id=PERSON, item="commitment.training", decided_on="2026-11-20", decision_no="培训证书001"
    )
    submit(services, "platform-110000", training)
    found = repair_eligibility(services, PERSON, record_id=rid)
    assert conditions(found) == {
        "waiting_period": True,
        "obligations_performed": None,
        "commitment_signed": True,
        "training_completed": True,
    }


def test_a_granted_repair_ends_every_use_of_the_record_and_names_who_must_withdraw_it(
    services: Services, parties: dict[str, Institution]
) -> None:
    rid = submit(services, "dept-110000", penalty())
    check_subject(services, PERSON, action="inspection_frequency", institution=None)
    assert used(services, "inspection_frequency")  # tier C from a general penalty
    commit(services, parties, [rid])
    with pytest.raises(InvalidInputError, match="obligations are performed"):
        apply_for_repair(services, PERSON, record_id=rid, evidence=[], institution=parties["platform"])
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID, institution=parties["platform"])
    assert applied["status"] == "applied"
    assert applied["deadlines"]["accept"] == "2026-12-02"
    assert applied["deadlines"]["result"] == "2026-12-11"  # the platform's 10 working days
    assert applied["commitment"] is not None
    with pytest.raises(ConflictError, match="is open"):
        apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    with pytest.raises(NotFoundError):  # another department is told nothing
        accept_repair(services, applied["repair_id"], institution=parties["tax"])
    with pytest.raises(PermissionDeniedError, match="designating body"):  # the platform is told why
        accept_repair(services, applied["repair_id"], institution=parties["platform"])
    accepted = accept_repair(services, applied["repair_id"], institution=parties["dept"])
    assert accepted["deadlines"]["decide"] == "2026-12-08"  # 7 working days
    extended = extend_repair(services, applied["repair_id"], reason="field check", institution=parties["dept"])
    assert extended["deadlines"]["decide"] == "2026-12-22"  # + 10 working days
    with pytest.raises(ConflictError, match="already extended once"):
        extend_repair(services, applied["repair_id"], reason="again", institution=parties["dept"])
    granted = decide_repair(
        services,
        applied["repair_id"],
        granted=True,
        reasons="fine paid, conduct corrected",
        institution=parties["dept"],
    )
    assert granted["status"] == "granted"
    for day in (TODAY, TODAY + timedelta(days=100)):
        services.clock = at(day)
        assert not used(services, "inspection_frequency")
        with services.db.transaction(write=False) as conn:
            assert record_store.shown_of_subject(conn, _subject(services, rid), day, items=["penalty.general"]) == []
            assert list_store.counts(conn, day) == {}
    history = get_repair(services, applied["repair_id"], institution=parties["platform"])["history"]
    assert [h["step"] for h in history] == ["applied", "accepted", "extended", "granted"]
    with services.db.transaction(write=False) as conn:
        [withdrawn] = [e for e in event_store.since(conn) if e.tag == "records:record:withdrawn"]
    assert withdrawn.entity_id == rid
    assert withdrawn.data is not None
    assert withdrawn.data["reason"] == "repaired"


def test_the_institution_that_was_told_is_named_for_the_withdrawal(
    services: Services, parties: dict[str, Institution]
) -> None:
    rid = submit(
        services, "tax-110000", record(ref="T-1", subject_id=PERSON, item="taxation.evasion", decided_on="2025-06-01")
    )
    told = check_subject(services, PERSON, action="civil_service_hiring", institution=parties["dept"])
    assert told["measures"][0]["applies"] is True
    commit(services, parties, [rid])
    submit(
        services,
        "platform-110000",
        record(ref="TR-1", subject_id=PERSON, item="commitment.training", decided_on="2026-11-20", decision_no="C-1"),
    )
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    decide_repair(services, applied["repair_id"], granted=True, reasons="tax paid", institution=parties["tax"])
    with services.db.transaction(write=False) as conn:
        [withdrawn] = [e for e in event_store.since(conn) if e.tag == "records:record:withdrawn"]
    assert withdrawn.data is not None
    assert withdrawn.data["recipients"] == ["dept-110000"]


def _subject(services: Services, record_id: int) -> int:
    with services.db.transaction(write=False) as conn:
        found = record_store.current(conn, record_id)
    assert found is not None
    return found.subject_id


def test_materials_are_asked_once_and_the_clock_restarts_on_supplement(
    services: Services, parties: dict[str, Institution]
) -> None:
    rid = submit(services, "dept-110000", penalty())
    commit(services, parties, [rid])
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    asked = ask_for_materials(
        services, applied["repair_id"], missing="the bank's confirmation", institution=parties["dept"]
    )
    assert asked["status"] == "incomplete"
    services.clock = at(date(2026, 12, 7))  # a Monday
    more = [{"name": "bank.pdf", "sha256": SHA, "proves": "obligations_performed"}]
    again = supplement_repair(services, applied["repair_id"], number=PERSON, evidence=more)
    assert again["status"] == "applied"
    assert again["deadlines"]["accept"] == "2026-12-10"
    with pytest.raises(ConflictError, match="already asked for once"):
        ask_for_materials(services, applied["repair_id"], missing="more", institution=parties["dept"])
    refused = decide_repair(
        services, applied["repair_id"], granted=False, reasons="not paid", institution=parties["dept"]
    )
    assert refused["status"] == "refused"
    assert used(services, "inspection_frequency")  # a refusal changes nothing


def test_deadlines_count_working_days_across_national_day(services: Services, parties: dict[str, Institution]) -> None:
    services.clock = at(date(2026, 9, 30))
    rid = submit(services, "dept-110000", penalty("2026-05-01"))
    commit(services, parties, [rid])
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    # 1–7 October off; 8 and 9 October, then Saturday 10 October, a make-up working day.
    assert applied["deadlines"]["accept"] == "2026-10-10"
    assert applied["deadlines"]["result"] == "2026-10-20"  # 8, 9, 10, 12–16, 19, 20 October
    assert applied["deadlines"]["provisional"] is False


def test_late_steps_are_listed_as_overdue(services: Services, parties: dict[str, Institution]) -> None:
    rid = submit(services, "dept-110000", penalty())
    commit(services, parties, [rid])
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    services.clock = at(date(2026, 12, 2))
    assert list_repairs(services, institution=parties["dept"], overdue=True) == []
    services.clock = at(date(2026, 12, 3))
    [late] = list_repairs(services, institution=parties["dept"], overdue=True)
    assert late["overdue"] == ["accept"]
    assert list_repairs(services, institution=parties["tax"]) == []
    done = withdraw_repair(services, applied["repair_id"], number=PERSON, institution=parties["platform"])
    assert done["status"] == "withdrawn"
    assert list_repairs(services, institution=None, overdue=True) == []


def test_a_broken_commitment_bars_repair_for_three_years(services: Services, parties: dict[str, Institution]) -> None:
    rid = submit(services, "dept-110000", penalty())
    signed = commit(services, parties, [rid])
    breach = report_breach(
        services,
        signed["commitment_id"],
        kind="false_repair_materials",
        finding="伪造的缴款凭证",
        authority="北京市市场监督管理局",
        institution=parties["dept"],
    )
    assert breach["breach_record"] is not None
    found = repair_eligibility(services, PERSON, record_id=rid)
    [bar] = [c for c in found["conditions"] if c["condition"] == "not_barred"]
    assert bar["met"] is False
    assert bar["from"] == "2029-11-27"
    with pytest.raises(ConflictError, match="already found broken"):
        report_breach(
            services,
            signed["commitment_id"],
            kind="broken_commitment",
            finding="x",
            authority="y",
            institution=parties["dept"],
        )


def test_who_may_act(services: Services, parties: dict[str, Institution]) -> None:
    rid = submit(services, "dept-110000", penalty())
    commit(services, parties, [rid])
    with pytest.raises(PermissionDeniedError, match="cannot act for the subject"):
        apply_for_repair(services, PERSON, record_id=rid, evidence=PAID, institution=parties["tax"])
    with pytest.raises(NotFoundError):
        repair_eligibility(services, PERSON, record_id=rid, institution=parties["tax"])
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    with pytest.raises(NotFoundError):
        get_repair(services, applied["repair_id"], institution=parties["tax"])
    with pytest.raises(NotFoundError):
        decide_repair(services, applied["repair_id"], granted=True, reasons="x", institution=parties["tax"])
    with pytest.raises(InvalidInputError, match="proves must be one of"):
        apply_for_repair(services, PERSON, record_id=rid, evidence=[{"name": "x", "sha256": SHA, "proves": "luck"}])


def test_an_organisation_repairs_with_its_own_commitment_and_no_training(
    services: Services, parties: dict[str, Institution]
) -> None:
    company = organisation_number()
    rid = submit(
        services,
        "dept-110000",
        record(
            ref="O-1", subject_id=company, subject_name="某公司", item="org.penalty.serious", decided_on="2025-06-01"
        ),
    )
    before = conditions(repair_eligibility(services, company, record_id=rid))
    assert before == {"waiting_period": True, "obligations_performed": None, "commitment_signed": False}
    sign_commitment(
        services,
        company,
        name="某公司",
        commitment_type="credit_repair",
        addressee="北京市市场监督管理局",
        text="本公司承诺已整改。",
        records=[rid],
        institution=parties["platform"],
    )
    assert repair_eligibility(services, company, record_id=rid)["eligible"] is True


def test_a_grant_checks_again_what_may_have_changed_since_the_application(
    services: Services, parties: dict[str, Institution]
) -> None:
    rid = submit(services, "dept-110000", penalty())
    signed = commit(services, parties, [rid])
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    report_breach(
        services,
        signed["commitment_id"],
        kind="false_repair_materials",
        finding="伪造的缴款凭证",
        authority="北京市市场监督管理局",
        institution=parties["dept"],
    )
    with pytest.raises(RepairNotEligibleError, match="bars repair"):
        decide_repair(services, applied["repair_id"], granted=True, reasons="paid", institution=parties["dept"])
    refused = decide_repair(services, applied["repair_id"], granted=False, reasons="false materials", institution=None)
    assert refused["status"] == "refused"
    assert used(services, "inspection_frequency")


def test_a_disputed_breach_does_not_bar_repair_while_suspended(
    services: Services, parties: dict[str, Institution]
) -> None:
    rid = submit(services, "dept-110000", penalty())
    signed = commit(services, parties, [rid])
    breach = report_breach(
        services,
        signed["commitment_id"],
        kind="broken_commitment",
        finding="未按承诺整改",
        authority="北京市市场监督管理局",
        institution=parties["dept"],
    )
    assert conditions(repair_eligibility(services, PERSON, record_id=rid))["not_barred"] is False
    open_dispute(services, PERSON, record_id=breach["breach_record"], reason="I did comply", institution=None)
    assert "not_barred" not in conditions(repair_eligibility(services, PERSON, record_id=rid))


def test_only_the_parties_report_a_breach(services: Services, parties: dict[str, Institution]) -> None:
    rid = submit(services, "dept-110000", penalty())
    signed = commit(services, parties, [rid])
    with pytest.raises(NotFoundError, match="no commitment"):
        report_breach(
            services,
            signed["commitment_id"],
            kind="broken_commitment",
            finding="x",
            authority="y",
            institution=parties["tax"],
        )


def test_an_incomplete_application_can_be_refused(services: Services, parties: dict[str, Institution]) -> None:
    rid = submit(services, "dept-110000", penalty())
    commit(services, parties, [rid])
    applied = apply_for_repair(services, PERSON, record_id=rid, evidence=PAID)
    ask_for_materials(services, applied["repair_id"], missing="bank confirmation", institution=parties["dept"])
    with pytest.raises(ConflictError, match="nothing to decide"):
        decide_repair(services, applied["repair_id"], granted=True, reasons="x", institution=parties["dept"])
    done = decide_repair(
        services, applied["repair_id"], granted=False, reasons="nothing supplied", institution=parties["dept"]
    )
    assert done["status"] == "refused"
