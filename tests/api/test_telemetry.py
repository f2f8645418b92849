"""No request reaches an OpenTelemetry provider, even one configured for the whole process:
spans and logs would carry client addresses, user agents and exception messages out of the
platform (privacy by design; DESIGN.md: no personal data in logs)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace

from sincerity.app import create_app
from sincerity.services.context import Services


class RecordingTracerProvider(trace.TracerProvider):
    """A provider configured for the process (as an SDK's would be): it counts the tracers
    asked of it, and hands out ones that record nothing."""

    def __init__(self) -> None:
        self.asked = 0

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        self.asked += 1
        return trace.NoOpTracer()


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> RecordingTracerProvider:
    recording = RecordingTracerProvider()
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: recording)
    return recording


def test_a_plain_fastapi_app_would_report_to_the_provider(provider: RecordingTracerProvider) -> None:
    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    with TestClient(app) as client:
        assert client.get("/ping").status_code == 200
    assert provider.asked  # what the next test holds the platform's app to


def test_requests_to_the_node_reach_no_telemetry_provider(
    services: Services, provider: RecordingTracerProvider
) -> None:
    with TestClient(create_app(services)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.post("/api/v1/checks", json={"subject": "x", "action": "y"}).status_code == 401
    assert provider.asked == 0
