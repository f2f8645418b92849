"""Pure rules: list placements, measure decisions (grace, lifts, reach), tiers and spotless runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sincerity.domain.lists import Entry, ListRules, entries_for
from sincerity.domain.measures import Lift, LinkedOrganisation, Measure, MeasureSet, Situation, Trigger, decide
from sincerity.domain.tiers import ShownRecord, spotless_run, tier_of, whole_years
from sincerity.store import files
from tests.factories import shipped_catalogue

TODAY = date(2026, 11, 27)


def rules() -> ListRules:
    loaded, _ = files.load_model(files.shipped("lists.yaml"), ListRules)
    return loaded


def measures() -> MeasureSet:
    loaded, _ = files.load_model(files.shipped("measures.yaml"), MeasureSet)
    return loaded


def the(code: str) -> Measure:
    return next(m for m in measures().measures if m.code == code)


def entry(
    list_code: str = "black", *, record_id: int = 7, starts: date = date(2026, 3, 1), ends: date | None = None
) -> Entry:
    return Entry(list_code, record_id, 1, 1, "court.dishonest_debtor", "black.court_list", 1, starts, ends)


def test_a_record_of_a_listed_item_places_its_subject_for_its_display_window() -> None:
    [placed] = entries_for(
        rules(),
        record_id=9,
        record_version=2,
        subject_id=3,
        item_code="taxation.evasion",
        decided_on=date(2026, 1, 1),
        display_until=date(2029, 1, 1),
    )
    assert (placed.list_code, placed.rule_id, placed.record_version) == ("black", "black.market_order", 2)
    assert placed.shown_on(date(2028, 12, 31))
    assert not placed.shown_on(date(2029, 1, 1))
    assert (
        entries_for(
            rules(),
            record_id=1,
            record_version=1,
            subject_id=1,
            item_code="penalty.minor",
            decided_on=TODAY,
            display_until=None,
        )
        == []
    )


def test_a_trigger_names_exactly_one_thing() -> None:
    with pytest.raises(ValidationError):
        Trigger(list="black", item="taxation.evasion")
    with pytest.raises(ValidationError):
        Trigger()


def test_a_measure_that_reaches_persons_names_the_roles() -> None:
    document = the("punish.air_travel").model_dump()
    document["linked_roles"] = ()
    with pytest.raises(ValidationError, match="linked_roles"):
        Measure.model_validate(document)


def test_a_punishment_cannot_rest_on_a_spotless_run() -> None:
    document = the("punish.honours").model_dump()
    document["triggers"] = [{"spotless_years": 3}]
    with pytest.raises(ValidationError, match="only a reward"):
        Measure.model_validate(document)


def test_an_entry_past_its_end_never_makes_a_measure_apply() -> None:
    answer = decide(
        the("punish.procurement_exclusion"),
        Situation(today=TODAY, entries=[entry(ends=TODAY)]),
        catalogue=shipped_catalogue(),
    )
    assert not answer.applies
    assert answer.because == []


def test_a_lift_takes_effect_on_its_day() -> None:
    lift = Lift("punish.air_travel", 7, TODAY + timedelta(days=1), "court-1", "security given")
    situation = Situation(
        today=TODAY,
        records=[ShownRecord(7, 1, "court.dishonest_debtor", date(2026, 3, 1), None)],
        lifts={("punish.air_travel", 7): lift},
    )
    assert decide(the("punish.air_travel"), situation, catalogue=shipped_catalogue()).applies
    situation.today = TODAY + timedelta(days=1)
    lifted = decide(the("punish.air_travel"), situation, catalogue=shipped_catalogue())
    assert not lifted.applies
    assert lifted.not_counted[0]["lifted"]["by"] == "court-1"


def test_an_organisations_entry_reaches_only_the_roles_a_measure_names() -> None:
    org_record = ShownRecord(8, 1, "org.court.dishonest_debtor", date(2026, 3, 1), date(2028, 3, 1))
    linked = LinkedOrganisation(5, "9111**", "legal_representative", 1, (), (org_record,))
    situation = Situation(today=TODAY, linked=[linked])
    reached = decide(the("punish.air_travel"), situation, catalogue=shipped_catalogue())
    assert reached.applies
    assert reached.until == date(2028, 3, 1)
    assert reached.because[0]["via"] == {"organisation": "9111**", "role": "legal_representative", "link": 1}
    not_reaching = decide(the("punish.officer_ban"), situation, catalogue=shipped_catalogue())
    assert not not_reaching.applies


def test_a_measure_lasts_as_long_as_its_longest_reason() -> None:
    situation = Situation(
        today=TODAY,
        entries=[entry(record_id=1, ends=date(2027, 1, 1)), entry(record_id=2, ends=date(2028, 1, 1))],
    )
    assert decide(the("punish.honours"), situation, catalogue=shipped_catalogue()).until == date(2028, 1, 1)
    situation.entries = [*situation.entries, entry(record_id=3, ends=None)]
    assert decide(the("punish.honours"), situation, catalogue=shipped_catalogue()).until is None


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 1, 1)), st.integers(min_value=0, max_value=20_000))
def test_whole_years_never_overcounts(since: date, days: int) -> None:
    later = since + timedelta(days=days)
    years = whole_years(since, later)
    assert 0 <= years <= days // 365
    anniversary = since.replace(year=since.year + years) if not (since.month == 2 and since.day == 29) else None
    if anniversary is not None:
        assert anniversary <= later


def test_a_shown_negative_record_restarts_the_run_and_an_expired_one_cannot() -> None:
    catalogue = shipped_catalogue()
    registration = ShownRecord(1, 1, "profession.lawyer.registration", date(2018, 1, 1), None)
    penalty = ShownRecord(2, 1, "penalty.general", date(2026, 6, 1), date(2027, 6, 1))
    run = spotless_run([registration, penalty], catalogue=catalogue, known_since=TODAY, today=TODAY)
    assert (run.years, run.since, run.broken_by) == (0, date(2026, 6, 1), penalty)
    run = spotless_run([registration], catalogue=catalogue, known_since=TODAY, today=TODAY)  # the penalty expired
    assert (run.years, run.since, run.broken_by) == (8, date(2018, 1, 1), None)


def test_the_first_tier_that_holds_is_the_subjects_and_says_why() -> None:
    catalogue = shipped_catalogue()
    run = spotless_run([], catalogue=catalogue, known_since=TODAY, today=TODAY)
    assert tier_of(rules(), entries=[entry()], records=[], spotless=run, catalogue=catalogue, today=TODAY).name == "D"
    assert tier_of(rules(), entries=[], records=[], spotless=run, catalogue=catalogue, today=TODAY).name == "B"
    red = tier_of(rules(), entries=[entry("red")], records=[], spotless=run, catalogue=catalogue, today=TODAY)
    assert (red.name, red.because[0]["list"]) == ("A", "red")


def test_records_are_read_only_for_items_no_list_places() -> None:
    from sincerity.domain.measures import records_needed

    placed = rules().placements
    assert records_needed([the("punish.air_travel")], placed) is False  # every trigger item is on a list
    assert records_needed([the("reward.green_channel")], placed) is True  # a spotless run reads them all
    assert records_needed([the("punish.honours")], placed) is False
