"""§IV(3) credit repair: who may repair what, when, on which conditions, and the deadlines.

NDRC Order No. 36 (2025): repair is a right unless a law makes the item unrepairable (Art. 2);
it stops display and use and lifts the measures resting on the item (Art. 3); it may be asked
once the minimum period has passed (Art. 12) and the conduct is corrected, the obligations
performed and a credit commitment made (Art. 14); the designating body accepts or refuses
within 3 working days, asking once for anything missing, decides within 7 working days of
accepting, extendable once by 10, and the platform gives the result within 10 (Arts. 16, 18);
false materials or a broken commitment bar repair for three years (Art. 25); it is free
(Art. 26). "Who designates, repairs": the record's provider decides.

`eligibility` explains every condition before anyone applies: met, not met (and when it will
be), or to be shown with evidence and verified by the designating body. Pure: the day, the
record and the subject's supporting records are parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sincerity.domain.calendar import Deadline, WorkingCalendar
from sincerity.domain.catalogue import (
    DISPLAY_BOUNDS,
    CatalogueItem,
    PositiveAct,
    RepairCondition,
    RepairPolicy,
    SubjectKind,
)
from sincerity.domain.disputes import evidence_from
from sincerity.kit.durations import Duration
from sincerity.kit.errors import InvalidInputError

ORDER_36 = "Credit Repair Management Measures (NDRC Order No. 36, 2025)"
COMMITMENT_ITEMS = ("commitment.letter", "org.commitment.letter")
TRAINING_ITEMS = ("commitment.training",)  # credit training is for natural persons (§II(5))
BREACH_ITEMS = ("commitment.breach", "org.commitment.breach")
ACCEPT_DAYS = 3  # Art. 16: the designating body accepts or refuses
DECIDE_DAYS = 7  # Art. 16: and decides after accepting
EXTENSION_DAYS = 10  # Art. 16: once, when the case is complex
RESULT_DAYS = 10  # Art. 18: the platform gives the result


class RepairStatus(StrEnum):
    APPLIED = "applied"  # waiting for the designating body to accept or refuse
    INCOMPLETE = "incomplete"  # materials asked for, once; waiting for the subject
    ACCEPTED = "accepted"  # waiting for the decision
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"

    @property
    def open(self) -> bool:
        return self in (RepairStatus.APPLIED, RepairStatus.INCOMPLETE, RepairStatus.ACCEPTED)


@dataclass(frozen=True, slots=True)
class Supporting:
    """A record of the subject that bears on repair (commitment, training, breach), shown today."""

    id: int
    item_code: str
    decided_on: date
    facts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ConditionResult:
    code: str
    met: bool | None  # None: shown with evidence in the application, verified by the designating body
    explanation: str
    record_id: int | None = None
    from_on: date | None = None  # when a condition not yet met will be

    def view(self) -> dict[str, Any]:
        found: dict[str, Any] = {"condition": self.code, "met": self.met, "explanation": self.explanation}
        if self.record_id is not None:
            found["record"] = self.record_id
        if self.from_on is not None:
            found["from"] = self.from_on.isoformat()
        return found


@dataclass(frozen=True, slots=True)
class Eligibility:
    record_id: int
    item_code: str
    repairable: bool
    earliest_on: date | None
    conditions: tuple[ConditionResult, ...]
    designating_body: str
    basis: str

    @property
    def eligible(self) -> bool:
        """Every condition that can be judged now is met (evidence is judged on deciding)."""
        return self.repairable and all(c.met is not False for c in self.conditions)

    @property
    def missing(self) -> list[ConditionResult]:
        return [c for c in self.conditions if c.met is False]

    def view(self) -> dict[str, Any]:
        return {
            "record": self.record_id,
            "item": self.item_code,
            "repairable": self.repairable,
            "eligible": self.eligible,
            "earliest_on": self.earliest_on.isoformat() if self.earliest_on else None,
            "conditions": [c.view() for c in self.conditions],
            "designating_body": self.designating_body,
            "free_of_charge": True,
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class RepairRecord:
    """What eligibility needs of the record to repair."""

    id: int
    item_code: str
    decided_on: date
    provider_code: str


def conditions_for(item: CatalogueItem, policy: RepairPolicy) -> tuple[RepairCondition, ...]:
    """The item's own conditions, else its severity's; training is asked of persons only,
    unless an organisation's item names it itself (no training item exists for organisations)."""
    if item.repair_conditions is not None:
        return item.repair_conditions
    if item.severity is None:
        return ()
    found = policy.conditions[item.severity]
    if item.subject_kind is SubjectKind.ORGANISATION:
        found = tuple(c for c in found if c is not RepairCondition.TRAINING_COMPLETED)
    return found


