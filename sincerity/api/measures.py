"""`GET /api/v1/measures` and `GET /api/v1/lists`: what is in force, as the CLI prints it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from sincerity.api.auth import services_of
from sincerity.services.lists import lists_view, measures_view

router = APIRouter(prefix="/api/v1", tags=["measures"])


@router.get("/measures")
async def get_measures(request: Request) -> dict[str, Any]:
    """The measures in force: kind, actions, triggers, reach to linked persons, legal basis."""
    return await run_in_threadpool(measures_view, services_of(request))


@router.get("/lists")
async def get_lists(request: Request) -> dict[str, Any]:
    """The lists in force with their versioned rules, the tiers and the link roles."""
    return await run_in_threadpool(lists_view, services_of(request))
