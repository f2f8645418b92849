"""What every command shares: the consoles, one-line failures, the node's services, JSON output."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console

from sincerity.app import build_services
from sincerity.kit.errors import SincerityError
from sincerity.kit.settings import Settings
from sincerity.services.context import Services

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"sincerity: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise fail(f"setting SINCERITY_{where.upper()}: {first['msg']}") from None


@contextmanager
def node() -> Iterator[Services]:
    """The node's services for one command; a SincerityError becomes one line and exit 2."""
    try:
        services = build_services(settings())
    except SincerityError as exc:
        raise fail(exc.message) from None
    try:
        yield services
    except SincerityError as exc:
        raise fail(exc.message) from None
    finally:
        services.db.engine.dispose()


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")
