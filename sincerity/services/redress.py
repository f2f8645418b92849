"""§IV(3) administrative redress: record a reconsideration or litigation step against the
decision behind a record, with its effect on display and use, in one transaction.

Who reports: the record's provider (whose decision it is), a court (litigation), or the
platform from the documents the subject brings (its counter, or the operator's console).
"""

from __future__ import annotations

from typing import Any

from sincerity.domain.institutions import Institution
from sincerity.domain.redress import Proceeding, RedressOutcome, parse_step
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import ConflictError, InvalidInputError
from sincerity.services.context import Services
from sincerity.services.subjects import is_party, record_of_subject, subject_by_number, withdraw_record
from sincerity.store import events as event_store
from sincerity.store import holds
from sincerity.store import redress as redress_store
from sincerity.store.events import NewEvent


def report_redress(
    services: Services,
    number: str,
    *,
    record_id: int,
    proceeding: Any,
    outcome: Any,
    authority: Any,
    document_no: Any,
    decided_on: Any,
    note: str | None = None,
    institution: Institution | None = None,
) -> dict[str, Any]:
    """Record one redress step; a revocation withdraws the record and everything resting on it
    from the revoking decision's date, a suspension of enforcement suspends display and use."""
    now = services.clock.now()
    today = legal_today(now)
    kind, result, by_whom, document, decided = parse_step(
        proceeding, outcome, authority, document_no, decided_on, today
    )
    if note is not None and len(note) > 2000:
        raise InvalidInputError("the note is longer than 2000 characters")
    with services.db.transaction() as conn:
        subject = subject_by_number(services, conn, number, today)
        # A record whose display is suspended still takes its final outcome, and a revoked one
        # a later one (a higher court restoring the decision); a record withdrawn otherwise
        # (repaired, removed, expired) takes nothing.
        record = record_of_subject(
            conn,
            record_id,
            subject.id,
            today,
            held_by=(holds.HoldKind.REDRESS, holds.HoldKind.REVOCATION),
            party=lambda provider: _may_report(institution, provider, kind),
        )
        revocations = [
            h for h in holds.of_records(conn, [record.id]) if h.kind is holds.HoldKind.REVOCATION and h.ends_on is None
        ]
        if revocations and result in (RedressOutcome.FILED, RedressOutcome.ENFORCEMENT_SUSPENDED):
            raise ConflictError(f"record {record.id} is revoked: only a final outcome can restore or change it")
        if revocations and result is RedressOutcome.REVOKED:
            raise ConflictError(f"record {record.id} is already revoked")
        if revocations and decided < max(h.starts_on for h in revocations):
            raise InvalidInputError(
                f"decided_on {decided.isoformat()} is before the revocation it reverses "
                f"({max(h.starts_on for h in revocations).isoformat()})"
            )
        if decided < record.decided_on:
            raise InvalidInputError(
                f"decided_on {decided.isoformat()} is before the decision it reviews ({record.decided_on.isoformat()})"
            )
        steps = redress_store.of_record(conn, record.id)
        suspended = [s.decided_on for s in steps if s.outcome is RedressOutcome.ENFORCEMENT_SUSPENDED]
        if result.final and suspended and decided < max(suspended):
            raise InvalidInputError(
                f"decided_on {decided.isoformat()} is before the suspension of {max(suspended).isoformat()} it ends"
            )
        step_id = redress_store.add(
            conn,
            record_id=record.id,
            record_version=record.version,
            subject_id=subject.id,
            proceeding=kind,
            outcome=result,
            authority=by_whom,
            document_no=document,
            decided_on=decided,
            note=note,
            reported_by=institution.code if institution else None,
            at=now,
        )
        if result.final:
            # The final outcome ends a suspension from the day it was decided, and a later
            # outcome that upholds or changes the decision restores a revoked record.
            for step in redress_store.of_record(conn, record.id):
                if step.outcome is RedressOutcome.ENFORCEMENT_SUSPENDED:
                    holds.end(conn, kind=holds.HoldKind.REDRESS, source_id=step.id, on=decided)
            if revocations and result is not RedressOutcome.REVOKED:
                for hold in revocations:
                    holds.end(conn, kind=holds.HoldKind.REVOCATION, source_id=hold.source_id, on=decided)
                event_store.append(
                    conn,
                    [NewEvent("records:record:reinstated", subject.id, record.id, {"source": step_id})],
                    now=now,
                )
        if result is RedressOutcome.ENFORCEMENT_SUSPENDED:
            holds.add(
                conn,
                record_id=record.id,
                subject_id=subject.id,
                kind=holds.HoldKind.REDRESS,
                scope=holds.Scope.ALL,
                starts_on=decided,
                source_id=step_id,
                at=now,
            )
        elif result is RedressOutcome.REVOKED:
            holds.add(
                conn,
                record_id=record.id,
                subject_id=subject.id,
                kind=holds.HoldKind.REVOCATION,
                scope=holds.Scope.ALL,
                starts_on=decided,
                source_id=step_id,
                at=now,
            )
            withdraw_record(conn, subject.id, record.id, "decision revoked", step_id, now)
        event_store.append(
            conn,
            [
                NewEvent(
                    f"redress:decision:{result.value}",
                    subject.id,
                    step_id,
                    {
                        "record": record.id,
                        "version": record.version,
                        "proceeding": kind.value,
                        "decided_on": decided.isoformat(),
                    },
                )
            ],
            now=now,
        )
        steps = redress_store.of_record(conn, record.id)
    found = next(s for s in steps if s.id == step_id)
    view = {**found.view(), "subject": subject.number_masked}
    if result is RedressOutcome.CHANGED:
        view["correction_needed"] = f"the provider {record.provider_code} submits the amended record (same ref)"
    return view


def _may_report(institution: Institution | None, provider: str, proceeding: Proceeding) -> bool:
    """The record's provider (whose decision it is), a court for litigation, or the platform
    from the documents the subject brings; anyone else is told nothing about the record."""
    if is_party(institution, provider):
        return True
    return institution is not None and institution.kind == "court" and proceeding is Proceeding.LITIGATION
