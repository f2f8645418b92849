"""The showing index on both stores: a batch answers exactly as single checks do (which never
use it) while records, entries and links change under a long-lived index; it catches up from
the change feed, rebuilds on a new day, new rules or a flood of changes, and a failed read
leaves it as it was."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest

from sincerity.domain.institutions import Institution
from sincerity.kit.clock import CHINA_TZ, FixedClock
from sincerity.services import showing
from sincerity.services.checks import check_batch, check_subject, prepare_batches
from sincerity.services.context import Services
from sincerity.services.disputes import answer_dispute, open_dispute
from sincerity.services.ingest import submit_records
from sincerity.services.links import submit_links
from sincerity.services.lists import recompute_lists
from sincerity.store import showing as showing_store
from tests.factories import (
    GENERAL_PENALTY_MEASURE,
    institution,
    load_measures_with,
    organisation_number,
    person_number,
    record,
)

DEBTOR = person_number(serial=401)
OFFICER = person_number(serial=402, born=date(1975, 5, 5))
LATER_OFFICER = person_number(serial=403, born=date(1980, 6, 6))
CLEAN = person_number(serial=404)
COMPANY = organisation_number()
EVERYONE = [DEBTOR, OFFICER, LATER_OFFICER, CLEAN, COMPANY]
ACTIONS = ("air_travel", "honours", "public_procurement", "admin_licence")


@pytest.fixture
def parties(services: Services) -> dict[str, Institution]:
    return {
        "court": institution(services, code="court-110105", kind="court"),
        "dept": institution(services, code="dept-110000"),
    }


def submit(services: Services, provider: str, *rows: Any) -> None:
    summary = submit_records(services, list(rows), provider=provider, source="test", keep_results=True)
    assert summary.rejected == 0, summary.rejections


def officer_link(person: str, ref: str) -> dict[str, Any]:
    return {
        "ref": ref,
        "organisation_id": COMPANY,
        "organisation_name": "北京某某科技有限公司",
        "person_id": person,
        "person_name": "李四",
        "role": "legal_representative",
        "valid_from": "2020-01-01",
    }


def agree(services: Services, action: str = "air_travel") -> list[bool]:
    """The batch's answer per subject, asserted equal to what single checks answer."""
    batch = check_batch(services, EVERYONE, action=action, institution=None)
    singles = [check_subject(services, n, action=action, institution=None) for n in EVERYONE]
    expected = [any(m["applies"] for m in s["measures"]) for s in singles]
    found = [r["applies"] for r in batch["results"]]
    assert found == expected, (action, found, expected)
    return found


def agree_everywhere(services: Services) -> dict[str, list[bool]]:
    return {action: agree(services, action) for action in ACTIONS}


