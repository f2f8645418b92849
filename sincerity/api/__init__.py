"""The HTTP API under /api/v1: thin routes over one service call each."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from sincerity import __version__
from sincerity.api import catalog, checks, due_process, errors, health, measures, records
from sincerity.services.context import Services

# FastAPI's own OpenTelemetry spans, metrics and logs stay off, even when the process has a
# provider configured or FASTAPI_OTEL_AUTO_CONFIGURE is set: they would carry client
# addresses, user agents, paths and exception messages to wherever that provider exports,
# outside the access log and the platform's rules on personal data. (Off, a request also
# skips the provider lookups made to find out.) The platform's own figures: /api/v1/metrics.
NO_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def create_api(services: Services) -> FastAPI:
    app = FastAPI(
        telemetry=NO_TELEMETRY,
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
