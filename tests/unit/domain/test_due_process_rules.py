"""Pure due-process rules: dispute terms, repair eligibility and its explanations, the
positive-act credit and its statutory floor, notices and their lateness."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from sincerity.domain.calendar import default_calendar
from sincerity.domain.catalogue import Catalogue, PositiveAct, RepairPolicy
from sincerity.domain.disputes import evidence_from, terms_for
from sincerity.domain.notices import RecordFacts, late, render
from sincerity.domain.repair import RepairRecord, Supporting, earliest_on, eligibility
from sincerity.kit.durations import Duration
from sincerity.kit.errors import InvalidInputError
from tests.factories import shipped_catalogue

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return shipped_catalogue()


def test_dispute_terms_follow_the_item(catalogue: Catalogue) -> None:
    suspends = terms_for(catalogue.by_code["penalty.general"], TODAY, suspend_when_overdue=True)
    assert (suspends.answer_due, suspends.suspends_from) == (date(2026, 12, 17), TODAY)
    court = terms_for(catalogue.by_code["court.dishonest_debtor"], TODAY, suspend_when_overdue=True)
    assert (court.answer_due, court.suspends_from) == (date(2026, 12, 12), date(2026, 12, 13))
    never = terms_for(catalogue.by_code["court.dishonest_debtor"], TODAY, suspend_when_overdue=False)
    assert never.suspends_from is None


def test_evidence_is_named_and_fingerprinted() -> None:
    assert evidence_from([{"name": " a.pdf ", "sha256": "0" * 64}])[0].name == "a.pdf"
    for bad in ([{"name": "a"}], [{"name": "a", "sha256": "0" * 64, "size": 3}], [{"name": "", "sha256": "0" * 64}]):
        with pytest.raises(InvalidInputError):
            evidence_from(bad)


def _record(item: str, decided_on: date) -> RepairRecord:
    return RepairRecord(1, item, decided_on, "dept-1")


def test_every_condition_is_explained(catalogue: Catalogue) -> None:
    item = catalogue.by_code["penalty.serious"]
    found = eligibility(item, catalogue.repair, _record(item.code, date(2026, 6, 1)), TODAY)
    assert not found.eligible
    by_code = {c.code: c for c in found.conditions}
    assert by_code["waiting_period"].met is False
    assert by_code["waiting_period"].from_on == date(2027, 6, 1)
    assert by_code["obligations_performed"].met is None  # shown with evidence, verified on deciding
    assert "commitment" in by_code["commitment_signed"].explanation
    assert by_code["training_completed"].met is False


def test_a_commitment_before_the_decision_does_not_count(catalogue: Catalogue) -> None:
    item = catalogue.by_code["penalty.general"]
    old = Supporting(9, "commitment.letter", date(2026, 1, 1), {"commitment_type": "credit_repair"})
    other = Supporting(10, "commitment.letter", date(2026, 8, 1), {"commitment_type": "job_entry"})
    found = eligibility(item, catalogue.repair, _record(item.code, date(2026, 6, 1)), TODAY, supporting=[old, other])
    assert {c.code: c.met for c in found.conditions}["commitment_signed"] is False


def test_positive_acts_shorten_the_wait_only_where_the_rules_allow_and_never_below_the_law(
    catalogue: Catalogue,
) -> None:
    item = catalogue.by_code["penalty.serious"].model_copy(update={"earliest_repair": Duration(years=2)})
    decided = date(2025, 1, 10)
    shipped = catalogue.repair
    assert earliest_on(item, shipped, decided, 3) == date(2027, 1, 10)  # shipped credit: none
    generous = RepairPolicy(positive_act_credit=Duration(months=3), positive_act_credit_limit=Duration(months=6))
    assert earliest_on(item, generous, decided, 1) == date(2026, 10, 10)
    assert earliest_on(item, generous, decided, 3) == date(2026, 7, 10)  # capped at six months
    lavish = RepairPolicy(positive_act_credit=Duration(years=2), positive_act_credit_limit=Duration(years=2))
    assert earliest_on(item, lavish, decided, 1) == date(2026, 1, 10)  # the serious tier's one-year minimum
    found = eligibility(
        item,
        generous,
        _record(item.code, decided),
        TODAY,
        positive_acts=[PositiveAct.VOLUNTARY_SERVICE, PositiveAct.VOLUNTARY_SERVICE],  # one kind counts once
    )
    assert found.earliest_on == date(2026, 10, 10)
    assert "less P3M" in found.conditions[0].explanation


def test_policies_must_ask_for_a_commitment() -> None:
    with pytest.raises(ValueError, match="credit commitment"):
        RepairPolicy.model_validate({"conditions": {"minor": [], "general": [], "serious": []}})


def test_notices_say_what_happened_and_what_can_be_done() -> None:
    facts = RecordFacts("penalty.general", "General penalty", "一般行政处罚", "dept-1", "2026-06-01", "2027-06-01")
    notice = render(5, datetime(2026, 11, 27, 2, tzinfo=UTC), "records:record:created", {"item": "x"}, facts, "某局")
    assert notice.title["zh"] == "新增一条关于您的信用信息"
    assert "某局" in notice.body["zh"]
    assert "2027-06-01" in notice.body["en"]
    unknown = render(6, datetime(2026, 11, 27, tzinfo=UTC), "future:thing:happened", None, None)
    assert unknown.title["en"] == "future thing happened"


def test_one_working_day_for_a_notice() -> None:
    calendar = default_calendar()
    friday = datetime(2026, 11, 27, 2, tzinfo=UTC)
    assert not late(calendar, friday, datetime(2026, 11, 30, 9, tzinfo=UTC))  # Monday
    assert late(calendar, friday, datetime(2026, 12, 1, 1, tzinfo=UTC))  # Tuesday
    before_holiday = datetime(2026, 9, 30, 2, tzinfo=UTC)
    assert not late(calendar, before_holiday, datetime(2026, 10, 8, 2, tzinfo=UTC))  # after National Day
