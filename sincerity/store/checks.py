"""Checks as answered, the feedback on them, and measures lifted on their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from sincerity.kit.clock import CHINA_TZ
from sincerity.store.checkpath import ASKED_BYTES, asked_key
from sincerity.store.tables import check_feedback, checks, links, measure_lifts


@dataclass(frozen=True, slots=True)
class StoredCheck:
    id: int
    at: datetime
    institution_code: str | None
    action: str
    subject_id: int | None
    subjects: int
    applying: int
    answer: dict[str, Any]
    versions: dict[str, str]
    asked: bytes = b""  # the numbers asked about (see checkpath.ASKED_BYTES)

    def asked_about(self, number_hash: bytes) -> bool:
        """Whether this check asked about the number with this keyed hash."""
        asked, key, size = self.asked, asked_key(number_hash), ASKED_BYTES
        return any(asked[i : i + size] == key for i in range(0, len(asked), size))


def get(conn: Connection, check_id: int) -> StoredCheck | None:
    r = conn.execute(select(checks).where(checks.c.id == check_id)).first()
    if r is None:
        return None
    versions = {"catalogue": r.catalogue_version, "rules": r.rules_version, "measures": r.measures_version}
    return StoredCheck(
        r.id,
        r.at,
        r.institution_code,
        r.action,
        r.subject_id,
        r.subjects,
        r.applying,
        r.answer,
        versions,
        bytes(r.asked or b""),
    )


def add_feedback(
    conn: Connection,
    *,
    check_id: int,
    institution: str,
    measure: str,
    subject_id: int | None,
    outcome: str,
    reason: str | None,
    at: datetime,
) -> int:
    return int(
        conn.execute(
            insert(check_feedback)
            .values(
                check_id=check_id,
                institution_code=institution,
                measure_code=measure,
                subject_id=subject_id,
                outcome=outcome,
                reason=reason,
                at=at,
            )
            .returning(check_feedback.c.id)
        ).scalar_one()
    )


def add_lift(
    conn: Connection,
    *,
    measure: str,
    subject_id: int,
    record_id: int,
    lifted_on: date,
    institution: str | None,
    reason: str,
    at: datetime,
) -> int:
    return int(
        conn.execute(
            insert(measure_lifts)
            .values(
                measure_code=measure,
                subject_id=subject_id,
                record_id=record_id,
                lifted_on=lifted_on,
                institution_code=institution,
                reason=reason,
                at=at,
            )
            .returning(measure_lifts.c.id)
        ).scalar_one()
    )


def institutions_told(conn: Connection, subject_id: int, record_id: int, since: date) -> list[str]:
    """The institutions that were told about a record in a check answer since `since` (its
    decision): single checks of the subject or of persons linked to it (an organisation's
    record reaches its legal representative's checks), and batch checks that named it. The
    console's own checks, with no institution, are left out. Withdrawals are rare; batch rows
    are few (one per up to 10,000 subjects), so they are read rather than indexed."""
    told: set[str] = set()
    linked = select(links.c.person_id).where(links.c.organisation_id == subject_id)
    singles = select(checks.c.institution_code, checks.c.answer).where(
        checks.c.institution_code.is_not(None),
        or_(checks.c.subject_id == subject_id, checks.c.subject_id.in_(linked)),
    )
    for institution, answer in conn.execute(singles):
        reasons = [r for m in answer.get("measures", []) for r in (*m.get("because", []), *m.get("not_counted", []))]
        if any((r.get("record") or {}).get("id") == record_id for r in reasons):
            told.add(institution)
    batches = select(checks.c.institution_code, checks.c.answer).where(
        checks.c.institution_code.is_not(None),
        checks.c.subject_id.is_(None),
        checks.c.applying > 0,
        checks.c.at >= datetime.combine(since, time.min, tzinfo=CHINA_TZ),
    )
    for institution, answer in conn.execute(batches.execution_options(yield_per=500)):
        if institution not in told and any(record_id in hit.get("records", []) for hit in answer.get("applying", [])):
            told.add(institution)
    return sorted(told)
