"""§II(5) credit commitments signed at the platform, and breaches of them.

A letter signed here keeps its full text on this node; the record `commitment.letter` (type,
addressee, the text's SHA-256) is what is shared, written by the one ingestion path in the
same transaction. A breach found later becomes the record `commitment.breach` (NDRC Order No.
36 Art. 25: displayed three years, and repair of the original item barred as long).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sincerity.domain.catalogue import SubjectKind
from sincerity.domain.disputes import reason_text
from sincerity.domain.identity import parse_number
from sincerity.domain.institutions import Institution
from sincerity.domain.records import RawRecord
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import ConflictError, InvalidInputError, NotFoundError
from sincerity.services.context import Services
from sincerity.services.ingest import submit_within
from sincerity.services.subjects import is_party
from sincerity.store import commitments as commitment_store
from sincerity.store import events as event_store
from sincerity.store import records as record_store
from sincerity.store import subjects as subject_store
from sincerity.store.events import NewEvent

COMMITMENT_TYPES = (
    "job_entry",
    "licence_application",
    "credit_repair",
    "sector_self_discipline",
    "public_service",
    "other",
)
MAX_TEXT = 20_000


def sign_commitment(
    services: Services,
    number: str,
    *,
    name: str,
    commitment_type: str,
    addressee: str,
    text: str,
    records: list[int] | None = None,
    valid_until: str | None = None,
    institution: Institution,
) -> dict[str, Any]:
    """Record a commitment letter the subject signed at `institution` (the platform's counter,
    a department, a sector association): the text kept here, the record shared."""
    if commitment_type not in COMMITMENT_TYPES:
        raise InvalidInputError(f"commitment_type must be one of {', '.join(COMMITMENT_TYPES)}")
    body = reason_text(text, "commitment text")
    if len(text) > MAX_TEXT:
        raise InvalidInputError(f"the commitment text is longer than {MAX_TEXT} characters")
    to_whom = reason_text(addressee, "addressee")
    now = services.clock.now()
    today = legal_today(now)
    until = _day(valid_until, "valid_until") if valid_until else None
    if until is not None and until <= today:
        raise InvalidInputError("valid_until must come after today")
    identity = parse_number(number, today=today)
    item = "commitment.letter" if identity.kind is SubjectKind.PERSON else "org.commitment.letter"
    digest = hashlib.sha256(body.encode()).hexdigest()
    with services.db.transaction() as conn:
        covered = sorted(set(records or []))
        commitment_id = commitment_store.next_id(conn)
        facts = {"commitment_type": commitment_type, "addressee": to_whom, "document_sha256": digest}
        [result] = submit_within(
            services,
            conn,
            [
                RawRecord(
                    ref=f"commitment-{commitment_id}",
                    subject_id=number,
                    subject_name=name,
                    item=item,
                    decided_on=today.isoformat(),
                    decision_no=f"CL-{commitment_id}",
                    facts=facts,
                )
            ],
            provider=institution.code,
            source="commitment",
        )
        if result.record_id is None:
            raise ConflictError(f"the commitment was not recorded: {result.reason}")
        subject = subject_store.get_by_hash(conn, services.vault.lookup(identity.number))
        if subject is None:  # registered by the ingestion just above
            raise NotFoundError("the subject was not registered")
        for record_id in covered:
            found = record_store.current(conn, record_id)
            if found is None or found.subject_id != subject.id:
                raise NotFoundError(f"no record {record_id} of that subject to commit for")
        commitment_store.add(
            conn,
            commitment_id=commitment_id,
            subject_id=subject.id,
            record_id=result.record_id,
            commitment_type=commitment_type,
            addressee=to_whom,
            text_sealed=services.vault.seal_text(body, "commitment"),
            scope={"records": covered},
            signed_on=today,
            valid_until=until,
            at=now,
        )
        event_store.append(
            conn,
            [
                NewEvent(
                    "commitments:commitment:signed",
                    subject.id,
                    commitment_id,
                    {"record": result.record_id, "type": commitment_type, "covers": covered},
                )
            ],
            now=now,
        )
        found_commitment = commitment_store.get(conn, commitment_id)
    assert found_commitment is not None  # noqa: S101  # written just above
    return {**commitment_view(services, found_commitment), "subject": subject.number_masked, "document_sha256": digest}


def report_breach(
    services: Services,
    commitment_id: int,
    *,
    kind: str,
    finding: str,
    authority: str,
    institution: Institution,
) -> dict[str, Any]:
    """A commitment broken, or repair materials found false: the breach becomes a record of
    `institution` (Order No. 36 Art. 25), in the same transaction as the mark on the letter."""
    if kind not in ("broken_commitment", "false_repair_materials"):
        raise InvalidInputError("kind must be broken_commitment or false_repair_materials")
    why = reason_text(finding, "finding")
    by_whom = reason_text(authority, "authority")
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        commitment = commitment_store.get(conn, commitment_id)
        if commitment is None:
            raise NotFoundError(f"no commitment {commitment_id}")
        letter = record_store.newest(conn, commitment["record"])
        if letter is None:
            raise NotFoundError(f"the record of commitment {commitment_id} is missing")
        covered = [record_store.newest(conn, rid) for rid in commitment["scope"].get("records", [])]
        parties = {letter.provider_code, *(r.provider_code for r in covered if r is not None)}
        if not any(is_party(institution, provider) for provider in parties):
            # Only where it was signed, the bodies whose records it covers, or the platform.
            raise NotFoundError(f"no commitment {commitment_id}")
        if commitment["breached_on"] is not None:
            raise ConflictError(f"commitment {commitment_id} was already found broken on {commitment['breached_on']}")
        number = services.vault.open(subject_store.sealed_number(conn, letter.subject_id))
        organisation = letter.item_code.startswith("org.")
        [result] = submit_within(
            services,
            conn,
            [
                RawRecord(
                    ref=f"breach-{commitment_id}",
                    subject_id=number,
                    subject_name=subject_store.registered_name(conn, letter.subject_id),
                    item="org.commitment.breach" if organisation else "commitment.breach",
                    decided_on=today.isoformat(),
                    decision_no=f"breach of CL-{commitment_id}",
                    facts={
                        "authority": by_whom,
                        "kind": kind,
                        "commitment_ref": f"commitment-{commitment_id}",
                        "finding": why,
                    },
                )
            ],
            provider=institution.code,
            source="breach",
        )
        commitment_store.mark_breached(conn, commitment_id, today)
        event_store.append(
            conn,
            [
                NewEvent(
                    "commitments:commitment:breached",
                    letter.subject_id,
                    commitment_id,
                    {"record": result.record_id, "kind": kind},
                )
            ],
            now=now,
        )
    return {"commitment_id": commitment_id, "breach_record": result.record_id, "breached_on": today.isoformat()}


def commitment_view(services: Services, stored: dict[str, Any]) -> dict[str, Any]:
    """A commitment as its signer sees it: the text opened."""
    found = {k: v for k, v in stored.items() if k != "text_sealed"}
    found["text"] = services.vault.open_text(stored["text_sealed"], "commitment")
    return found


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{what} {text!r} is not an ISO date (YYYY-MM-DD)") from None
