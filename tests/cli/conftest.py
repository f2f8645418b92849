"""A whole node per test, configured through the environment exactly as an operator would."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner, Result

from sincerity.cli.main import app
from sincerity.store.engine import create
from tests.conftest import PG_ADMIN_URL, STORES, _pg_database


@dataclass
class Node:
    dir: Path
    url: str
    runner: CliRunner

    def run(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input, catch_exceptions=False)


@contextmanager
def scratch_database(store: str, where: Path) -> Iterator[str]:
    """A new, empty database of the given store for the length of the block."""
    if store == "sqlite":
        yield f"sqlite:///{where / f'node-{uuid.uuid4().hex[:6]}.db'}"
        return
    database = f"sincerity_cli_{uuid.uuid4().hex[:10]}"
    admin = create(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield _pg_database(database)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


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
