"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sincerity.store.tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "catalogue_versions",
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("loaded_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_catalogue_versions")),
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("entity_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_events_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "institutions",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("locality", sa.String(length=6), nullable=False),
        sa.Column("created_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_institutions")),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("catalogue_version", sa.String(length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decision_no", sa.String(length=128), nullable=False),
        sa.Column(
            "facts", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("content_hash", sa.LargeBinary(length=16), nullable=False),
        sa.Column("display_until", sa.Date(), nullable=True),
        sa.Column("recorded_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("superseded_at", sincerity.store.tables.Instant(timezone=True), nullable=True),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", "version", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index("ix_records_subject_id", ["subject_id"], unique=False)
        batch_op.create_index(
            "uq_records_current_ref",
            ["provider_code", "ref"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )

    op.create_table(
        "sequences",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sequences")),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("number_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("number_masked", sa.String(length=24), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('person', 'organisation')", name=op.f("ck_subjects_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
        sa.UniqueConstraint("number_hash", name=op.f("uq_subjects_number_hash")),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("started_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("finished_at", sincerity.store.tables.Instant(timezone=True), nullable=True),
        sa.Column("accepted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("corrected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unchanged", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rejected", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_code"], ["institutions.code"], name=op.f("fk_batches_provider_code_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("revoked_at", sincerity.store.tables.Instant(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["institution_code"], ["institutions.code"], name=op.f("fk_credentials_institution_code_institutions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_credentials_token_hash")),
    )
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credentials_institution_code"), ["institution_code"], unique=False)

    op.create_table(
        "institution_items",
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_code"], ["institutions.code"], name=op.f("fk_institution_items_institution_code_institutions")
        ),
        sa.PrimaryKeyConstraint("institution_code", "item_code", name=op.f("pk_institution_items")),
    )
    op.create_table(
        "name_flags",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("registered_name", sa.Text(), nullable=False),
        sa.Column("submitted_name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("flagged_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["subjects.id"], name=op.f("fk_name_flags_subject_id_subjects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_flags")),
    )
    with op.batch_alter_table("name_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_name_flags_subject_id"), ["subject_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("name_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_name_flags_subject_id"))

    op.drop_table("name_flags")
    op.drop_table("institution_items")
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credentials_institution_code"))

    op.drop_table("credentials")
    op.drop_table("batches")
    op.drop_table("subjects")
    op.drop_table("sequences")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_records_current_ref",
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.drop_index("ix_records_subject_id")

    op.drop_table("records")
    op.drop_table("institutions")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_subject_id"))

    op.drop_table("events")
    op.drop_table("catalogue_versions")
