"""§IV(3) disputes: open, answer, withdraw and read objections to a record.

Each use case is one transaction that writes its change, the holds that follow from it and
its event together. Who may act: a dispute is opened or withdrawn for the subject (at the
platform's counter or portal: the operator's console or an institution of kind `platform`);
the record's provider answers, and the platform may answer once the dispute is overdue
(escalated). Only the parties see a dispute.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from sincerity.domain.disputes import (
    Dispute,
    DisputeStatus,
    Outcome,
    check_answer,
    evidence_from,
    reason_text,
    terms_for,
)
from sincerity.domain.institutions import Institution
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from sincerity.services.context import Services
from sincerity.services.subjects import (
    acting_for_subject,
    is_party,
    providers_seen_by,
    record_of_subject,
    subject_by_number,
    withdraw_record,
)
from sincerity.store import disputes as dispute_store
from sincerity.store import events as event_store
from sincerity.store import holds
from sincerity.store import records as record_store
from sincerity.store.events import NewEvent


def open_dispute(
    services: Services,
    number: str,
    *,
    record_id: int,
    reason: Any,
    evidence: Any = None,
    institution: Institution | None = None,
) -> dict[str, Any]:
    """Open a dispute on one of the subject's records: marked disputed at once, suspended from
    measures where the item says so, answer due within the item's period."""
    acting = acting_for_subject(institution, "a dispute")
    why = reason_text(reason)
    pieces = evidence_from(evidence)
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        subject = subject_by_number(services, conn, number, today)
        record = record_of_subject(conn, record_id, subject.id, today)
        if dispute_store.open_for_record(conn, record.id) is not None:
            raise ConflictError(f"record {record.id} already has an open dispute")
        item = services.catalogue(conn).item(record.item_code)
        if item is None:  # the catalogue in force no longer has the item: the record's own still applies
            raise ConflictError(f"item {record.item_code!r} is not in the catalogue in force")
        terms = terms_for(item, today, suspend_when_overdue=services.settings.suspend_overdue_disputes)
        dispute_id = dispute_store.add(
            conn,
            record_id=record.id,
            record_version=record.version,
            subject_id=subject.id,
            provider_code=record.provider_code,
            item_code=record.item_code,
            opened_by=acting,
            reason=why,
            evidence=pieces,
            terms=terms,
            at=now,
        )
        if terms.suspends_from is not None:
            holds.add(
                conn,
                record_id=record.id,
                subject_id=subject.id,
                kind=holds.HoldKind.DISPUTE,
                scope=holds.Scope.USE,
                starts_on=terms.suspends_from,
                source_id=dispute_id,
                at=now,
            )
        event_store.append(
            conn,
            [
                NewEvent(
                    "disputes:dispute:opened",
                    subject.id,
                    dispute_id,
                    {
                        "record": record.id,
                        "version": record.version,
                        "provider": record.provider_code,
                        **terms.explain(),
                    },
                )
            ],
            now=now,
        )
        found = _dispute(conn, dispute_id, lock=False)
    return {**found.view(today), "subject": subject.number_masked, "terms": terms.explain()}


