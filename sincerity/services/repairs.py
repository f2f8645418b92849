"""§IV(3) credit repair: eligibility explained before applying, the application, the
designating body's steps within their working-day deadlines, and the decision.

"Who designates, repairs" (NDRC Order No. 36): the record's provider accepts, asks once for
missing materials, extends once, and decides. The subject applies, supplements and withdraws
through the platform (its counter or portal; the operator's console). A granted repair ends
the record's display and use at once — list entries, measures and tiers resting on it with it
— and the withdrawal is recorded, naming who had received the record, for propagation.
Each step is one transaction with its event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from sincerity.domain.catalogue import CatalogueItem, PositiveAct
from sincerity.domain.disputes import reason_text
from sincerity.domain.institutions import Institution
from sincerity.domain.repair import (
    BREACH_ITEMS,
    COMMITMENT_ITEMS,
    DECIDE_DAYS,
    EXTENSION_DAYS,
    TRAINING_ITEMS,
    Eligibility,
    Repair,
    RepairRecord,
    RepairStatus,
    Supporting,
    application_deadlines,
    eligibility,
    positive_acts_in,
    repair_evidence,
)
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from sincerity.services.context import Services
from sincerity.services.subjects import (
    ACTS_FOR_SUBJECTS,
    acting_for_subject,
    is_party,
    providers_seen_by,
    record_of_subject,
    subject_by_number,
    withdraw_record,
)
from sincerity.store import events as event_store
from sincerity.store import holds
from sincerity.store import records as record_store
from sincerity.store import repairs as repair_store
from sincerity.store.events import NewEvent


def _assess(
    services: Services,
    conn: Connection,
    record: record_store.RecordRow,
    today: date,
    acts: list[PositiveAct],
    *,
    deciding: int | None = None,
) -> tuple[CatalogueItem, Eligibility]:
    catalogue = services.catalogue(conn)
    item = catalogue.item(record.item_code)
    if item is None:
        raise ConflictError(f"item {record.item_code!r} is not in the catalogue in force")
    shown = record_store.shown_of_subject(
        conn, record.subject_id, today, items=(*COMMITMENT_ITEMS, *TRAINING_ITEMS, *BREACH_ITEMS)
    )
    # A breach suspended by its own dispute does not bar repair while the dispute is open.
    suspended = {h.record_id for h in holds.of_records(conn, [r.id for r in shown]) if h.in_effect(today)}
    supporting = [Supporting(r.id, r.item_code, r.decided_on, r.facts) for r in shown if r.id not in suspended]
    open_repair = repair_store.open_for_record(conn, record.id)
    found = eligibility(
        item,
        catalogue.repair,
        RepairRecord(record.id, record.item_code, record.decided_on, record.provider_code),
        today,
        supporting=supporting,
        positive_acts=acts,
        open_repair=open_repair if open_repair != deciding else None,
    )
    return item, found


def repair_eligibility(
    services: Services,
    number: str,
    *,
    record_id: int,
    positive_acts: list[str] | None = None,
    institution: Institution | None = None,
) -> dict[str, Any]:
    """Whether, when and on which conditions the record can be repaired, each explained."""
    try:
        acts = [PositiveAct(a) for a in positive_acts or []]
    except ValueError:
        raise InvalidInputError(f"positive acts are {', '.join(a.value for a in PositiveAct)}") from None
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        subject = subject_by_number(services, conn, number, today)
        record = record_of_subject(
            conn, record_id, subject.id, today, party=lambda provider: is_party(institution, provider)
        )
        _, found = _assess(services, conn, record, today, acts)
    deadlines = application_deadlines(services.calendar, today)
    return {
        **found.view(),
        "subject": subject.number_masked,
        "if_applied_today": {
            "accept_or_refuse_by": deadlines[0].day.isoformat(),
            "result_by": deadlines[1].day.isoformat(),
            "provisional": deadlines[0].provisional or deadlines[1].provisional,
            "explanation": deadlines[1].explain(),
        },
    }


def apply_for_repair(
    services: Services,
    number: str,
    *,
    record_id: int,
    evidence: Any,
    institution: Institution | None = None,
) -> dict[str, Any]:
    """Apply to repair a negative record; refused at once, with every unmet condition
    explained, when it cannot succeed yet."""
    acting = acting_for_subject(institution, "a repair application")
    pieces = repair_evidence(evidence)
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        subject = subject_by_number(services, conn, number, today)
        record = record_of_subject(conn, record_id, subject.id, today)
        item, found = _assess(services, conn, record, today, positive_acts_in(pieces))
        if not found.eligible:
            raise RepairNotEligibleError(found)
        awaiting = {c.code for c in found.conditions if c.met is None}
        if "obligations_performed" in awaiting and not any(p["proves"] == "obligations_performed" for p in pieces):
            raise InvalidInputError(
                "attach evidence that the obligations are performed (proves: obligations_performed)"
            )
        accept, result = application_deadlines(services.calendar, today)
        commitment = next((c.record_id for c in found.conditions if c.code == "commitment_signed"), None)
        repair_id = repair_store.add(
            conn,
            record_id=record.id,
            record_version=record.version,
            subject_id=subject.id,
            provider_code=record.provider_code,
            item_code=item.code,
            applied_at=now,
            applied_by=acting,
            evidence=pieces,
            commitment_id=commitment,
            accept_due=accept.day,
            result_due=result.day,
            due_provisional=int(accept.provisional or result.provisional),
        )
        _event(conn, "applied", subject.id, repair_id, now, {"record": record.id, "accept_by": accept.day.isoformat()})
        repair = _repair(conn, repair_id, lock=False)
    return {**repair.view(today), "subject": subject.number_masked, "eligibility": found.view()}


class RepairNotEligibleError(ConflictError):
    """An application that cannot succeed yet: the details list every unmet condition."""

    def __init__(self, found: Eligibility) -> None:
        missing = "; ".join(c.explanation for c in found.missing)
        super().__init__(f"record {found.record_id} cannot be repaired now: {missing}", details=found.view())


def _designating(repair: Repair, institution: Institution | None) -> str | None:
    """Only the designating body (or the operator) takes its steps; the platform is told why,
    anyone else learns nothing about the application."""
    if institution is None or institution.code == repair.provider_code:
        return institution.code if institution else None
    if institution.kind == ACTS_FOR_SUBJECTS:
        raise PermissionDeniedError(f"repair {repair.id} is decided by its designating body")
    raise NotFoundError(f"no repair {repair.id}")


def accept_repair(services: Services, repair_id: int, *, institution: Institution | None = None) -> dict[str, Any]:
    """The designating body accepts the application: the decision is due within 7 working days."""
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        repair = _repair(conn, repair_id)
        _designating(repair, institution)
        if repair.status is not RepairStatus.APPLIED:
            raise ConflictError(f"repair {repair_id} is {repair.status.value}: only an application waiting is accepted")
        decide = services.calendar.deadline(today, DECIDE_DAYS)
        repair_store.change(
            conn,
            repair_id,
            status=RepairStatus.ACCEPTED.value,
            decide_due=decide.day,
            due_provisional=int(repair.due_provisional or decide.provisional),
        )
        _event(conn, "accepted", repair.subject_id, repair_id, now, {"decide_by": decide.day.isoformat()})
        return _repair(conn, repair_id, lock=False).view(today)


def ask_for_materials(
    services: Services, repair_id: int, *, missing: Any, institution: Institution | None = None
) -> dict[str, Any]:
    """Ask, once and in one notice, for everything missing (Order No. 36 Art. 16)."""
    what = reason_text(missing, "list of what is missing")
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        repair = _repair(conn, repair_id)
        _designating(repair, institution)
        if repair.status is not RepairStatus.APPLIED:
            raise ConflictError(f"repair {repair_id} is {repair.status.value}: materials are asked before accepting")
        if repair.materials_asked is not None:
            raise ConflictError(f"materials were already asked for once in repair {repair_id} (Order No. 36 Art. 16)")
        repair_store.change(conn, repair_id, status=RepairStatus.INCOMPLETE.value, materials_asked=what)
        _event(conn, "materials_asked", repair.subject_id, repair_id, now, {"missing": what})
        return _repair(conn, repair_id, lock=False).view(today)


def supplement_repair(
    services: Services, repair_id: int, *, number: str, evidence: Any, institution: Institution | None = None
) -> dict[str, Any]:
    """The subject supplies what was asked: the body again has 3 working days to accept."""
    acting_for_subject(institution, "a repair application")
    pieces = repair_evidence(evidence)
    if not pieces:
        raise InvalidInputError("send the evidence asked for")
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        subject = subject_by_number(services, conn, number, today)
        repair = _repair(conn, repair_id)
        if repair.subject_id != subject.id:
            raise NotFoundError(f"no repair {repair_id} of that subject")
        if repair.status is not RepairStatus.INCOMPLETE:
            raise ConflictError(f"repair {repair_id} is {repair.status.value}: nothing was asked for")
        accept, _ = application_deadlines(services.calendar, today)
        repair_store.change(
            conn,
            repair_id,
            status=RepairStatus.APPLIED.value,
            evidence=[*repair.evidence, *pieces],
            accept_due=accept.day,
            due_provisional=int(repair.due_provisional or accept.provisional),
        )
        _event(conn, "supplemented", repair.subject_id, repair_id, now, {"accept_by": accept.day.isoformat()})
        return _repair(conn, repair_id, lock=False).view(today)


def extend_repair(
    services: Services, repair_id: int, *, reason: Any, institution: Institution | None = None
) -> dict[str, Any]:
    """Extend the decision once by 10 working days, with the reason (Order No. 36 Art. 16)."""
    why = reason_text(reason)
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        repair = _repair(conn, repair_id)
        _designating(repair, institution)
        if repair.status is not RepairStatus.ACCEPTED or repair.decide_due is None:
            raise ConflictError(f"repair {repair_id} is {repair.status.value}: only an accepted one is extended")
        if repair.extended:
            raise ConflictError(f"repair {repair_id} was already extended once")
        later = services.calendar.deadline(repair.decide_due, EXTENSION_DAYS)
        repair_store.change(
            conn,
            repair_id,
            decide_due=later.day,
            extended=1,
            due_provisional=int(repair.due_provisional or later.provisional),
        )
        _event(conn, "extended", repair.subject_id, repair_id, now, {"decide_by": later.day.isoformat(), "reason": why})
        return _repair(conn, repair_id, lock=False).view(today)


def decide_repair(
    services: Services, repair_id: int, *, granted: bool, reasons: Any, institution: Institution | None = None
) -> dict[str, Any]:
    """Grant or refuse, with reasons. A grant ends the record's display and use at once and
    records its withdrawal for everyone who received it."""
    why = reason_text(reasons, "statement of reasons")
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        repair = _repair(conn, repair_id)
        by = _designating(repair, institution)
        decidable = (RepairStatus.APPLIED, RepairStatus.ACCEPTED) + (() if granted else (RepairStatus.INCOMPLETE,))
        if repair.status not in decidable:
            raise ConflictError(f"repair {repair_id} is {repair.status.value}: nothing to decide")
        if granted:
            # What held when it was applied for may not hold now: a breach found since, the
            # record corrected, revoked, removed or past its window.
            record = record_of_subject(conn, repair.record_id, repair.subject_id, today)
            if record.version != repair.record_version:
                raise ConflictError(
                    f"record {record.id} was corrected (now version {record.version}) since the application"
                )
            _, found = _assess(
                services, conn, record, today, positive_acts_in(list(repair.evidence)), deciding=repair_id
            )
            if found.missing:
                raise RepairNotEligibleError(found)
        status = RepairStatus.GRANTED if granted else RepairStatus.REFUSED
        repair_store.change(conn, repair_id, status=status.value, decided_at=now, decided_by=by, reasons=why)
        data: dict[str, Any] = {"record": repair.record_id, "reasons": why, "in_time": not repair.overdue(today)}
        if granted:
            holds.add(
                conn,
                record_id=repair.record_id,
                subject_id=repair.subject_id,
                kind=holds.HoldKind.REPAIR,
                scope=holds.Scope.ALL,
                starts_on=today,
                source_id=repair_id,
                at=now,
            )
            withdraw_record(conn, repair.subject_id, repair.record_id, "repaired", repair_id, now)
        _event(conn, status.value, repair.subject_id, repair_id, now, data)
        return _repair(conn, repair_id, lock=False).view(today)


def withdraw_repair(
    services: Services, repair_id: int, *, number: str, institution: Institution | None = None
) -> dict[str, Any]:
    acting_for_subject(institution, "a repair application")
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        subject = subject_by_number(services, conn, number, today)
        repair = _repair(conn, repair_id)
        if repair.subject_id != subject.id:
            raise NotFoundError(f"no repair {repair_id} of that subject")
        if not repair.status.open:
            raise ConflictError(f"repair {repair_id} is already {repair.status.value}")
        repair_store.change(conn, repair_id, status=RepairStatus.WITHDRAWN.value, decided_at=now)
        _event(conn, "withdrawn", repair.subject_id, repair_id, now, {"record": repair.record_id})
        return _repair(conn, repair_id, lock=False).view(today)


def get_repair(services: Services, repair_id: int, *, institution: Institution | None = None) -> dict[str, Any]:
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        repair = _repair(conn, repair_id, lock=False)
        if not is_party(institution, repair.provider_code):
            raise NotFoundError(f"no repair {repair_id}")  # not a party: nothing to see, not even that it exists
        history = event_store.of_entity(conn, repair_id, prefix="repairs:")
    return {**repair.view(today), "history": [event_store.history_view(e) for e in history]}


def list_repairs(
    services: Services, *, institution: Institution | None = None, status: str | None = None, overdue: bool = False
) -> list[dict[str, Any]]:
    """A designating body sees the applications it decides; the platform sees all."""
    today = legal_today(services.clock.now())
    try:
        wanted = RepairStatus(status) if status else None
    except ValueError:
        raise InvalidInputError(f"status must be one of {', '.join(s.value for s in RepairStatus)}") from None
    provider = providers_seen_by(institution)
    with services.db.transaction(write=False) as conn:
        found = repair_store.search(conn, today=today, provider=provider, status=wanted, overdue=overdue)
    return [r.view(today) for r in found]


def _event(conn: Connection, step: str, subject_id: int, repair_id: int, now: Any, data: dict[str, Any]) -> None:
    event_store.append(conn, [NewEvent(f"repairs:repair:{step}", subject_id, repair_id, data)], now=now)


def _repair(conn: Connection, repair_id: int, *, lock: bool = True) -> Repair:
    found = repair_store.get(conn, repair_id, for_update=lock)
    if found is None:
        raise NotFoundError(f"no repair {repair_id}")
    return found
