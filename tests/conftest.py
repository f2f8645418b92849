"""Fixtures: every integration test runs once on SQLite and once on PostgreSQL.

The schema comes from the migrations, once per session and store; each test runs inside an
outer transaction that is rolled back, and every service transaction is a savepoint in it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sincerity.kit.clock import FixedClock
from sincerity.kit.crypto import NodeKeys, SubjectNumberVault
from sincerity.kit.settings import Environment, Settings
from sincerity.services.catalogue import load_catalogue_file
from sincerity.services.context import Services
from sincerity.services.lists import load_measures_file, load_rules_file
from sincerity.store import schema
from sincerity.store.engine import Database, SharedConnectionDatabase, create

PG_ADMIN_URL = os.environ.get("SINCERITY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone(timedelta(hours=8)))
TEST_KEYS = NodeKeys(id_key=b"i" * 32, lookup_key=b"l" * 32, signing_key=b"s" * 32)
STORES = ("sqlite", "postgresql")


def _pg_database(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def scratch_database(store: str, where: Path) -> Iterator[str]:
    """A new, empty database of the given store for the length of the block."""
    if store == "sqlite":
        yield f"sqlite:///{where / f'node-{uuid.uuid4().hex[:6]}.db'}"
        return
    name = f"sincerity_test_{uuid.uuid4().hex[:10]}"
    admin = create(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_database(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    with scratch_database("postgresql", tmp_path_factory.mktemp("pg")) as url:
        yield url


def make_settings(url: str, data_dir: Path) -> Settings:
    return Settings(env=Environment.TEST, database_url=url, data_dir=data_dir)


def node_services(engine: Engine, data_dir: Path) -> Services:
    """Services on a real engine (commits are real), with the test clock and keys."""
    return Services(
        db=Database(engine),
        clock=FixedClock(NOW),
        vault=SubjectNumberVault(TEST_KEYS),
        settings=make_settings(str(engine.url.render_as_string(hide_password=False)), data_dir),
    )


def migrated(url: str, data_dir: Path) -> Engine:
    """An engine on `url` with the schema from the migrations and the shipped catalogue, list
    rules and measures."""
    engine = create(url)
    schema.upgrade(engine)
    services = node_services(engine, data_dir)
    load_catalogue_file(services)
    load_rules_file(services)
    load_measures_file(services)
    return engine


@pytest.fixture(scope="session")
def engines(tmp_path_factory: pytest.TempPathFactory, pg_url: str) -> Iterator[dict[str, Engine]]:
    data_dir = tmp_path_factory.mktemp("node")
    made = {
        "sqlite": migrated(f"sqlite:///{data_dir / 'test.db'}", data_dir),
        "postgresql": migrated(pg_url, data_dir),
    }
    yield made
    for engine in made.values():
        engine.dispose()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def services(engines: dict[str, Engine], store: str, tmp_path: Path) -> Iterator[Services]:
    """Services on one store, inside a transaction rolled back after the test."""
    engine = engines[store]
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield Services(
                db=SharedConnectionDatabase(conn),
                clock=FixedClock(NOW),
                vault=SubjectNumberVault(TEST_KEYS),
                settings=make_settings(str(engine.url), tmp_path),
            )
        finally:
            outer.rollback()
