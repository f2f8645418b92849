"""Alembic environment: runs on the connection handed in by `sincerity.store.schema`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from sincerity.store.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through sincerity.store.schema, which supplies the connection")
_run(connection)
