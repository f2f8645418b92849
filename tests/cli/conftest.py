"""A whole node per test, configured through the environment exactly as an operator would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from sincerity.cli.main import app
from tests.conftest import STORES, scratch_database


@dataclass
class Node:
    dir: Path
    url: str
    runner: CliRunner

    def run(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input, catch_exceptions=False)


@pytest.fixture(params=STORES)
def node(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Node]:
    with scratch_database(request.param, tmp_path) as url:
        yield from _node(url, tmp_path, monkeypatch)


def _node(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Node]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SINCERITY_ENV", "test")
    monkeypatch.setenv("SINCERITY_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("SINCERITY_DATABASE_URL", url)
    monkeypatch.setenv("SINCERITY_NOW", "2026-11-27T10:00:00+08:00")
    made = Node(dir=tmp_path, url=url, runner=CliRunner())
    result = made.run("init")
    assert result.exit_code == 0, result.output
    yield made
