"""All tables, as portable SQLAlchemy Core (SQLite and PostgreSQL); migrations must match them.

Identifiers that other nodes and the change feed rely on (subject, record, event sequence)
are allocated from `sequences` inside the writing transaction, so they are gapless per node
and in commit order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer, "sqlite")
Document = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Instant(TypeDecorator[datetime]):
    """An aware instant stored in UTC; SQLite keeps text, PostgreSQL timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the store, got {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


sequences = Table(
    "sequences",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

catalogue_versions = Table(
    "catalogue_versions",
    metadata,
    Column("version", String(16), primary_key=True),
    Column("title", Text, nullable=False),
    Column("document", Document, nullable=False),
    Column("loaded_at", Instant, nullable=False),
)

institutions = Table(
    "institutions",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("locality", String(6), nullable=False),
    Column("created_at", Instant, nullable=False),
)

institution_items = Table(
    "institution_items",
    metadata,
    Column("institution_code", String(32), ForeignKey("institutions.code"), nullable=False),
    Column("item_code", String(64), nullable=False),
    PrimaryKeyConstraint("institution_code", "item_code"),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("institution_code", String(32), ForeignKey("institutions.code"), nullable=False, index=True),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("created_at", Instant, nullable=False),
    Column("revoked_at", Instant),
)

# No birth date or sex in clear: with the masked number (first 6 and last 4 digits) they would
# give back the whole number. Rules that need an age read it from the sealed number.
# Columns no query searches, joins or sorts on: the statistics refreshed after a large load
# skip them (the facts alone took half the time of ANALYZE records); autovacuum's own
# analysis covers them later.
PAYLOAD = {"payload": True}

subjects = Table(
    "subjects",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("number_hash", LargeBinary(32), nullable=False, unique=True),
    Column("number_sealed", LargeBinary, nullable=False, info=PAYLOAD),
    Column("number_masked", String(24), nullable=False),
    Column("name", Text, nullable=False, info=PAYLOAD),
    Column("created_at", Instant, nullable=False),
    CheckConstraint("kind IN ('person', 'organisation')", name="kind"),
)

name_flags = Table(
    "name_flags",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subject_id", Id, ForeignKey("subjects.id"), nullable=False, index=True),
    Column("provider_code", String(32), nullable=False),
    Column("ref", String(128), nullable=False),
    Column("registered_name", Text, nullable=False),
    Column("submitted_name", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("flagged_at", Instant, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("provider_code", String(32), ForeignKey("institutions.code"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("filename", Text),
    Column("started_at", Instant, nullable=False),
    Column("finished_at", Instant),
    Column("accepted", Integer, nullable=False, server_default="0"),
    Column("corrected", Integer, nullable=False, server_default="0"),
    Column("unchanged", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
)

# One row per version of a record: corrections close the old row (superseded_at) and add the
# next version, so what the platform held at any moment can be replayed (DESIGN.md §3b-4).
records = Table(
    "records",
    metadata,
    Column("id", Id, nullable=False, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("provider_code", String(32), nullable=False),
    Column("ref", String(128), nullable=False),
    Column("subject_id", Id, nullable=False),
    Column("item_code", String(64), nullable=False),
    Column("catalogue_version", String(16), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("decision_no", String(128), nullable=False, info=PAYLOAD),
    Column("facts", Document, nullable=False, info=PAYLOAD),
    Column("content_hash", LargeBinary(16), nullable=False, info=PAYLOAD),
    Column("display_until", Date),
    Column("recorded_at", Instant, nullable=False),
    Column("superseded_at", Instant),
    Column("batch_id", Id, nullable=False),
    PrimaryKeyConstraint("id", "version"),
    Index("ix_records_subject_id", "subject_id"),
    Index(
        "uq_records_current_ref",
        "provider_code",
        "ref",
        unique=True,
        sqlite_where=text("superseded_at IS NULL"),
        postgresql_where=text("superseded_at IS NULL"),
    ),
)

# The node's change feed: every state change, numbered in commit order.
events = Table(
    "events",
    metadata,
    Column("seq", Id, primary_key=True, autoincrement=False),
    Column("at", Instant, nullable=False),
    Column("tag", String(64), nullable=False),
    Column("subject_id", Id, index=True),
    Column("entity_id", Id),
    Column("batch_id", Id),
    Column("data", Document),
)

# Versions of the list rules (`lists`) and the measures (`measures`) as loaded; the newest
# loaded version of each kind is in force, as for the catalogue.
rule_sets = Table(
    "rule_sets",
    metadata,
    Column("kind", String(16), nullable=False),
    Column("version", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("document", Document, nullable=False),
    Column("loaded_at", Instant, nullable=False),
    PrimaryKeyConstraint("kind", "version"),
    CheckConstraint("kind IN ('lists', 'measures')", name="kind"),
)

# Derived from records by the list rules: one row per (list, record), naming the record version
# and the rule version it rests on. Kept in step with records in the ingestion transaction and
# rebuilt by `sincerity lists recompute`; reads filter by the clock (ends_on is exclusive).
list_entries = Table(
    "list_entries",
    metadata,
    Column("list_code", String(64), nullable=False),
    Column("record_id", Id, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("subject_id", Id, nullable=False),
    Column("item_code", String(64), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("rule_version", Integer, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    # Record first: a correction replaces the entries of its record, found by this key (an
    # index of its own on record_id was one more to write for every entry).
    PrimaryKeyConstraint("record_id", "list_code"),
    Index("ix_list_entries_subject_id", "subject_id"),
)

# Organisation–person links (legal representative, principal person in charge, …) with the
# period they hold, versioned per (provider, ref) like records (§VI(2) "down to persons").
links = Table(
    "links",
    metadata,
    Column("id", Id, nullable=False, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("provider_code", String(32), nullable=False),
    Column("ref", String(128), nullable=False),
    Column("organisation_id", Id, nullable=False),
    Column("person_id", Id, nullable=False),
    Column("role", String(64), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date),
    Column("recorded_at", Instant, nullable=False),
    Column("superseded_at", Instant),
    PrimaryKeyConstraint("id", "version"),
    Index("ix_links_person_id", "person_id"),
    Index("ix_links_organisation_id", "organisation_id"),
    Index(
        "uq_links_current_ref",
        "provider_code",
        "ref",
        unique=True,
        sqlite_where=text("superseded_at IS NULL"),
        postgresql_where=text("superseded_at IS NULL"),
    ),
)

# Every point-of-service check: who asked, for which action, what was answered, and the
# versions the answer rests on (DESIGN.md §3b-3). A batch is one row; its answer names the
# subjects asked and the measures that applied.
checks = Table(
    "checks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", Instant, nullable=False),
    Column("institution_code", String(32)),  # None: the platform's operator, at the console
    Column("action", String(64), nullable=False),
    Column("subject_id", Id, index=True),  # a single check of a known subject
    Column("subjects", Integer, nullable=False),
    Column("applying", Integer, nullable=False),
    Column("answer", Document, nullable=False),
    Column("catalogue_version", String(16), nullable=False),
    Column("rules_version", String(16), nullable=False),
    Column("measures_version", String(16), nullable=False),
    # Every valid number asked about, in the order asked, by the first 16 bytes of its keyed
    # hash, known subjects or not: who asked about whom, without the numbers (the access log's
    # source; see checkpath.ASKED_BYTES).
    Column("asked", LargeBinary),
)

# What the implementing institution did with a check's answer (kept for supervision).
check_feedback = Table(
    "check_feedback",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("check_id", Id, ForeignKey("checks.id"), nullable=False, index=True),
    Column("institution_code", String(32), nullable=False),
    Column("measure_code", String(64), nullable=False),
    Column("subject_id", Id),
    Column("outcome", String(16), nullable=False),
    Column("reason", Text),
    Column("at", Instant, nullable=False),
    CheckConstraint("outcome IN ('applied', 'not_applied')", name="outcome"),
)

# One measure lifted on its own for the reasons resting on one record, the entry staying
# (DESIGN.md §3b-7; SPC Provisions 2015 Art. 9).
measure_lifts = Table(
    "measure_lifts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("measure_code", String(64), nullable=False),
    Column("subject_id", Id, nullable=False, index=True),
    Column("record_id", Id, nullable=False),
    Column("lifted_on", Date, nullable=False),
    Column("institution_code", String(32)),
    Column("reason", Text, nullable=False),
    Column("at", Instant, nullable=False),
    UniqueConstraint("measure_code", "subject_id", "record_id", name="uq_measure_lifts_reason"),
)

# Why a record is, for a while or for good, not used (scope `use`: a dispute suspends it from
# checks, lists and tiers while it stays shown, marked disputed) or neither shown nor used
# (scope `all`: repaired, revoked, removed after a dispute, display suspended with enforcement).
# Every read path filters by these with the clock: a hold takes effect on `starts_on` and ends
# on `ends_on` (exclusive), so a suspension that begins when a deadline passes needs no sweeper.
record_holds = Table(
    "record_holds",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("record_id", Id, nullable=False, index=True),
    Column("subject_id", Id, nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("source_id", Id, nullable=False),  # the dispute, redress or repair behind it
    Column("at", Instant, nullable=False),
    CheckConstraint("kind IN ('dispute', 'redress', 'repair', 'removal', 'revocation')", name="kind"),
    CheckConstraint("scope IN ('use', 'all')", name="scope"),
)

# Objections to a record (Credit Reporting Regulation Art. 25; NDRC Order No. 36 Art. 18). The
# steps are events (`disputes:dispute:*`); this row holds the state and the deadline.
disputes = Table(
    "disputes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("record_id", Id, nullable=False, index=True),
    Column("record_version", Integer, nullable=False),
    Column("subject_id", Id, nullable=False, index=True),
    Column("provider_code", String(32), nullable=False, index=True),
    Column("item_code", String(64), nullable=False),
    Column("opened_at", Instant, nullable=False),
    Column("opened_on", Date, nullable=False),  # the legal days it was open: the mark on replay
    Column("closed_on", Date),
    Column("opened_by", String(32)),  # the institution acting for the subject; None: the subject
    Column("reason", Text, nullable=False),
    Column("evidence", Document, nullable=False),
    Column("answer_due", Date, nullable=False),
    Column("due_provisional", Integer, nullable=False, server_default="0"),
    Column("suspends_from", Date),  # the day the record stops being used (None: never, while open)
    Column("status", String(16), nullable=False),
    Column("answered_at", Instant),
    Column("answered_by", String(32)),
    Column("answer", Text),
    Column("corrected_version", Integer),
    CheckConstraint("status IN ('open', 'upheld', 'corrected', 'removed', 'withdrawn')", name="status"),
)

# Administrative reconsideration and litigation against the decision behind a record (Order No.
# 36 Art. 19): each reported step is one row; a revocation revokes the record.
redress = Table(
    "redress",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("record_id", Id, nullable=False, index=True),
    Column("record_version", Integer, nullable=False),
    Column("subject_id", Id, nullable=False, index=True),
    Column("proceeding", String(16), nullable=False),
    Column("outcome", String(24), nullable=False),
    Column("authority", Text, nullable=False),
    Column("document_no", String(128), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("note", Text),
    Column("reported_by", String(32)),
    Column("at", Instant, nullable=False),
    CheckConstraint("proceeding IN ('reconsideration', 'litigation')", name="proceeding"),
    CheckConstraint(
        "outcome IN ('filed', 'enforcement_suspended', 'upheld', 'changed', 'revoked')",
        name="outcome",
    ),
)

# Credit repair applications (Order No. 36 Arts. 14-18): the state, the deadlines in working
# days and the decision with its reasons; the steps are events (`repairs:repair:*`).
repairs = Table(
    "repairs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("record_id", Id, nullable=False, index=True),
    Column("record_version", Integer, nullable=False),
    Column("subject_id", Id, nullable=False, index=True),
    Column("provider_code", String(32), nullable=False, index=True),  # who designates, repairs
    Column("item_code", String(64), nullable=False),
    Column("applied_at", Instant, nullable=False),
    Column("applied_by", String(32)),
    Column("evidence", Document, nullable=False),
    Column("commitment_id", Id),
    Column("status", String(16), nullable=False),
    Column("accept_due", Date, nullable=False),
    Column("decide_due", Date),
    Column("result_due", Date, nullable=False),
    Column("due_provisional", Integer, nullable=False, server_default="0"),
    Column("materials_asked", Text),  # the one notice for anything missing (Art. 16)
    Column("extended", Integer, nullable=False, server_default="0"),
    Column("decided_at", Instant),
    Column("decided_by", String(32)),
    Column("reasons", Text),
    CheckConstraint(
        "status IN ('applied', 'incomplete', 'accepted', 'granted', 'refused', 'withdrawn')",
        name="status",
    ),
)

# Credit commitment letters signed on the platform (§II(5); Order No. 36 Arts. 14, 25): the
# signed text stays here, sealed (it names the signer), and the record `commitment.letter`
# (its hash) is what is shared.
commitments = Table(
    "commitments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("subject_id", Id, nullable=False, index=True),
    Column("record_id", Id, nullable=False),
    Column("commitment_type", String(32), nullable=False),
    Column("addressee", Text, nullable=False),
    Column("text_sealed", LargeBinary, nullable=False),
    Column("scope", Document, nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("valid_until", Date),
    Column("breached_on", Date),
    Column("at", Instant, nullable=False),
)

# How far each clock-driven sweep (`sincerity expire`) has recorded its events: a sweep covers
# the days after `through` up to today, so running it twice records nothing twice.
sweeps = Table(
    "sweeps",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("through", Date, nullable=False),
)

# How a subject asked to be told (DESIGN.md §3b-1): the address sealed like a number, since
# it is personal data; without one the subject reads the inbox only.
subject_contacts = Table(
    "subject_contacts",
    metadata,
    Column("subject_id", Id, primary_key=True, autoincrement=False),
    Column("email_sealed", LargeBinary, nullable=False),
    Column("added_at", Instant, nullable=False),
    Column("notified_seq", Id, nullable=False, server_default="0"),  # the last event sent to it
)

# Each digest of notices sent to a subject: which events it carried and when, so that "within
# one working day" can be shown per event (supervision reads this).
notice_deliveries = Table(
    "notice_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subject_id", Id, nullable=False, index=True),
    Column("first_seq", Id, nullable=False),
    Column("last_seq", Id, nullable=False),
    Column("events", Integer, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("late", Integer, nullable=False),  # events older than one working day when sent
    Column("sent_at", Instant, nullable=False),
)

# `config` counts loads of a catalogue, list rules or measures: a running process compares it
# with the one it last read to know whether the rules in force changed.
ALL_SEQUENCES = (
    "subjects",
    "records",
    "events",
    "batches",
    "links",
    "config",
    "disputes",
    "redress",
    "repairs",
    "commitments",
)


def searched_columns(name: str) -> list[str]:
    """The columns of table `name` that queries may search, join or sort on: all but payload."""
    return [column.name for column in metadata.tables[name].columns if not column.info.get("payload")]