def waiting_period(item: CatalogueItem, policy: RepairPolicy, positive_acts: int) -> tuple[Duration, Duration]:
    """(the item's waiting period, the credit the positive acts earn against it)."""
    wait = item.earliest_repair or Duration()
    credit = policy.positive_act_credit.times(positive_acts)
    return wait, min(credit, policy.positive_act_credit_limit, key=Duration.approx_days)


def earliest_on(item: CatalogueItem, policy: RepairPolicy, decided_on: date, positive_acts: int) -> date:
    """The first day repair may be asked: the waiting period less any credit, never before the
    tier's statutory minimum (Order No. 36 Art. 12)."""
    wait, credit = waiting_period(item, policy, positive_acts)
    from_wait = credit.before(wait.after(decided_on))
    floor = DISPLAY_BOUNDS[item.severity][0].after(decided_on) if item.severity else decided_on
    return max(from_wait, floor)


def eligibility(
    item: CatalogueItem,
    policy: RepairPolicy,
    record: RepairRecord,
    today: date,
    *,
    supporting: Sequence[Supporting] = (),
    positive_acts: Sequence[PositiveAct] = (),
    open_repair: int | None = None,
) -> Eligibility:
    """Every condition of repairing `record` on `today`, each explained."""
    basis = f"{ORDER_36}, Arts. 2, 3, 12, 14, 16, 18, 25, 26"
    if not item.repairable:
        laws = "; ".join(b.law + (f" {b.articles}" if b.articles else "") for b in item.legal_basis)
        return Eligibility(
            record.id,
            item.code,
            False,
            None,
            (
                ConditionResult(
                    "repairable",
                    False,
                    f"{item.code} is not repairable: it ends with its term or its deletion under {laws}",
                ),
            ),
            record.provider_code,
            basis,
        )
    results: list[ConditionResult] = []
    first_day = earliest_on(item, policy, record.decided_on, len(set(positive_acts)))
    wait, credit = waiting_period(item, policy, len(set(positive_acts)))
    wait_text = f"the waiting period {wait.iso()} from the decision of {record.decided_on.isoformat()}"
    if credit.approx_days():
        wait_text += f", less {credit.iso()} for documented positive acts"
    results.append(
        ConditionResult(
            "waiting_period",
            today >= first_day,
            f"{wait_text}: repair may be asked from {first_day.isoformat()} (Order No. 36 Art. 12)",
            from_on=first_day if today < first_day else None,
        )
    )
    if open_repair is not None:
        results.append(ConditionResult("no_open_application", False, f"repair application {open_repair} is open"))
    bar = _barred_until(supporting, policy, today)
    if bar is not None:
        breach, until = bar
        results.append(
            ConditionResult(
                "not_barred",
                False,
                f"record {breach.id} (false repair materials or a broken commitment) bars repair until "
                f"{until.isoformat()} (Order No. 36 Art. 25)",
                record_id=breach.id,
                from_on=until,
            )
        )
    for condition in conditions_for(item, policy):
        results.append(_condition(condition, record, supporting))
    return Eligibility(record.id, item.code, True, first_day, tuple(results), record.provider_code, basis)


def _barred_until(
    supporting: Sequence[Supporting], policy: RepairPolicy, today: date
) -> tuple[Supporting, date] | None:
    bars = [(s, policy.breach_bar.after(s.decided_on)) for s in supporting if s.item_code in BREACH_ITEMS]
    bars = [(s, until) for s, until in bars if until > today]
    return max(bars, key=lambda pair: pair[1]) if bars else None