def test_the_index_follows_every_change_and_a_batch_answers_as_single_checks_do(
    services: Services, parties: dict[str, Institution]
) -> None:
    assert agree(services) == [False] * 5
    assert services.showing.rebuilds == 1
    submit(services, "court-110105", record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor"))
    assert agree(services) == [True, False, False, False, False]
    # A person linked first, the organisation listed afterwards: the organisation's change
    # reaches the persons linked to it.
    submit_links(services, [officer_link(OFFICER, "K-1")], provider="dept-110000")
    assert agree(services) == [True, False, False, False, False]
    submit(
        services,
        "court-110105",
        record(ref="O-1", subject_id=COMPANY, subject_name="北京某某科技有限公司", item="org.court.dishonest_debtor"),
    )
    assert agree(services) == [True, True, False, False, True]
    # The organisation listed first, a person linked afterwards.
    submit_links(services, [officer_link(LATER_OFFICER, "K-2")], provider="dept-110000")
    assert agree(services) == [True, True, True, False, True]
    submit(services, "dept-110000", record(ref="T-1", subject_id=CLEAN, item="taxation.evasion"))
    agree_everywhere(services)
    assert services.showing.rebuilds == 1  # all of it caught up from the change feed


def test_what_the_index_still_holds_never_counts_once_withdrawn(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor"))
    assert agree(services) == [True, False, False, False, False]
    record_id = check_subject(services, DEBTOR, action="air_travel", institution=None)["measures"][0]["because"][0][
        "record"
    ]["id"]
    opened = open_dispute(services, DEBTOR, record_id=record_id, reason="paid in full before the listing")
    answer_dispute(
        services, opened["dispute_id"], outcome="removed", answer="the debt was paid", institution=parties["court"]
    )
    assert len(services.showing) >= 1  # still held: only the check's own reads decide
    assert agree(services) == [False] * 5


def on(day: date) -> FixedClock:
    return FixedClock(datetime.combine(day, time(9), CHINA_TZ))


def test_a_week_an_earlier_day_new_rules_or_a_flood_of_changes_rebuild_it(
    services: Services, parties: dict[str, Institution], monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(services, "court-110105", record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor"))
    services.clock = on(date(2026, 12, 1))
    agree(services)
    assert services.showing.rebuilds == 1
    services.clock = on(date(2026, 12, 7))  # what it holds for 1 December covers any later day
    agree(services)
    assert services.showing.rebuilds == 1
    services.clock = on(date(2026, 12, 8))  # a week on: rebuilt to forget what has ended
    agree(services)
    assert services.showing.rebuilds == 2
    services.clock = on(date(2026, 11, 30))  # an earlier day may show what has ended since
    agree(services)
    assert services.showing.rebuilds == 3
    recompute_lists(services)  # recorded without naming a subject: rebuilt
    agree(services)
    assert services.showing.rebuilds == 4
    monkeypatch.setattr(showing, "REBUILD_AFTER", 2)
    submit(
        services,
        "dept-110000",
        *(record(ref=f"P-{n}", subject_id=person_number(serial=500 + n)) for n in range(3)),
    )
    agree(services)
    assert services.showing.rebuilds == 5


def test_an_entry_that_ended_before_an_earlier_day_asked_about_still_counts_that_day(
    services: Services, parties: dict[str, Institution]
) -> None:
    """Built on a day after a listing ended, then asked about a day the listing was shown."""
    services.clock = on(date(2025, 6, 1))
    submit(
        services,
        "court-110105",
        record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor", decided_on="2024-01-10"),
    )
    services.clock = on(date(2026, 12, 1))  # the two-year term ended on 10 January 2026
    assert agree(services) == [False] * 5
    services.clock = on(date(2025, 6, 1))
    assert agree(services) == [True, False, False, False, False]


def test_a_failed_read_leaves_the_index_as_it_was(
    services: Services, parties: dict[str, Institution], monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(services, "court-110105", record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor"))
    agree(services)
    submit(services, "court-110105", record(ref="L-2", subject_id=CLEAN, item="court.dishonest_debtor"))
    real = showing_store.holdings

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(showing_store, "holdings", failing)
    with pytest.raises(RuntimeError):
        check_batch(services, EVERYONE, action="air_travel", institution=None)
    monkeypatch.setattr(showing_store, "holdings", real)
    assert agree(services) == [True, False, False, True, False]  # the change is read again


def test_only_subjects_that_hold_something_are_read(services: Services, parties: dict[str, Institution]) -> None:
    submit(services, "court-110105", record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor"))
    submit(services, "dept-110000", record(ref="P-1", subject_id=CLEAN, item="penalty.general"))
    answer = check_batch(services, EVERYONE, action="air_travel", institution=None)
    assert [r["applies"] for r in answer["results"]] == [True, False, False, False, False]
    from sqlalchemy import select

    from sincerity.store.tables import checks

    with services.db.transaction(write=False) as conn:
        row = conn.execute(select(checks).where(checks.c.id == answer["check_id"])).one()
    assert row.answer["read"] == 1  # CLEAN's penalty puts them on no list air travel reads


def test_records_of_items_no_list_places_are_held_too(
    services: Services, parties: dict[str, Institution], tmp_path: Any
) -> None:
    agree(services, "honours")  # built before the measure exists
    load_measures_with(services, tmp_path, GENERAL_PENALTY_MEASURE)
    submit(services, "dept-110000", record(ref="G-1", subject_id=CLEAN, item="penalty.general"))
    assert agree(services, "honours") == [False, False, False, True, False]
    # Links are read with such items too (an organisation holding one would reach its persons).
    submit_links(services, [officer_link(OFFICER, "K-1")], provider="dept-110000")
    submit(
        services,
        "dept-110000",
        record(ref="G-2", subject_id=DEBTOR, item="penalty.general", decided_on="2026-10-01"),
    )
    assert agree(services, "honours") == [True, False, False, True, False]


def test_a_serving_process_builds_it_before_the_first_batch(
    services: Services, parties: dict[str, Institution]
) -> None:
    submit(services, "court-110105", record(ref="L-1", subject_id=DEBTOR, item="court.dishonest_debtor"))
    prepare_batches(services)
    assert services.showing.rebuilds == 1
    assert len(services.showing) == 1
    assert agree(services) == [True, False, False, False, False]
    assert services.showing.rebuilds == 1
