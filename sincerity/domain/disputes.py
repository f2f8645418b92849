"""§IV(3): objections to a record — the deadline, the suspension and the outcomes.

The Credit Reporting Regulation (State Council Order No. 631) Art. 25: a disputed item is
marked *disputed* and answered in writing within 20 days (calendar days); the catalogue item
may set another period (`dispute_answer_days`). Where the item says so (`suspend_on_dispute`)
the record is suspended from every measure while the dispute is open. A dispute not answered
in time escalates to the platform and, unless the operator turns it off, suspends the record
from the day after the deadline until it is answered: the suspension is a date computed when
the dispute opens, so the clock enforces it without a sweeper.

Outcomes: *upheld* (with reasons), *corrected* (the provider submitted a new version of the
record: the old one is closed by ingestion), *removed* (the record is withdrawn for good).
The subject may also withdraw the dispute. Pure: days are parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sincerity.domain.calendar import calendar_deadline
from sincerity.domain.catalogue import CatalogueItem
from sincerity.kit.errors import ConflictError, InvalidInputError

MAX_REASON = 2000
MAX_EVIDENCE = 20


class DisputeStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    CORRECTED = "corrected"
    REMOVED = "removed"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    """What the provider may answer."""

    UPHELD = "upheld"
    CORRECTED = "corrected"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class DisputeTerms:
    """When the answer is due and from when the record stops being used."""

    answer_due: date  # the last day on which the answer is in time
    provisional: bool
    suspends_from: date | None
    basis: str

    def explain(self) -> dict[str, Any]:
        return {
            "answer_due": self.answer_due.isoformat(),
            "provisional": self.provisional,
            "suspended_from": self.suspends_from.isoformat() if self.suspends_from else None,
            "basis": self.basis,
        }


def terms_for(item: CatalogueItem, opened_on: date, *, suspend_when_overdue: bool) -> DisputeTerms:
    """The deadline (calendar days, Regulation Art. 25) and the suspension of one dispute."""
    due = calendar_deadline(opened_on, item.dispute_answer_days)
    if item.suspend_on_dispute:
        suspends_from: date | None = opened_on
        basis = f"item {item.code} is suspended from measures while disputed"
    elif suspend_when_overdue:
        suspends_from = due.day + timedelta(days=1)
        basis = "suspended from measures if not answered by the deadline"
    else:
        suspends_from = None
        basis = "used while disputed, marked disputed"
    return DisputeTerms(due.day, due.provisional, suspends_from, basis)


@dataclass(frozen=True, slots=True)
class Evidence:
    """A document the subject relies on: named and fingerprinted, never stored here."""

    name: str
    sha256: str
    note: str | None = None

    def view(self) -> dict[str, Any]:
        found: dict[str, Any] = {"name": self.name, "sha256": self.sha256}
        if self.note:
            found["note"] = self.note
        return found


def evidence_from(raw: Any) -> list[Evidence]:
    """Evidence as submitted (a list of {name, sha256, note?}), or a clear error."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInputError("evidence must be a list of {name, sha256, note}")
    if len(raw) > MAX_EVIDENCE:
        raise InvalidInputError(f"at most {MAX_EVIDENCE} pieces of evidence")
    found = []
    for n, piece in enumerate(raw, start=1):
        if not isinstance(piece, dict) or set(piece) - {"name", "sha256", "note"}:
            raise InvalidInputError(f"evidence {n}: an object with name, sha256 and an optional note")
        name, digest, note = piece.get("name"), piece.get("sha256"), piece.get("note")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise InvalidInputError(f"evidence {n}: name is missing or longer than 200 characters")
        if not isinstance(digest, str) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise InvalidInputError(f"evidence {n}: sha256 must be 64 lower-case hexadecimal digits")
        if note is not None and (not isinstance(note, str) or len(note) > 500):
            raise InvalidInputError(f"evidence {n}: note must be text of at most 500 characters")
        found.append(Evidence(name.strip(), digest, note.strip() if note else None))
    return found


def reason_text(raw: Any, what: str = "reason") -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInputError(f"a {what} is required")
    if len(raw) > MAX_REASON:
        raise InvalidInputError(f"the {what} is longer than {MAX_REASON} characters")
    return raw.strip()


@dataclass(frozen=True, slots=True)
class Dispute:
    id: int
    record_id: int
    record_version: int
    subject_id: int
    provider_code: str
    item_code: str
    opened_on: date
    opened_by: str | None
    reason: str
    evidence: tuple[Evidence, ...]
    answer_due: date
    due_provisional: bool
    suspends_from: date | None
    status: DisputeStatus
    answered_on: date | None
    answered_by: str | None
    answer: str | None
    corrected_version: int | None

    def overdue(self, today: date) -> bool:
        """Open past its deadline: escalated to the platform."""
        return self.status is DisputeStatus.OPEN and today > self.answer_due

    def suspended(self, today: date) -> bool:
        return self.status is DisputeStatus.OPEN and self.suspends_from is not None and self.suspends_from <= today

    def answerable_by(self, institution_code: str | None, institution_kind: str | None, today: date) -> bool:
        """The provider answers; the platform's operator always may, a platform institution once
        the dispute has escalated to it."""
        if institution_code is None or institution_code == self.provider_code:
            return True
        return institution_kind == "platform" and self.overdue(today)

    def view(self, today: date) -> dict[str, Any]:
        return {
            "dispute_id": self.id,
            "record": {"id": self.record_id, "version": self.record_version, "item": self.item_code},
            "provider": self.provider_code,
            "status": self.status.value,
            "opened_on": self.opened_on.isoformat(),
            "opened_by": self.opened_by,
            "reason": self.reason,
            "evidence": [e.view() for e in self.evidence],
            "answer_due": self.answer_due.isoformat(),
            "due_provisional": self.due_provisional,
            "overdue": self.overdue(today),
            "suspends_from": self.suspends_from.isoformat() if self.suspends_from else None,
            "suspended": self.suspended(today),
            "answered_on": self.answered_on.isoformat() if self.answered_on else None,
            "answered_by": self.answered_by,
            "answer": self.answer,
            "corrected_version": self.corrected_version,
        }


def check_answer(dispute: Dispute, outcome: Outcome, *, current_version: int | None) -> None:
    """Refuse an answer that does not fit the dispute's state (ConflictError says why)."""
    if dispute.status is not DisputeStatus.OPEN:
        raise ConflictError(f"dispute {dispute.id} is already {dispute.status.value}")
    if outcome is Outcome.CORRECTED and (current_version is None or current_version <= dispute.record_version):
        raise ConflictError(
            f"record {dispute.record_id} is still at version {dispute.record_version}: submit the corrected "
            "record (same ref) first, then answer `corrected`"
        )
