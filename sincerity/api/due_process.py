"""Due process (§IV(3), §II(5)): disputes, administrative redress, credit repair, commitments.

The subject acts through the platform (its counter or portal: an institution of kind
`platform`); the record's provider answers disputes and decides repairs ("who designates,
repairs"); both parties read them. Plain (threaded) handlers: these are rare writes, not the
check's hot path.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from sincerity.api.auth import current_institution, services_of
from sincerity.api.errors import ERROR_RESPONSES
from sincerity.domain.institutions import Institution
from sincerity.services.commitments import report_breach, sign_commitment
from sincerity.services.disputes import answer_dispute, get_dispute, list_disputes, open_dispute, withdraw_dispute
from sincerity.services.due_process import subject_file
from sincerity.services.notices import inbox, set_contact
from sincerity.services.redress import report_redress
from sincerity.services.repairs import (
    accept_repair,
    apply_for_repair,
    ask_for_materials,
    decide_repair,
    extend_repair,
    get_repair,
    list_repairs,
    repair_eligibility,
    supplement_repair,
    withdraw_repair,
)

router = APIRouter(prefix="/api/v1", tags=["due process"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    k: v for k, v in ERROR_RESPONSES.items() if k in (400, 401, 403, 404, 409, 422)
}


class EvidenceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="fingerprint of the document (kept by the subject)")
    note: str | None = Field(default=None, max_length=500)


class DisputeIn(BaseModel):
    subject: str = Field(description="the subject's resident ID number or unified social credit code")
    record_id: int = Field(description="the record disputed (ids appear in the subject's report and notices)")
    reason: str = Field(min_length=1, max_length=2000)
    evidence: list[EvidenceIn] = Field(default=[], max_length=20)


class AnswerIn(BaseModel):
    outcome: str = Field(description="upheld, corrected (submit the new version first) or removed")
    answer: str = Field(min_length=1, max_length=2000, description="the written answer with its reasons")


class WithdrawIn(BaseModel):
    subject: str


@router.post("/disputes", status_code=201, responses=_ERRORS)
def post_dispute(
    request: Request, body: DisputeIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Open a dispute: the record is marked disputed at once and, where its item says so,
    suspended from measures; the answer is due within the item's period."""
    return open_dispute(
        services_of(request),
        body.subject,
        record_id=body.record_id,
        reason=body.reason,
        evidence=[e.model_dump(exclude_none=True) for e in body.evidence],
        institution=institution,
    )


@router.get("/disputes", responses=_ERRORS)
def get_disputes(
    request: Request,
    institution: Annotated[Institution, Depends(current_institution)],
    status: Annotated[str | None, Query(description="open, upheld, corrected, removed or withdrawn")] = None,
    overdue: Annotated[bool, Query(description="only open disputes past their deadline (escalated)")] = False,
) -> list[dict[str, Any]]:
    """The disputes on the caller's records (the platform: all of them)."""
    return list_disputes(services_of(request), institution=institution, status=status, overdue=overdue)


