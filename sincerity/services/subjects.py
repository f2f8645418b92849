"""Finding the subject a due-process request is about, and one of their records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from sincerity.domain.identity import parse_number
from sincerity.domain.institutions import Institution
from sincerity.kit.errors import ConflictError, NotFoundError, PermissionDeniedError
from sincerity.services.context import Services
from sincerity.store import checks as check_store
from sincerity.store import events as event_store
from sincerity.store import holds
from sincerity.store import records as record_store
from sincerity.store import subjects as subject_store
from sincerity.store.events import NewEvent

ACTS_FOR_SUBJECTS = "platform"  # the kind of institution that serves subjects at its counter or portal


def acting_for_subject(institution: Institution | None, what: str) -> str | None:
    """The code of the institution acting for the subject (None: the operator's console);
    only the platform acts for subjects."""
    if institution is not None and institution.kind != ACTS_FOR_SUBJECTS:
        raise PermissionDeniedError(
            f"{what} is the subject's, at the platform's counter or portal; "
            f"a {institution.kind} cannot act for the subject"
        )
    return institution.code if institution else None


def is_party(institution: Institution | None, provider: str) -> bool:
    """The operator, the platform acting for the subject, or the record's provider."""
    return institution is None or institution.kind == ACTS_FOR_SUBJECTS or institution.code == provider


def providers_seen_by(institution: Institution | None) -> str | None:
    """Whose cases a listing shows: a provider its own (its code), the platform all (None)."""
    return None if institution is None or institution.kind == ACTS_FOR_SUBJECTS else institution.code


def subject_by_number(services: Services, conn: Connection, number: str, today: date) -> subject_store.StoredSubject:
    """The subject registered under `number` (InvalidSubjectNumberError for a bad number)."""
    identity = parse_number(number, today=today)
    found = subject_store.get_by_hash(conn, services.vault.lookup(identity.number))
    if found is None:
        raise NotFoundError("no information is held about that subject")
    return found


def record_of_subject(
    conn: Connection,
    record_id: int,
    subject_id: int,
    today: date,
    *,
    held_by: tuple[holds.HoldKind, ...] = (),
    party: Callable[[str], bool] | None = None,
) -> record_store.RecordRow:
    """The version in force of one of the subject's records that is shown today (or hidden
    only by holds of the kinds `held_by`, which the caller is about to act on).

    `party(provider)` says whether the caller may act on the provider's records; a caller who
    may not learns nothing, not even that the record exists (the same 404 as for no record)."""
    record = record_store.current(conn, record_id)
    if record is None or record.subject_id != subject_id or (party is not None and not party(record.provider_code)):
        raise NotFoundError(f"no record {record_id} of that subject")
    if record.decided_on > today:
        raise ConflictError(f"record {record_id} is not shown before its decision date {record.decided_on}")
    if record.display_until is not None and record.display_until <= today:
        raise ConflictError(f"record {record_id} is not shown: its display period ended on {record.display_until}")
    hiding = [h for h in holds.of_records(conn, [record_id]) if h.in_effect(today) and h.scope is holds.Scope.ALL]
    if any(h.kind not in held_by for h in hiding):
        raise ConflictError(f"record {record_id} is no longer shown or used")
    return record


def withdraw_record(conn: Connection, subject_id: int, record_id: int, why: str, source_id: int, now: Any) -> None:
    """Record that a record is withdrawn (repaired, revoked, removed), naming the institutions
    that were told about it in a check, so the withdrawal reaches every copy (DESIGN.md §3b-2)."""
    record = record_store.newest(conn, record_id)
    since = record.decided_on if record else date.min
    recipients = check_store.institutions_told(conn, subject_id, record_id, since)
    event_store.append(
        conn,
        [
            NewEvent(
                "records:record:withdrawn",
                subject_id,
                record_id,
                {"reason": why, "source": source_id, "recipients": recipients},
            )
        ],
        now=now,
    )
