"""The composition root: settings, keys, engine, clock and services wired once, here only."""

from __future__ import annotations

import contextlib
import gc
import threading
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError

from sincerity.api import create_api
from sincerity.kit.clock import Clock, FixedClock, SystemClock
from sincerity.kit.crypto import SubjectNumberVault, create_keys, load_keys
from sincerity.kit.errors import SincerityError
from sincerity.kit.settings import Environment, Settings
from sincerity.services.catalogue import CatalogueLoad, load_catalogue_file
from sincerity.services.checks import prepare_batches
from sincerity.services.context import Services
from sincerity.services.lists import RulesLoad, load_measures_file, load_rules_file
from sincerity.store import schema
from sincerity.store.engine import Database, create
from sincerity.web import router as web_router


def build_clock(settings: Settings) -> Clock:
    """The wall clock, or the fixed instant of `SINCERITY_NOW` outside production."""
    return FixedClock(settings.fixed_now) if settings.fixed_now else SystemClock()


def build_services(settings: Settings | None = None, *, clock: Clock | None = None, serving: bool = False) -> Services:
    """Services for a node whose schema and keys exist (see `init_node`).

    Outside development a missing key file stops start-up: a node must never invent keys
    that would make its stored ID numbers unreadable after a restart elsewhere.
    """
    settings = settings or Settings()
    if settings.env is Environment.DEVELOPMENT:
        keys, _ = create_keys(settings.key_file)
    else:
        keys = load_keys(settings.key_file)
    clock = clock or build_clock(settings)
    engine = create(settings.url, background_checkpoint=serving)
    return Services(db=Database(engine), clock=clock, vault=SubjectNumberVault(keys), settings=settings)


@dataclass(frozen=True)
class InitReport:
    keys_created: bool
    catalogue: CatalogueLoad
    rules: RulesLoad
    measures: RulesLoad
    database: str


def init_node(settings: Settings | None = None) -> InitReport:
    """Create keys if missing, migrate the schema, load the shipped catalogue, list rules and measures."""
    settings = settings or Settings()
    _, created = create_keys(settings.key_file)
    engine = create(settings.url)
    try:
        schema.upgrade(engine)
    finally:
        engine.dispose()
    services = build_services(settings)
    try:
        loaded = load_catalogue_file(services)
        rules = load_rules_file(services)
        measures = load_measures_file(services)
    finally:
        services.db.engine.dispose()
    return InitReport(
        keys_created=created, catalogue=loaded, rules=rules, measures=measures, database=_redacted(settings.url)
    )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def create_app(services: Services, *, serving: bool = False) -> FastAPI:
    """The HTTP application: API and pages over one set of services. A serving process
    (`serving`) also builds what batch checks read in the background as it starts."""
    app = create_api(services)
    app.include_router(web_router)
    app.router.on_startup.append(lambda: _settle(services))
    if serving:
        app.router.on_startup.append(
            lambda: threading.Thread(
                target=_prepare_batches, args=(services,), name="showing-index", daemon=True
            ).start()
        )
    return app


def _prepare_batches(services: Services) -> None:
    # A failure here is not fatal: the first batch check builds the index itself.
    with contextlib.suppress(SincerityError, SQLAlchemyError):
        prepare_batches(services)


def _settle(services: Services) -> None:
    """Before serving: read the rules in force, then exempt everything built so far (catalogue,
    rules, measures, the framework) from the garbage collector's full passes, which otherwise
    walk those objects again and again and stall requests for tens of milliseconds."""
    with contextlib.suppress(SincerityError, SQLAlchemyError):  # a node not ready still serves its health check
        services.last_in_force()
    gc.collect()
    gc.freeze()


def asgi() -> FastAPI:
    """Factory for `uvicorn --factory sincerity.app:asgi` (each worker builds its own services)."""
    return create_app(build_services(serving=True), serving=True)
