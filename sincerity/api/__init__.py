"""The HTTP API under /api/v1: thin routes over one service call each."""

from __future__ import annotations

from fastapi import FastAPI

from sincerity import __version__
from sincerity.api import catalog, checks, due_process, errors, health, measures, records
from sincerity.services.context import Services


def create_api(services: Services) -> FastAPI:
    app = FastAPI(
        title="Sincerity",
        version=__version__,
        description="Public personal credit information, under law (GBF (2016) No. 98).",
        responses={400: errors.ERROR_RESPONSES[400], 422: errors.ERROR_RESPONSES[422]},
    )
    app.state.services = services
    errors.install(app)
    for module in (records, checks, due_process, catalog, measures, health):
        app.include_router(module.router)
    return app
