"""DESIGN.md §3b-1: every event about a subject reaches them — in the inbox at once, and by
the configured sender within one working day (`sincerity notices send`, run from cron).

The inbox is the change feed seen by its subject, rendered in words; an address is sealed at
rest like a number. Each digest is recorded with the number of its events that were already
older than one working day, so lateness is measured, not assumed.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection

from sincerity.domain.catalogue import Catalogue
from sincerity.domain.institutions import Institution
from sincerity.domain.notices import RECORD_TAGS, Notice, RecordFacts, late, render
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import ConfigurationError, InvalidInputError
from sincerity.kit.senders import ConsoleSender, DeliveryError, Sender, SmtpSender
from sincerity.kit.settings import Environment
from sincerity.services.context import Services
from sincerity.services.subjects import acting_for_subject, subject_by_number
from sincerity.store import events as event_store
from sincerity.store import notices as notice_store
from sincerity.store.events import Event, NewEvent

BATCH = 20_000  # events read per round when sending


def sender_for(services: Services) -> Sender | None:
    """The sender the settings ask for (None: inbox only)."""
    settings = services.settings
    choice = settings.notice_sender
    if choice == "auto":
        if settings.smtp_host:
            choice = "smtp"
        elif settings.env is not Environment.PRODUCTION:
            choice = "console"
        else:
            choice = "none"
    if choice == "smtp":
        if not settings.smtp_host:
            raise ConfigurationError("SINCERITY_NOTICE_SENDER is smtp but SINCERITY_SMTP_HOST is not set")
        return SmtpSender(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, starttls=settings.smtp_tls == "starttls"
        )
    if choice == "console":
        return ConsoleSender(sys.stdout)
    return None


def set_contact(
    services: Services, number: str, email: str, *, institution: Institution | None = None
) -> dict[str, Any]:
    """Where the subject wants notices; from now on (earlier events stay in the inbox)."""
    acting_for_subject(institution, "the contact address")
    try:
        address = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidInputError(f"email: {exc}") from None
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        subject = subject_by_number(services, conn, number, today)
        last = event_store.last_seq_of(conn, subject.id)
        notice_store.set_contact(conn, subject.id, services.vault.seal_text(address, "email"), now=now, last_seq=last)
        event_store.append(conn, [NewEvent("subjects:contact:set", subject.id, subject.id, None)], now=now)
    return {"subject": subject.number_masked, "email": _masked_email(address)}


def inbox(
    services: Services, number: str, *, after_seq: int = 0, limit: int = 200, institution: Institution | None = None
) -> dict[str, Any]:
    """The subject's notices after `after_seq`, oldest first."""
    acting_for_subject(institution, "the inbox")
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        subject = subject_by_number(services, conn, number, today)
        found = event_store.of_subject(conn, subject.id, after_seq=after_seq, limit=limit)
        notices = _render(services, conn, found)
    return {"subject": subject.number_masked, "notices": [n.view() for n in notices]}


@dataclass
class SendReport:
    subjects: int = 0
    notices: int = 0
    late: int = 0
    failed: list[str] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {"subjects": self.subjects, "notices": self.notices, "late": self.late, "failed": len(self.failed)}


def send_notices(services: Services, sender: Sender | None = None) -> SendReport:
    """Send each subject with an address one digest of the events not yet sent to them.

    Events are read in one short transaction, mail goes out with no transaction open (a slow
    mail server never holds up the writers), and each subject's delivery is marked in its own
    short transaction. A subject whose delivery fails keeps its events for the next run and
    does not hold up the others."""
    sender = sender or sender_for(services)
    report = SendReport()
    if sender is None:
        return report
    failed: set[int] = set()
    while True:
        with services.db.transaction(write=False) as conn:
            rows = notice_store.pending(conn, limit=BATCH, skipping=failed)
            by_subject: dict[int, tuple[bytes, list[Event]]] = {}
            for subject_id, sealed, event in rows:
                by_subject.setdefault(subject_id, (sealed, []))[1].append(event)
            rendered = {subject_id: _render(services, conn, found) for subject_id, (_, found) in by_subject.items()}
        if not rows:
            return report
        for subject_id, (sealed, found) in by_subject.items():
            notices = rendered[subject_id]
            try:
                sender.send(services.vault.open_text(sealed, "email"), _subject_line(notices), _digest(notices))
            except DeliveryError as exc:
                failed.add(subject_id)
                report.failed.append(str(exc))
                continue
            now = services.clock.now()
            lateness = sum(late(services.calendar, e.at, now) for e in found)
            with services.db.transaction() as conn:
                notice_store.delivered(
                    conn,
                    subject_id,
                    first_seq=found[0].seq,
                    last_seq=found[-1].seq,
                    count=len(found),
                    channel=sender.channel,
                    late=lateness,
                    now=now,
                )
            report.subjects += 1
            report.notices += len(found)
            report.late += lateness


def _render(services: Services, conn: Connection, found: list[Event]) -> list[Notice]:
    catalogue = services.catalogue(conn)
    record_ids = {e.entity_id for e in found if e.entity_id is not None and e.tag.startswith(RECORD_TAGS)}
    details = notice_store.record_details(conn, record_ids)
    notices = []
    for event in found:
        detail = details.get(event.entity_id or 0) if event.tag.startswith(RECORD_TAGS) else None
        notices.append(
            render(
                event.seq,
                event.at,
                event.tag,
                event.data,
                _facts(catalogue, detail),
                detail["provider_name"] if detail else None,
            )
        )
    return notices


def _facts(catalogue: Catalogue, detail: dict[str, Any] | None) -> RecordFacts | None:
    if detail is None:
        return None
    item = catalogue.item(detail["item"])
    return RecordFacts(
        detail["item"],
        item.title.en if item else detail["item"],
        item.title.zh if item else detail["item"],
        detail["provider"],
        detail["decided_on"],
        detail["display_until"],
    )


def _subject_line(notices: list[Notice]) -> str:
    if len(notices) == 1:
        return f"{notices[0].title['zh']} / {notices[0].title['en']}"
    return f"您有{len(notices)}条信用信息通知 / {len(notices)} notices about your credit information"


def _digest(notices: list[Notice]) -> str:
    lines = []
    for notice in notices:
        lines.append(f"[{notice.at.date().isoformat()}] {notice.title['zh']} / {notice.title['en']}")
        for text in (notice.body["zh"], notice.body["en"]):
            if text:
                lines.append(f"  {text}")
    return "\n".join(lines) + "\n"


def _masked_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
