"""`GET /api/v1/catalog`: the catalogue items in force, as `sincerity catalog list --json` prints them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from sincerity.api.auth import services_of
from sincerity.services.catalogue import catalogue_view

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/catalog")
async def get_catalog(request: Request) -> dict[str, Any]:
    """The catalogue version in force and its items, each with legal basis and display period."""
    return await run_in_threadpool(catalogue_view, services_of(request))
