"""lists, links, checks and measures

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sincerity.store.tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "checks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("applying", sa.Integer(), nullable=False),
        sa.Column(
            "answer", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("catalogue_version", sa.String(length=16), nullable=False),
        sa.Column("rules_version", sa.String(length=16), nullable=False),
        sa.Column("measures_version", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checks_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=128), nullable=False),
        sa.Column("organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("recorded_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("superseded_at", sincerity.store.tables.Instant(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", "version", name=op.f("pk_links")),
    )
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.create_index("ix_links_organisation_id", ["organisation_id"], unique=False)
        batch_op.create_index("ix_links_person_id", ["person_id"], unique=False)
        batch_op.create_index(
            "uq_links_current_ref",
            ["provider_code", "ref"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )

    op.create_table(
        "list_entries",
        sa.Column("list_code", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("list_code", "record_id", name=op.f("pk_list_entries")),
    )
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_list_entries_subject_id", ["subject_id"], unique=False)
        batch_op.create_index("ix_list_entries_record_id", ["record_id"], unique=False)

    op.create_table(
        "measure_lifts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("measure_code", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("lifted_on", sa.Date(), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_lifts")),
        sa.UniqueConstraint("measure_code", "subject_id", "record_id", name="uq_measure_lifts_reason"),
    )
    with op.batch_alter_table("measure_lifts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_measure_lifts_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "rule_sets",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("loaded_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('lists', 'measures')", name=op.f("ck_rule_sets_kind")),
        sa.PrimaryKeyConstraint("kind", "version", name=op.f("pk_rule_sets")),
    )
    op.create_table(
        "check_feedback",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("check_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("institution_code", sa.String(length=32), nullable=False),
        sa.Column("measure_code", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('applied', 'not_applied')", name=op.f("ck_check_feedback_outcome")),
        sa.ForeignKeyConstraint(["check_id"], ["checks.id"], name=op.f("fk_check_feedback_check_id_checks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_feedback")),
    )
    with op.batch_alter_table("check_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_check_feedback_check_id"), ["check_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("check_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_check_feedback_check_id"))

    op.drop_table("check_feedback")
    op.drop_table("rule_sets")
    with op.batch_alter_table("measure_lifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measure_lifts_subject_id"))

    op.drop_table("measure_lifts")
    with op.batch_alter_table("list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_list_entries_record_id")
        batch_op.drop_index("ix_list_entries_subject_id")

    op.drop_table("list_entries")
    with op.batch_alter_table("links", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_links_current_ref",
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.drop_index("ix_links_person_id")
        batch_op.drop_index("ix_links_organisation_id")

    op.drop_table("links")
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checks_subject_id"))

    op.drop_table("checks")
