"""`POST /api/v1/records`: a batch of records from an institution, with a result per item."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sincerity.api.auth import current_institution, services_of
from sincerity.api.errors import ERROR_RESPONSES
from sincerity.domain.institutions import Institution
from sincerity.domain.records import RawRecord, Rejection
from sincerity.kit.errors import InvalidInputError, SincerityError
from sincerity.services.ingest import submit_records
from sincerity.store.files import record_from_mapping

router = APIRouter(prefix="/api/v1", tags=["records"])
MAX_ITEMS = 10_000


class RecordIn(BaseModel):
    """One record as an institution submits it (same fields as a bulk file row)."""

    subject_id: str = Field(description="resident ID number (18 digits) or unified social credit code")
    subject_name: str
    item: str = Field(description="catalogue item code")
    ref: str = Field(description="the provider's own unique reference; resubmitting it corrects the record")
    decided_on: str = Field(description="date of the determining decision (ISO date)")
    decision_no: str
    facts: dict[str, Any] = Field(description="facts, valid against the item's facts_schema")


class ItemResult(BaseModel):
    index: int
    ref: str
    outcome: str = Field(description="accepted, corrected, unchanged or rejected")
    reason: str | None
    record_id: int | None
    version: int | None


class BatchResult(BaseModel):
    batch_id: int | None
    accepted: int
    corrected: int
    unchanged: int
    rejected: int
    refused: str | None = Field(description="why nothing was stored, with all_or_nothing")
    results: list[ItemResult]


class TooManyItemsError(SincerityError):
    code = "too_many_items"
    status = 413


@router.post(
    "/records",
    response_model=BatchResult,
    responses={k: v for k, v in ERROR_RESPONSES.items() if k in (400, 401, 413, 422)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": RecordIn.model_json_schema(),
                        "maxItems": MAX_ITEMS,
                    }
                }
            },
        }
    },
)
async def post_records(
    request: Request,
    institution: Annotated[Institution, Depends(current_institution)],
    dry_run: Annotated[bool, Query(description="validate and report, store nothing")] = False,
    all_or_nothing: Annotated[bool, Query(description="store nothing if any item is rejected")] = False,
) -> BatchResult:
    """Submit records; each item is accepted, corrected, unchanged or rejected with a reason."""
    body = await request.body()
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInputError("the body is not JSON: send an array of records") from None
    if not isinstance(payload, list):
        raise InvalidInputError("the body must be a JSON array of records")
    if len(payload) > MAX_ITEMS:
        raise TooManyItemsError(f"at most {MAX_ITEMS} records per request; send {len(payload)} as several")
    rows: list[RawRecord | Rejection] = []
    for index, obj in enumerate(payload):
        if isinstance(obj, dict):
            rows.append(record_from_mapping(obj, line=index))
        else:
            rows.append(Rejection(index, "", "each item must be a JSON object"))
    summary = await run_in_threadpool(
        submit_records,
        services_of(request),
        rows,
        provider=institution.code,
        source="api",
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        keep_results=True,
    )
    return BatchResult(
        batch_id=summary.batch_id,
        refused=summary.refused,
        results=[
            ItemResult(
                index=r.line or 0,
                ref=r.ref,
                outcome=r.outcome.value,
                reason=r.reason,
                record_id=r.record_id,
                version=r.version,
            )
            for r in summary.results
        ],
        **summary.counts(),
    )
