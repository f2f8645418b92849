"""Ingestion on both stores: accepted, corrected, unchanged, every rejection reason, events."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sincerity.domain.catalogue import Polarity, Severity, SubjectKind
from sincerity.domain.identity import parse_number
from sincerity.domain.records import RawRecord, Rejection
from sincerity.services.catalogue import current_catalogue
from sincerity.services.context import Services
from sincerity.services.ingest import IngestSummary, Outcome, submit_records
from sincerity.store import events as event_store
from sincerity.store import records as record_store
from sincerity.store import subjects as subject_store
from sincerity.store.tables import batches, events, name_flags, records, subjects
from tests.factories import institution, organisation_number, person_number, record

TODAY = date(2026, 11, 27)


def pick(
    services: Services,
    *,
    kind: SubjectKind = SubjectKind.PERSON,
    severity: Severity | None = Severity.GENERAL,
    polarity: Polarity = Polarity.NEGATIVE,
    provider: str = "department",
    min_age: bool | None = None,
) -> str:
    """The code of a shipped item with these properties (tests do not hard-code the catalogue)."""
    for item in current_catalogue(services).items:
        if (
            item.subject_kind is kind
            and item.polarity is polarity
            and item.severity is severity
            and any(p.value == provider for p in item.providers)
            and (min_age is None or (item.min_age is not None) == min_age)
            and item.display_period is not None
        ):
            return item.code
    raise LookupError("no such item in the shipped catalogue")


def submit(
    services: Services, rows: list[RawRecord | Rejection], provider: str = "dept-110000", **kwargs: object
) -> IngestSummary:
    return submit_records(services, rows, provider=provider, source="test", keep_results=True, **kwargs)  # type: ignore[arg-type]


def count(services: Services, table) -> int:  # type: ignore[no-untyped-def]
    with services.db.transaction(write=False) as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_a_valid_record_is_accepted_with_a_subject_and_an_event(services: Services) -> None:
    institution(services)
    code = pick(services)
    summary = submit(services, [record(item=code)])
    assert summary.counts() == {"accepted": 1, "corrected": 0, "unchanged": 0, "rejected": 0}
    result = summary.results[0]
    assert result.outcome is Outcome.ACCEPTED
    assert result.version == 1
    with services.db.transaction(write=False) as conn:
        subject = subject_store.get_by_hash(conn, services.vault.lookup(person_number()))
        assert subject is not None
        assert subject.name == "张三"
        assert subject.number_masked == "110105********" + person_number()[-4:]
        sealed = conn.scalar(select(subjects.c.number_sealed).where(subjects.c.id == subject.id))
        assert sealed is not None
        assert person_number().encode() not in bytes(sealed)
        assert services.vault.open(bytes(sealed)) == person_number()
        stored = record_store.versions_of(conn, "dept-110000", "R-1")
        tags = [e.tag for e in event_store.since(conn)]
    assert len(stored) == 1
    assert stored[0].subject_id == subject.id
    assert stored[0].display_until is not None
    assert stored[0].display_until > TODAY
    assert "subjects:subject:registered" in tags
    assert "records:record:created" in tags


def test_the_same_record_again_is_unchanged_and_writes_nothing(services: Services) -> None:
    institution(services)
    row = record(item=pick(services))
    submit(services, [row])
    events_before = count(services, events)
    summary = submit(services, [row])
    assert summary.counts() == {"accepted": 0, "corrected": 0, "unchanged": 1, "rejected": 0}
    assert count(services, records) == 1
    assert count(services, events) == events_before


def test_changed_content_is_a_correction_with_the_old_version_closed(services: Services) -> None:
    institution(services)
    code = pick(services)
    submit(services, [record(item=code)])
    summary = submit(services, [record(item=code, decision_no="京市监罚〔2026〕13号")])
    assert summary.counts()["corrected"] == 1
    with services.db.transaction(write=False) as conn:
        versions = record_store.versions_of(conn, "dept-110000", "R-1")
        tags = [e.tag for e in event_store.since(conn)]
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].superseded_at is not None
    assert versions[1].superseded_at is None
    assert versions[0].decision_no.endswith("12号")
    assert versions[1].decision_no.endswith("13号")
    assert versions[0].id == versions[1].id
    assert tags.count("records:record:corrected") == 1


def test_a_ref_repeated_in_one_submission_is_rejected_and_a_rerun_changes_nothing(services: Services) -> None:
    institution(services)
    code = pick(services)
    rows: list[RawRecord | Rejection] = [
        record(item=code, line=2),
        record(item=code, decision_no="X-2", line=3),
        record(item=code, ref="R-2", line=4, subject_id=person_number(serial=9)),
    ]
    first = submit(services, rows)
    assert first.counts() == {"accepted": 2, "corrected": 0, "unchanged": 0, "rejected": 1}
    assert first.rejections[0].line == 3
    assert "appears earlier in this submission" in first.rejections[0].reason
    again = submit(services, rows)
    assert again.counts() == {"accepted": 0, "corrected": 0, "unchanged": 2, "rejected": 1}


def test_a_new_spelling_of_the_name_alone_makes_no_new_version(services: Services) -> None:
    institution(services)
    code = pick(services)
    submit(services, [record(item=code)])
    summary = submit(services, [record(item=code, subject_name="张叁")])
    assert summary.counts()["unchanged"] == 1
    assert summary.name_flags == 1


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"subject_name": "张\x00三"}, "control character"),
        ({"ref": "R\x001"}, "control character"),
        ({"decision_no": "罚\n1号"}, "control character"),
        ({"facts": {"violation": "a\x00b"}}, "NUL"),
        ({"decided_on": "1980-01-01"}, "before the subject was born"),
    ],
)
def test_text_a_store_cannot_keep_or_impossible_dates_are_rejected(
    services: Services, overrides: dict[str, object], reason: str
) -> None:
    institution(services)
    code = pick(services)
    if "facts" in overrides:
        item = current_catalogue(services).item(code)
        assert item is not None
        name = next(
            n
            for n, p in item.facts_schema["properties"].items()
            if p.get("type") == "string" and "enum" not in p and "pattern" not in p and "format" not in p
        )
        overrides = {"facts": {**item.example, name: overrides["facts"]["violation"]}}  # type: ignore[index]
    summary = submit(services, [record(item=code, **overrides)])
    assert summary.rejected == 1, summary.results
    assert reason in (summary.results[0].reason or "")


def test_events_are_numbered_without_gaps_in_commit_order(services: Services) -> None:
    institution(services)
    code = pick(services)
    submit(
        services, [record(item=code, ref=f"R-{i}", subject_id=person_number(serial=i)) for i in range(30)], chunk_size=7
    )
    with services.db.transaction(write=False) as conn:
        seqs = [e.seq for e in event_store.since(conn, limit=10_000)]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_a_different_name_for_a_known_number_is_flagged_never_merged(services: Services) -> None:
    institution(services)
    code = pick(services)
    submit(services, [record(item=code)])
    summary = submit(services, [record(item=code, ref="R-2", subject_name="张 叁")])
    assert summary.counts()["accepted"] == 1
    assert summary.name_flags == 1
    again = submit(services, [record(item=code, ref="R-3", subject_name="张叁")])
    assert again.name_flags == 0  # the same disagreement is flagged once
    other = submit(services, [record(item=code, ref="R-4", subject_name="章三")])
    assert other.name_flags == 1  # another name for the same number is a disagreement of its own
    with services.db.transaction(write=False) as conn:
        flags = subject_store.list_flags(conn)
        subject = subject_store.get_by_hash(conn, services.vault.lookup(person_number()))
    assert subject is not None
    assert subject.name == "张三"
    assert [(f["registered_name"], f["submitted_name"]) for f in flags] == [("张三", "张叁"), ("张三", "章三")]
    assert count(services, subjects) == 1


def test_an_organisation_record_needs_a_credit_code(services: Services) -> None:
    institution(services)
    code = pick(services, kind=SubjectKind.ORGANISATION)
    good = submit(services, [record(item=code, subject_id=organisation_number(), subject_name="北京某某科技有限公司")])
    assert good.counts()["accepted"] == 1
    bad = submit(services, [record(item=code, ref="R-2")])
    assert bad.results[0].outcome is Outcome.REJECTED
    assert "unified social credit code" in (bad.results[0].reason or "")


def rejection(services: Services, row: RawRecord, provider: str = "dept-110000") -> str:
    summary = submit(services, [row], provider=provider)
    assert summary.counts()["rejected"] == 1, summary.results
    assert count(services, records) == 0
    reason = summary.results[0].reason
    assert reason
    return reason


def test_rejected_without_a_ref(services: Services) -> None:
    institution(services)
    assert "ref is missing" in rejection(services, record(item=pick(services), ref="  "))


def test_rejected_with_an_overlong_ref(services: Services) -> None:
    institution(services)
    assert "longer than 128" in rejection(services, record(item=pick(services), ref="R" * 129))


def test_rejected_for_an_item_outside_the_catalogue(services: Services) -> None:
    institution(services)
    assert "not in catalogue" in rejection(services, record(item="religion.affiliation"))


def test_rejected_when_the_provider_is_not_authorised_for_the_item(services: Services) -> None:
    code = pick(services)
    institution(services, items=())
    reason = rejection(services, record(item=code))
    assert "not authorised" in reason
    assert "legal-basis gate" in reason


def test_rejected_for_an_invalid_subject_number(services: Services) -> None:
    institution(services)
    number = person_number()
    wrong_check = number[:-1] + ("0" if number[-1] != "0" else "1")
    assert "subject_id" in rejection(services, record(item=pick(services), subject_id=wrong_check))


def test_rejected_for_a_legacy_fifteen_digit_number(services: Services) -> None:
    institution(services)
    assert "15" in rejection(services, record(item=pick(services), subject_id="110105900307123"))


def test_rejected_without_a_subject_number(services: Services) -> None:
    institution(services)
    assert "subject_id is missing" in rejection(services, record(item=pick(services), subject_id=""))


def test_rejected_without_a_name(services: Services) -> None:
    institution(services)
    assert "subject_name is missing" in rejection(services, record(item=pick(services), subject_name=" "))


def test_rejected_without_a_decision_number(services: Services) -> None:
    institution(services)
    assert "decision_no is missing" in rejection(services, record(item=pick(services), decision_no=""))


def test_rejected_for_a_date_that_is_not_iso(services: Services) -> None:
    institution(services)
    assert "not an ISO date" in rejection(services, record(item=pick(services), decided_on="2026/09/01"))


def test_rejected_for_a_decision_in_the_future(services: Services) -> None:
    institution(services)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert "in the future" in rejection(services, record(item=pick(services), decided_on=tomorrow))


def test_rejected_when_the_display_period_has_already_ended(services: Services) -> None:
    institution(services)
    assert "expired information is not recorded" in rejection(
        services, record(item=pick(services), decided_on="2020-01-01")
    )


def test_rejected_when_facts_are_not_json(services: Services) -> None:
    institution(services)
    assert "not valid JSON" in rejection(services, record(item=pick(services), facts="{oops"))


def test_rejected_when_facts_are_not_an_object(services: Services) -> None:
    institution(services)
    assert "JSON object" in rejection(services, record(item=pick(services), facts=[1, 2]))


def test_rejected_when_facts_break_the_item_schema(services: Services) -> None:
    institution(services)
    reason = rejection(services, record(item=pick(services), facts={"no_such_fact": 1}))
    assert reason.startswith("facts:")


def test_rejected_below_the_minimum_age(services: Services) -> None:
    catalogue = current_catalogue(services)
    item = next(i for i in catalogue.items if i.min_age and i.subject_kind is SubjectKind.PERSON and i.display_period)
    kind = item.providers[0].value
    institution(services, code="inst-1", kind=kind, items=(item.code,))
    minor = person_number(born=date(2010, 5, 1))
    reason = rejection(services, record(item=item.code, subject_id=minor), provider="inst-1")
    assert f"applies only from age {item.min_age}" in reason


def test_a_rejected_row_among_good_ones_loses_nothing(services: Services) -> None:
    institution(services)
    code = pick(services)
    rows: list[RawRecord | Rejection] = [
        record(item=code, ref="R-1", line=2),
        record(item=code, ref="R-2", line=3, decided_on="bad"),
        record(item=code, ref="R-3", line=4, subject_id=person_number(serial=7)),
    ]
    summary = submit(services, rows)
    assert summary.counts() == {"accepted": 2, "corrected": 0, "unchanged": 0, "rejected": 1}
    assert [(r.line, r.ref) for r in summary.rejections] == [(3, "R-2")]
    assert count(services, records) == 2


def test_all_or_nothing_stores_nothing_when_a_row_is_bad(services: Services) -> None:
    institution(services)
    code = pick(services)
    summary = submit(services, [record(item=code), record(item=code, ref="R-2", decided_on="bad")], all_or_nothing=True)
    assert summary.refused is not None
    assert summary.counts()["accepted"] == 0
    assert count(services, records) == 0
    assert count(services, subjects) == 0


def test_dry_run_reports_and_stores_nothing(services: Services) -> None:
    institution(services)
    summary = submit(services, [record(item=pick(services))], dry_run=True)
    assert summary.counts()["accepted"] == 1
    assert count(services, records) == 0
    assert count(services, batches) == 0


def test_unknown_provider_is_refused_before_any_row(services: Services) -> None:
    from sincerity.kit.errors import NotFoundError

    with pytest.raises(NotFoundError):
        submit(services, [record(item=pick(services))], provider="nobody")


def test_a_batch_row_counts_what_came_in(services: Services) -> None:
    institution(services)
    code = pick(services)
    summary = submit(services, [record(item=code), record(item=code, ref="R-2", decided_on="bad")])
    with services.db.transaction(write=False) as conn:
        row = conn.execute(select(batches).where(batches.c.id == summary.batch_id)).one()
    assert (row.accepted, row.rejected, row.finished_at is not None) == (1, 1, True)


def test_no_stored_column_gives_back_the_masked_digits(services: Services) -> None:
    """The mask hides digits 7–14, the birth date: nothing stored in clear may reveal them."""
    institution(services)
    number = person_number(born=date(1990, 3, 7))
    submit(services, [record(item=pick(services), subject_id=number)])
    with services.db.transaction(write=False) as conn:
        row = conn.execute(select(subjects)).one()
    in_clear = " ".join(str(v) for k, v in row._mapping.items() if k != "number_sealed")
    for hidden in ("19900307", "1990-03-07", "900307"):
        assert hidden not in in_clear


def test_numbers_are_stored_only_sealed(services: Services) -> None:
    institution(services)
    number = person_number()
    submit(services, [record(item=pick(services), subject_id=number)])
    with services.db.transaction(write=False) as conn:
        row = conn.execute(select(subjects)).one()
    assert number not in str(tuple(row))
    assert parse_number(number, today=TODAY).masked() == row.number_masked


def test_name_flags_table_stays_empty_when_names_agree(services: Services) -> None:
    institution(services)
    code = pick(services)
    submit(services, [record(item=code), record(item=code, ref="R-2", subject_name=" 张三 ")])
    assert count(services, name_flags) == 0


def test_a_correction_to_another_subject_is_told_to_both_subjects(services: Services) -> None:
    institution(services)
    code = pick(services)
    wrong, right = person_number(serial=1), person_number(serial=2)
    submit(services, [record(item=code, subject_id=wrong)])
    summary = submit(services, [record(item=code, subject_id=right)])
    assert summary.counts()["corrected"] == 1
    with services.db.transaction(write=False) as conn:
        before = subject_store.get_by_hash(conn, services.vault.lookup(wrong))
        after = subject_store.get_by_hash(conn, services.vault.lookup(right))
        feed = [(e.tag, e.subject_id) for e in event_store.since(conn) if e.tag.startswith("records:")]
    assert before is not None
    assert after is not None
    assert ("records:record:moved_away", before.id) in feed
    assert ("records:record:corrected", after.id) in feed