def answer_dispute(
    services: Services,
    dispute_id: int,
    *,
    outcome: str,
    answer: Any,
    institution: Institution | None = None,
) -> dict[str, Any]:
    """The provider's written answer: upheld, corrected (after submitting the new version) or
    removed. Ends the suspension; a removal withdraws the record for good."""
    try:
        chosen = Outcome(outcome)
    except ValueError:
        raise InvalidInputError(f"outcome must be one of {', '.join(o.value for o in Outcome)}") from None
    text = reason_text(answer, "written answer")
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        dispute = _dispute(conn, dispute_id)
        if not is_party(institution, dispute.provider_code):
            raise NotFoundError(f"no dispute {dispute_id}")  # not a party: nothing to see
        if not dispute.answerable_by(
            institution.code if institution else None, institution.kind if institution else None, today
        ):
            raise PermissionDeniedError(
                f"dispute {dispute_id} is answered by its provider (or by the platform once it is overdue)"
            )
        current = record_store.current(conn, dispute.record_id)
        check_answer(dispute, chosen, current_version=current.version if current else None)
        by = institution.code if institution else None
        status = DisputeStatus(chosen.value)
        dispute_store.close(
            conn,
            dispute.id,
            status=status,
            at=now,
            by=by,
            answer=text,
            corrected_version=current.version if chosen is Outcome.CORRECTED and current else None,
        )
        holds.end(conn, kind=holds.HoldKind.DISPUTE, source_id=dispute.id, on=today)
        already_withdrawn = any(
            h.in_effect(today) and h.scope is holds.Scope.ALL for h in holds.of_records(conn, [dispute.record_id])
        )
        if chosen is Outcome.REMOVED and not already_withdrawn:
            holds.add(
                conn,
                record_id=dispute.record_id,
                subject_id=dispute.subject_id,
                kind=holds.HoldKind.REMOVAL,
                scope=holds.Scope.ALL,
                starts_on=today,
                source_id=dispute.id,
                at=now,
            )
            withdraw_record(conn, dispute.subject_id, dispute.record_id, "removed after a dispute", dispute.id, now)
        event_store.append(
            conn,
            [
                NewEvent(
                    "disputes:dispute:answered",
                    dispute.subject_id,
                    dispute.id,
                    {
                        "record": dispute.record_id,
                        "outcome": chosen.value,
                        "by": by or "platform",
                        "in_time": today <= dispute.answer_due,
                    },
                )
            ],
            now=now,
        )
        found = _dispute(conn, dispute.id)
    return found.view(today)


def withdraw_dispute(
    services: Services, dispute_id: int, *, number: str, institution: Institution | None = None
) -> dict[str, Any]:
    """The subject withdraws an open dispute; the record is used again from today."""
    acting = acting_for_subject(institution, "a dispute")
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        subject = subject_by_number(services, conn, number, today)
        dispute = _dispute(conn, dispute_id)
        if dispute.subject_id != subject.id:
            raise NotFoundError(f"no dispute {dispute_id} of that subject")
        if dispute.status is not DisputeStatus.OPEN:
            raise ConflictError(f"dispute {dispute_id} is already {dispute.status.value}")
        dispute_store.close(conn, dispute.id, status=DisputeStatus.WITHDRAWN, at=now, by=acting, answer=None)
        holds.end(conn, kind=holds.HoldKind.DISPUTE, source_id=dispute.id, on=today)
        event_store.append(
            conn,
            [NewEvent("disputes:dispute:withdrawn", dispute.subject_id, dispute.id, {"record": dispute.record_id})],
            now=now,
        )
        found = _dispute(conn, dispute.id)
    return found.view(today)


def get_dispute(services: Services, dispute_id: int, *, institution: Institution | None = None) -> dict[str, Any]:
    """One dispute with its whole history, for its parties."""
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        dispute = _dispute(conn, dispute_id, lock=False)
        if not is_party(institution, dispute.provider_code):
            raise NotFoundError(f"no dispute {dispute_id}")  # not a party: nothing to see, not even that it exists
        history = event_store.of_entity(conn, dispute.id, prefix="disputes:")
    return {**dispute.view(today), "history": [event_store.history_view(e) for e in history]}


def list_disputes(
    services: Services,
    *,
    institution: Institution | None = None,
    status: str | None = None,
    overdue: bool = False,
) -> list[dict[str, Any]]:
    """A provider sees the disputes on its records; the platform sees all (escalations first of all)."""
    today = legal_today(services.clock.now())
    try:
        wanted = DisputeStatus(status) if status else None
    except ValueError:
        raise InvalidInputError(f"status must be one of {', '.join(s.value for s in DisputeStatus)}") from None
    provider = providers_seen_by(institution)
    with services.db.transaction(write=False) as conn:
        found = dispute_store.search(conn, today=today, provider=provider, status=wanted, overdue=overdue)
    return [d.view(today) for d in found]


def _dispute(conn: Connection, dispute_id: int, *, lock: bool = True) -> Dispute:
    found = dispute_store.get(conn, dispute_id, for_update=lock)
    if found is None:
        raise NotFoundError(f"no dispute {dispute_id}")
    return found