def _condition(condition: RepairCondition, record: RepairRecord, supporting: Sequence[Supporting]) -> ConditionResult:
    since = record.decided_on
    if condition is RepairCondition.OBLIGATIONS_PERFORMED:
        return ConditionResult(
            condition.value,
            None,
            "the conduct corrected and the obligations performed: attach the evidence to the application; "
            f"the designating body ({record.provider_code}) verifies it (Order No. 36 Art. 14)",
        )
    if condition is RepairCondition.COMMITMENT_SIGNED:
        found = [
            s
            for s in supporting
            if s.item_code in COMMITMENT_ITEMS
            and s.facts.get("commitment_type") == "credit_repair"
            and s.decided_on >= since
        ]
        if found:
            return ConditionResult(
                condition.value,
                True,
                f"credit commitment signed on {found[-1].decided_on.isoformat()}",
                record_id=found[-1].id,
            )
        return ConditionResult(
            condition.value,
            False,
            "sign a credit commitment for this repair (that the materials are true and the conduct corrected) "
            "at the platform first (Order No. 36 Art. 14)",
        )
    found = [s for s in supporting if s.item_code in TRAINING_ITEMS and s.decided_on >= since]
    if found:
        return ConditionResult(
            condition.value,
            True,
            f"credit training completed on {found[-1].decided_on.isoformat()}",
            record_id=found[-1].id,
        )
    return ConditionResult(
        condition.value,
        False,
        f"complete a credit training after the decision of {since.isoformat()} (§II(5)); the organiser reports it",
    )


@dataclass(frozen=True, slots=True)
class Repair:
    id: int
    record_id: int
    record_version: int
    subject_id: int
    provider_code: str
    item_code: str
    applied_on: date
    applied_by: str | None
    evidence: tuple[dict[str, Any], ...]
    commitment_id: int | None
    status: RepairStatus
    accept_due: date
    decide_due: date | None
    result_due: date
    due_provisional: bool
    materials_asked: str | None
    extended: bool
    decided_on: date | None
    decided_by: str | None
    reasons: str | None
    late: tuple[str, ...] = field(default=())

    def overdue(self, today: date) -> list[str]:
        """Which of the designating body's deadlines have passed with nothing done (published
        per authority, §3b-6). The platform's ten days for a result are shown, not judged here:
        a body that accepts in 3 and decides in 7 + 10 is in time past them (Art. 16)."""
        found = []
        if self.status is RepairStatus.APPLIED and today > self.accept_due:
            found.append("accept")
        if self.status is RepairStatus.ACCEPTED and self.decide_due is not None and today > self.decide_due:
            found.append("decide")
        return found

    def view(self, today: date) -> dict[str, Any]:
        return {
            "repair_id": self.id,
            "record": {"id": self.record_id, "version": self.record_version, "item": self.item_code},
            "designating_body": self.provider_code,
            "status": self.status.value,
            "applied_on": self.applied_on.isoformat(),
            "applied_by": self.applied_by,
            "evidence": list(self.evidence),
            "commitment": self.commitment_id,
            "deadlines": {
                "accept": self.accept_due.isoformat(),
                "decide": self.decide_due.isoformat() if self.decide_due else None,
                "result": self.result_due.isoformat(),
                "provisional": self.due_provisional,
                "extended": self.extended,
            },
            "overdue": self.overdue(today),
            "materials_asked": self.materials_asked,
            "decided_on": self.decided_on.isoformat() if self.decided_on else None,
            "decided_by": self.decided_by,
            "reasons": self.reasons,
        }


def application_deadlines(calendar: WorkingCalendar, applied_on: date) -> tuple[Deadline, Deadline]:
    """(accept or refuse by, the platform's result by), in working days (Arts. 16, 18)."""
    return calendar.deadline(applied_on, ACCEPT_DAYS), calendar.deadline(applied_on, RESULT_DAYS)


PROOFS = (RepairCondition.OBLIGATIONS_PERFORMED.value, *(a.value for a in PositiveAct))


def repair_evidence(raw: Any) -> list[dict[str, Any]]:
    """Evidence for a repair: each piece names what it proves — the obligations performed, or
    one of the positive acts — besides its name and fingerprint."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInputError("evidence must be a list of {name, sha256, proves, note}")
    found = []
    for n, piece in enumerate(raw, start=1):
        if not isinstance(piece, dict):
            raise InvalidInputError(f"evidence {n}: an object with name, sha256, proves and an optional note")
        proves = piece.get("proves")
        if proves not in PROOFS:
            raise InvalidInputError(f"evidence {n}: proves must be one of {', '.join(PROOFS)}")
        [checked] = evidence_from([{k: v for k, v in piece.items() if k != "proves"}])
        found.append({**checked.view(), "proves": proves})
    return found


def positive_acts_in(evidence: Sequence[dict[str, Any]]) -> list[PositiveAct]:
    return sorted({PositiveAct(e["proves"]) for e in evidence if e["proves"] != RepairCondition.OBLIGATIONS_PERFORMED})
