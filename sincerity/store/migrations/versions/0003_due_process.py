"""due process

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import sincerity.store.tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commitments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("commitment_type", sa.String(length=32), nullable=False),
        sa.Column("addressee", sa.Text(), nullable=False),
        sa.Column("text_sealed", sa.LargeBinary(), nullable=False),
        sa.Column(
            "scope", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("breached_on", sa.Date(), nullable=True),
        sa.Column("at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitments_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "disputes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("opened_by", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "evidence", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Integer(), server_default="0", nullable=False),
        sa.Column("suspends_from", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sincerity.store.tables.Instant(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("corrected_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'upheld', 'corrected', 'removed', 'withdrawn')", name=op.f("ck_disputes_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_provider_code"), ["provider_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("first_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("last_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("sent_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_deliveries")),
    )
    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_deliveries_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "record_holds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('dispute', 'redress', 'repair', 'removal', 'revocation')", name=op.f("ck_record_holds_kind")
        ),
        sa.CheckConstraint("scope IN ('use', 'all')", name=op.f("ck_record_holds_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_holds")),
    )
    with op.batch_alter_table("record_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_holds_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_holds_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "redress",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("proceeding", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("document_no", sa.String(length=128), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.String(length=32), nullable=True),
        sa.Column("at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('filed', 'enforcement_suspended', 'upheld', 'changed', 'revoked')",
            name=op.f("ck_redress_outcome"),
        ),
        sa.CheckConstraint("proceeding IN ('reconsideration', 'litigation')", name=op.f("ck_redress_proceeding")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redress")),
    )
    with op.batch_alter_table("redress", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redress_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_redress_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "repairs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False),
        sa.Column("record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider_code", sa.String(length=32), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("applied_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(length=32), nullable=True),
        sa.Column(
            "evidence", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("commitment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("accept_due", sa.Date(), nullable=False),
        sa.Column("decide_due", sa.Date(), nullable=True),
        sa.Column("result_due", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Integer(), server_default="0", nullable=False),
        sa.Column("materials_asked", sa.Text(), nullable=True),
        sa.Column("extended", sa.Integer(), server_default="0", nullable=False),
        sa.Column("decided_at", sincerity.store.tables.Instant(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('applied', 'incomplete', 'accepted', 'granted', 'refused', 'withdrawn')",
            name=op.f("ck_repairs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repairs")),
    )
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repairs_provider_code"), ["provider_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_repairs_record_id"), ["record_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repairs_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "subject_contacts",
        sa.Column(
            "subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False, nullable=False
        ),
        sa.Column("email_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sincerity.store.tables.Instant(timezone=True), nullable=False),
        sa.Column(
            "notified_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), server_default="0", nullable=False
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_subject_contacts")),
    )
    op.create_table(
        "sweeps",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sweeps")),
    )


def downgrade() -> None:
    op.drop_table("sweeps")
    op.drop_table("subject_contacts")
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repairs_subject_id"))
        batch_op.drop_index(batch_op.f("ix_repairs_record_id"))
        batch_op.drop_index(batch_op.f("ix_repairs_provider_code"))

    op.drop_table("repairs")
    with op.batch_alter_table("redress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redress_subject_id"))
        batch_op.drop_index(batch_op.f("ix_redress_record_id"))

    op.drop_table("redress")
    with op.batch_alter_table("record_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_holds_subject_id"))
        batch_op.drop_index(batch_op.f("ix_record_holds_record_id"))

    op.drop_table("record_holds")
    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_deliveries_subject_id"))

    op.drop_table("notice_deliveries")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_subject_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_record_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_provider_code"))

    op.drop_table("disputes")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitments_subject_id"))

    op.drop_table("commitments")