@router.get("/disputes/{dispute_id}", responses=_ERRORS)
def get_one_dispute(
    request: Request, dispute_id: int, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """One dispute and every step of it."""
    return get_dispute(services_of(request), dispute_id, institution=institution)


@router.post("/disputes/{dispute_id}/answer", responses=_ERRORS)
def post_answer(
    request: Request,
    dispute_id: int,
    body: AnswerIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """The provider's written answer (the platform's too, once the dispute is overdue)."""
    return answer_dispute(
        services_of(request), dispute_id, outcome=body.outcome, answer=body.answer, institution=institution
    )


@router.post("/disputes/{dispute_id}/withdraw", responses=_ERRORS)
def post_withdraw(
    request: Request,
    dispute_id: int,
    body: WithdrawIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """The subject withdraws the dispute (through the platform)."""
    return withdraw_dispute(services_of(request), dispute_id, number=body.subject, institution=institution)


# --- administrative redress ----------------------------------------------------------------------


class RedressIn(BaseModel):
    subject: str
    record_id: int
    proceeding: str = Field(description="reconsideration or litigation")
    outcome: str = Field(description="filed, enforcement_suspended, upheld, changed or revoked")
    authority: str = Field(min_length=1, max_length=200, description="the body that decided")
    document_no: str = Field(min_length=1, max_length=128)
    decided_on: str = Field(description="ISO date of the decision or judgment")
    note: str | None = Field(default=None, max_length=2000)


@router.post("/redress", status_code=201, responses=_ERRORS)
def post_redress(
    request: Request, body: RedressIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Record a reconsideration or litigation step against the decision behind a record; a
    revocation withdraws the record and every effect resting on it (Order No. 36 Art. 19)."""
    return report_redress(
        services_of(request),
        body.subject,
        record_id=body.record_id,
        proceeding=body.proceeding,
        outcome=body.outcome,
        authority=body.authority,
        document_no=body.document_no,
        decided_on=body.decided_on,
        note=body.note,
        institution=institution,
    )


# --- credit repair -------------------------------------------------------------------------------


class RepairEvidenceIn(EvidenceIn):
    proves: str = Field(description="obligations_performed, agreements_honoured, voluntary_service or philanthropy")


class EligibilityIn(BaseModel):
    subject: str
    record_id: int
    positive_acts: list[str] = Field(default=[], description="positive acts the subject can document")


class RepairIn(BaseModel):
    subject: str
    record_id: int
    evidence: list[RepairEvidenceIn] = Field(default=[], max_length=20)


class MaterialsIn(BaseModel):
    missing: str = Field(min_length=1, max_length=2000, description="everything missing, in one notice")


class SupplementIn(BaseModel):
    subject: str
    evidence: list[RepairEvidenceIn] = Field(min_length=1, max_length=20)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    granted: bool
    reasons: str = Field(min_length=1, max_length=2000)


@router.post("/repairs/eligibility", responses=_ERRORS)
def post_eligibility(
    request: Request, body: EligibilityIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Whether, from when and on which conditions a record can be repaired, each explained."""
    return repair_eligibility(
        services_of(request),
        body.subject,
        record_id=body.record_id,
        positive_acts=body.positive_acts,
        institution=institution,
    )


@router.post("/repairs", status_code=201, responses=_ERRORS)
def post_repair(
    request: Request, body: RepairIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Apply to repair a negative record (through the platform); refused with every unmet
    condition when it cannot succeed yet."""
    return apply_for_repair(
        services_of(request),
        body.subject,
        record_id=body.record_id,
        evidence=[e.model_dump(exclude_none=True) for e in body.evidence],
        institution=institution,
    )


@router.get("/repairs", responses=_ERRORS)
def get_repairs(
    request: Request,
    institution: Annotated[Institution, Depends(current_institution)],
    status: Annotated[
        str | None, Query(description="applied, incomplete, accepted, granted, refused, withdrawn")
    ] = None,
    overdue: Annotated[bool, Query(description="only applications with a deadline passed")] = False,
) -> list[dict[str, Any]]:
    """The applications the caller decides (the platform: all of them)."""
    return list_repairs(services_of(request), institution=institution, status=status, overdue=overdue)


@router.get("/repairs/{repair_id}", responses=_ERRORS)
def get_one_repair(
    request: Request, repair_id: int, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """One application and every step of it."""
    return get_repair(services_of(request), repair_id, institution=institution)


@router.post("/repairs/{repair_id}/accept", responses=_ERRORS)
def post_accept(
    request: Request, repair_id: int, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """The designating body accepts: the decision is due within 7 working days."""
    return accept_repair(services_of(request), repair_id, institution=institution)


@router.post("/repairs/{repair_id}/materials", responses=_ERRORS)
def post_materials(
    request: Request,
    repair_id: int,
    body: MaterialsIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """Ask once, in one notice, for everything missing."""
    return ask_for_materials(services_of(request), repair_id, missing=body.missing, institution=institution)


@router.post("/repairs/{repair_id}/supplement", responses=_ERRORS)
def post_supplement(
    request: Request,
    repair_id: int,
    body: SupplementIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """The subject supplies what was asked (through the platform)."""
    return supplement_repair(
        services_of(request),
        repair_id,
        number=body.subject,
        evidence=[e.model_dump(exclude_none=True) for e in body.evidence],
        institution=institution,
    )


@router.post("/repairs/{repair_id}/extend", responses=_ERRORS)
def post_extend(
    request: Request,
    repair_id: int,
    body: ReasonIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """Extend the decision once by 10 working days."""
    return extend_repair(services_of(request), repair_id, reason=body.reason, institution=institution)


@router.post("/repairs/{repair_id}/decision", responses=_ERRORS)
def post_decision(
    request: Request,
    repair_id: int,
    body: DecisionIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """Grant or refuse, with reasons; a grant ends the record's display and use at once."""
    return decide_repair(
        services_of(request), repair_id, granted=body.granted, reasons=body.reasons, institution=institution
    )


@router.post("/repairs/{repair_id}/withdraw", responses=_ERRORS)
def post_withdraw_repair(
    request: Request,
    repair_id: int,
    body: WithdrawIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """The subject withdraws the application (through the platform)."""
    return withdraw_repair(services_of(request), repair_id, number=body.subject, institution=institution)


# --- commitments ---------------------------------------------------------------------------------


class CommitmentIn(BaseModel):
    subject: str
    name: str = Field(min_length=1, max_length=100, description="the subject's name as registered")
    commitment_type: str = Field(description="job_entry, licence_application, credit_repair, …")
    addressee: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20_000, description="the signed text (kept on this node only)")
    records: list[int] = Field(default=[], description="the records it is made for (a repair's commitment)")
    valid_until: str | None = None


class BreachIn(BaseModel):
    kind: str = Field(description="broken_commitment or false_repair_materials")
    finding: str = Field(min_length=1, max_length=500)
    authority: str = Field(min_length=1, max_length=200)


@router.post("/commitments", status_code=201, responses=_ERRORS)
def post_commitment(
    request: Request, body: CommitmentIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Record a credit commitment letter signed at the caller (§II(5); Order No. 36 Art. 14)."""
    return sign_commitment(
        services_of(request),
        body.subject,
        name=body.name,
        commitment_type=body.commitment_type,
        addressee=body.addressee,
        text=body.text,
        records=body.records,
        valid_until=body.valid_until,
        institution=institution,
    )


@router.post("/commitments/{commitment_id}/breach", status_code=201, responses=_ERRORS)
def post_breach(
    request: Request,
    commitment_id: int,
    body: BreachIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """A broken commitment or false repair materials, recorded (Order No. 36 Art. 25)."""
    return report_breach(
        services_of(request),
        commitment_id,
        kind=body.kind,
        finding=body.finding,
        authority=body.authority,
        institution=institution,
    )


# --- the subject's own view, served by the platform ---------------------------------------------


class SubjectIn(BaseModel):
    subject: str = Field(description="in the body, never in the URL: numbers stay out of access logs")


class InboxIn(SubjectIn):
    after: int = Field(default=0, ge=0, description="only notices after this event number")


class ContactIn(SubjectIn):
    email: str = Field(max_length=254)


@router.post("/subjects/file", responses=_ERRORS)
def post_subject_file(
    request: Request, body: SubjectIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Every dispute, repair, redress step and commitment about the subject, with its history
    (the platform, for the subject)."""
    return subject_file(services_of(request), body.subject, institution=institution)


@router.post("/subjects/inbox", responses=_ERRORS)
def post_inbox(
    request: Request, body: InboxIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """The subject's notices in words, oldest first (the platform, for the subject)."""
    return inbox(services_of(request), body.subject, after_seq=body.after, institution=institution)


@router.post("/subjects/contact", responses=_ERRORS)
def post_contact(
    request: Request, body: ContactIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Where the subject wants notices (sealed at rest; the platform, for the subject)."""
    return set_contact(services_of(request), body.subject, body.email, institution=institution)
