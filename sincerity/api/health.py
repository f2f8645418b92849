"""Liveness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from sincerity.api.auth import services_of
from sincerity.services.health import health, metrics_text

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, str]:
    """`ok` when the database answers and a catalogue is in force."""
    return await run_in_threadpool(health, services_of(request))


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> str:
    """Prometheus text format: stored records, subjects, batches, events."""
    return await run_in_threadpool(metrics_text, services_of(request))
