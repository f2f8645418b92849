"""`/api/v1/checks`: the point-of-service check, batch checks, feedback; lifting one measure.

The check handlers are `async` and call the service directly: a check is a few indexed reads
and one insert, shorter than a hop to the thread pool and back (ECOSYSTEM.md: sync handlers
cost several times more per request).
"""

from __future__ import annotations

import builtins
from dataclasses import asdict
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from sincerity.api.auth import current_institution, institution_of, services_of
from sincerity.api.checkgroup import CheckGroup
from sincerity.api.errors import ERROR_RESPONSES
from sincerity.domain.institutions import Institution
from sincerity.kit.errors import InvalidInputError
from sincerity.services.checks import MAX_BATCH, check_batch, give_feedback, lift_measure
from sincerity.services.links import submit_links

router = APIRouter(prefix="/api/v1", tags=["checks"])
_ERRORS: dict[int | str, dict[str, Any]] = {k: v for k, v in ERROR_RESPONSES.items() if k in (400, 401, 403, 404, 422)}


class CheckIn(BaseModel):
    subject: str = Field(description="resident ID number or unified social credit code")
    action: str = Field(description="the action about to be taken (see GET /api/v1/measures)")


class RecordRef(BaseModel):
    id: int
    version: int
    item: str
    decided_on: str


class Reason(BaseModel):
    trigger: dict[str, Any]
    list: str | None = None
    entry: str | None = None
    rule: dict[str, Any] | None = None
    record: RecordRef | None = None
    until: str | None = None
    legal_basis: builtins.list[dict[str, Any]] = []  # `list` is a field name here
    via: dict[str, Any] | None = Field(default=None, description="the organisation and role that reach the person")
    tier: dict[str, Any] | None = None
    spotless: dict[str, Any] | None = None


class MeasureOut(BaseModel):
    code: str
    kind: str = Field(description="reward, punishment or supervision")
    applies: bool
    until: str | None
    because: list[Reason]
    not_counted: list[dict[str, Any]] = Field(description="reasons in a grace period or lifted")
    legal_basis: list[dict[str, Any]] = Field(description="the measure's own legal basis")


class CheckAnswer(BaseModel):
    check_id: int
    action: str
    at: str
    subject: str = Field(description="the masked number")
    known: bool
    measures: list[MeasureOut]
    versions: dict[str, str]


class BatchIn(BaseModel):
    action: str
    subjects: list[str] = Field(max_length=MAX_BATCH)


class BatchResultItem(BaseModel):
    index: int
    subject: str | None = None
    applies: bool | None = None
    measures: list[MeasureOut] = []
    error: str | None = None


class BatchAnswer(BaseModel):
    check_id: int
    action: str
    at: str
    subjects: int
    applying: int
    results: list[BatchResultItem]
    versions: dict[str, str]


class FeedbackIn(BaseModel):
    measure: str
    outcome: str = Field(description="applied or not_applied")
    reason: str | None = Field(default=None, description="required when not applied")
    subject: str | None = Field(default=None, description="for a batch check: which subject")


class LiftIn(BaseModel):
    subject: str
    measure: str
    record_id: int
    reason: str


def _json(value: Any) -> Response:
    return Response(orjson.dumps(value), media_type="application/json")


def _body(raw: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidInputError("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidInputError("the body must be a JSON object")
    return payload


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{key}: a non-empty string is required")
    return value


_BEARER: list[dict[str, list[str]]] = [{"HTTPBearer": []}]


@router.post(
    "/checks",
    responses={200: {"model": CheckAnswer}, **_ERRORS},
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": CheckIn.model_json_schema()}}},
        "security": _BEARER,
    },
)
async def post_check(request: Request) -> Response:
    """Does any measure governing `action` apply to `subject`? Each with its end date and the
    chain measure ← list entry ← record ← catalogue item ← legal basis; never the dossier."""
    institution = institution_of(request)
    payload = _body(await request.body())
    subject, action = _text(payload, "subject"), _text(payload, "action")
    # Checks arriving together are answered and recorded in one transaction (group commit).
    return _json(await _group(request).ask(subject, action, institution))


def _group(request: Request) -> CheckGroup:
    found: CheckGroup | None = getattr(request.app.state, "check_group", None)
    if found is None:
        found = request.app.state.check_group = CheckGroup(services_of(request))
    return found


@router.post(
    "/checks/batch",
    responses={200: {"model": BatchAnswer}, **_ERRORS},
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": BatchIn.model_json_schema()}}}
    },
)
async def post_check_batch(
    request: Request, institution: Annotated[Institution, Depends(current_institution)]
) -> Response:
    """Many subjects, one action: per subject whether a measure applies (explained where one does)."""
    payload = _body(await request.body())
    subjects = payload.get("subjects")
    if not isinstance(subjects, list):
        raise InvalidInputError("subjects: an array of numbers is required")
    answer = await run_in_threadpool(
        check_batch, services_of(request), subjects, action=_text(payload, "action"), institution=institution
    )
    return _json(answer)


@router.post("/checks/{check_id}/feedback", status_code=201, responses=_ERRORS)
async def post_feedback(
    request: Request,
    check_id: int,
    body: FeedbackIn,
    institution: Annotated[Institution, Depends(current_institution)],
) -> dict[str, Any]:
    """What the implementing institution did: `applied`, or `not_applied` and why."""
    return give_feedback(
        services_of(request),
        check_id,
        institution=institution,
        measure=body.measure,
        outcome=body.outcome,
        reason=body.reason,
        subject=body.subject,
    )


@router.post("/lifts", status_code=201, responses={**_ERRORS, 409: {"description": "not liftable or already lifted"}})
async def post_lift(
    request: Request, body: LiftIn, institution: Annotated[Institution, Depends(current_institution)]
) -> dict[str, Any]:
    """Lift one liftable measure for the reasons resting on one record (the issuing body only)."""
    return lift_measure(
        services_of(request),
        body.subject,
        measure=body.measure,
        record_id=body.record_id,
        reason=body.reason,
        institution=institution,
    )


class LinkIn(BaseModel):
    ref: str = Field(description="the provider's own reference; resubmitting it corrects the link")
    organisation_id: str = Field(description="the organisation's unified social credit code")
    organisation_name: str
    person_id: str = Field(description="the person's resident ID number")
    person_name: str
    role: str = Field(description="legal_representative, principal_person_in_charge, … (GET /api/v1/lists)")
    valid_from: str = Field(description="ISO date the role began")
    valid_until: str | None = Field(default=None, description="ISO date the role ended (inclusive), if it has")


@router.post(
    "/links",
    responses={k: v for k, v in _ERRORS.items() if k != 404},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "items": LinkIn.model_json_schema(), "maxItems": MAX_BATCH}
                }
            },
        }
    },
)
async def post_links(request: Request, institution: Annotated[Institution, Depends(current_institution)]) -> Response:
    """Submit organisation–person links (§VI(2) "down to persons"); a result per item."""
    try:
        payload = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise InvalidInputError("the body is not JSON: send an array of links") from None
    if not isinstance(payload, list) or len(payload) > MAX_BATCH:
        raise InvalidInputError(f"the body must be a JSON array of at most {MAX_BATCH} links")
    summary = await run_in_threadpool(submit_links, services_of(request), payload, provider=institution.code)
    return _json({**summary.counts(), "results": [asdict(r) for r in summary.results]})
