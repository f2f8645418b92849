"""§IV(3) administrative redress: reconsideration and litigation against the decision behind
a record, and what each reported outcome does to the record.

NDRC Order No. 36 (2025) Art. 19: applying for reconsideration or bringing a suit does not
suspend display unless enforcement of the decision is suspended; a decision revoked or changed
is withdrawn or amended at once. So: `filed` is recorded only; `enforcement_suspended` stops
display and use until a final outcome; `upheld` ends that suspension; `changed` ends it and
asks the provider for the amended record (a new version through ingestion); `revoked` withdraws
the record for good from the day of the revoking decision, taking every list entry, measure
and tier resting on it along. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sincerity.kit.errors import InvalidInputError

MAX_AUTHORITY = 200
MAX_DOCUMENT_NO = 128


class Proceeding(StrEnum):
    RECONSIDERATION = "reconsideration"
    LITIGATION = "litigation"


class RedressOutcome(StrEnum):
    FILED = "filed"
    ENFORCEMENT_SUSPENDED = "enforcement_suspended"
    UPHELD = "upheld"
    CHANGED = "changed"
    REVOKED = "revoked"

    @property
    def final(self) -> bool:
        return self in (RedressOutcome.UPHELD, RedressOutcome.CHANGED, RedressOutcome.REVOKED)


EFFECTS = {
    RedressOutcome.FILED: "recorded; display and use continue (Order No. 36 Art. 19)",
    RedressOutcome.ENFORCEMENT_SUSPENDED: "display and use suspended until a final outcome (Art. 19)",
    RedressOutcome.UPHELD: "the decision stands; any suspension ends",
    RedressOutcome.CHANGED: "any suspension ends; the provider submits the amended record as a new version",
    RedressOutcome.REVOKED: "the record is withdrawn with every effect resting on it (Art. 19)",
}


@dataclass(frozen=True, slots=True)
class RedressStep:
    id: int
    record_id: int
    record_version: int
    subject_id: int
    proceeding: Proceeding
    outcome: RedressOutcome
    authority: str
    document_no: str
    decided_on: date
    note: str | None
    reported_by: str | None

    def view(self) -> dict[str, Any]:
        return {
            "redress_id": self.id,
            "record": {"id": self.record_id, "version": self.record_version},
            "proceeding": self.proceeding.value,
            "outcome": self.outcome.value,
            "effect": EFFECTS[self.outcome],
            "authority": self.authority,
            "document_no": self.document_no,
            "decided_on": self.decided_on.isoformat(),
            "note": self.note,
            "reported_by": self.reported_by,
        }


def parse_step(
    proceeding: Any, outcome: Any, authority: Any, document_no: Any, decided_on: Any, today: date
) -> tuple[Proceeding, RedressOutcome, str, str, date]:
    """The reported step's fields, checked, or InvalidInputError naming the one that is wrong."""
    try:
        kind = Proceeding(proceeding)
    except ValueError:
        raise InvalidInputError(f"proceeding must be one of {', '.join(p.value for p in Proceeding)}") from None
    try:
        result = RedressOutcome(outcome)
    except ValueError:
        raise InvalidInputError(f"outcome must be one of {', '.join(o.value for o in RedressOutcome)}") from None
    if not isinstance(authority, str) or not authority.strip() or len(authority) > MAX_AUTHORITY:
        raise InvalidInputError(f"authority: the body that decided, at most {MAX_AUTHORITY} characters")
    if not isinstance(document_no, str) or not document_no.strip() or len(document_no) > MAX_DOCUMENT_NO:
        raise InvalidInputError(f"document_no: the decision's number, at most {MAX_DOCUMENT_NO} characters")
    try:
        day = decided_on if isinstance(decided_on, date) else date.fromisoformat(decided_on)
    except (TypeError, ValueError):
        raise InvalidInputError(f"decided_on {decided_on!r} is not an ISO date (YYYY-MM-DD)") from None
    if day > today:
        raise InvalidInputError(f"decided_on {day.isoformat()} is in the future")
    return kind, result, authority.strip(), document_no.strip(), day
