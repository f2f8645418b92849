"""Create, upgrade and check the schema with Alembic (migrations live inside the package)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, insert, inspect, select

from sincerity.store.tables import ALL_SEQUENCES, metadata, sequences

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision and make sure every sequence exists."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
        present = set(conn.scalars(select(sequences.c.name)))
        missing = [{"name": n, "value": 0} for n in ALL_SEQUENCES if n not in present]
        if missing:
            conn.execute(insert(sequences), missing)


def differences(engine: Engine) -> list[object]:
    """What the migrated schema lacks or has beyond `tables.py` (empty when they agree)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        found: list[object] = list(compare_metadata(context, metadata))
        inspector = inspect(conn)
        present = set(inspector.get_table_names())
        for table in metadata.sorted_tables:  # Alembic does not compare primary keys
            if table.name not in present:
                continue
            migrated = inspector.get_pk_constraint(table.name)["constrained_columns"]
            declared = [column.name for column in table.primary_key.columns]
            if migrated != declared:
                found.append(("primary_key", table.name, migrated, declared))
        return found


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from `tables.py` (a developer command)."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
