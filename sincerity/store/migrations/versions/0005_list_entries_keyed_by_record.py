"""list entries keyed by record first: the primary key serves the lookups by record, and the
index that did is dropped (one index fewer to write for every entry made)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("list_entries") as batch:
        batch.drop_index("ix_list_entries_record_id")
        batch.drop_constraint("pk_list_entries", type_="primary")
        batch.create_primary_key("pk_list_entries", ["record_id", "list_code"])


def downgrade() -> None:
    with op.batch_alter_table("list_entries") as batch:
        batch.drop_constraint("pk_list_entries", type_="primary")
        batch.create_primary_key("pk_list_entries", ["list_code", "record_id"])
        batch.create_index("ix_list_entries_record_id", ["record_id"], unique=False)
