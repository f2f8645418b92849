"""Notices to the subject on both stores: the inbox in words, an address sealed at rest, digests
through a real SMTP server (aiosmtpd on loopback), each event sent once, lateness measured,
a failed delivery kept for the next run."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from sincerity.kit.errors import InvalidInputError
from sincerity.kit.senders import ConsoleSender, SmtpSender
from sincerity.services.context import Services
from sincerity.services.disputes import open_dispute
from sincerity.services.ingest import submit_records
from sincerity.services.notices import inbox, send_notices, sender_for, set_contact
from sincerity.store import records as record_store
from sincerity.store.tables import notice_deliveries, subject_contacts
from tests.factories import institution, person_number, record
from tests.timetravel import travel

PERSON = person_number(serial=961)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def listed(services: Services) -> int:
    """A tax evasion record: created and placed on the black list (two events)."""
    institution(services, code="tax-110000", name="国家税务总局北京市税务局")
    row = record(ref="T-1", subject_id=PERSON, item="taxation.evasion", decided_on="2026-06-01")
    assert submit_records(services, [row], provider="tax-110000", source="test").accepted == 1
    with services.db.transaction(write=False) as conn:
        return record_store.versions_of(conn, "tax-110000", "T-1")[-1].id


def _subject_of(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_the_inbox_tells_the_subject_in_words(services: Services, listed: int) -> None:
    open_dispute(services, PERSON, record_id=listed, reason="paid", institution=None)
    notices = inbox(services, PERSON)["notices"]
    assert [n["event"] for n in notices] == [
        "subjects:subject:registered",
        "records:record:created",
        "lists:entry:added",
        "disputes:dispute:opened",
    ]
    created = notices[1]
    assert created["title"]["zh"] == "新增一条关于您的信用信息"
    assert "国家税务总局北京市税务局" in created["body"]["zh"]
    assert "Tax evasion" in created["body"]["en"] or "tax" in created["body"]["en"].lower()
    assert "2029-06-01" in created["body"]["en"]  # shown until
    assert "dispute" in created["body"]["en"]
    assert "2026-12-17" in notices[3]["body"]["en"]  # the answer's deadline
    later = inbox(services, PERSON, after_seq=notices[2]["seq"])["notices"]
    assert [n["event"] for n in later] == ["disputes:dispute:opened"]


def test_digests_go_through_smtp_once_each(services: Services, listed: int, smtp: tuple[_Inbox, int]) -> None:
    handler, port = smtp
    sender = SmtpSender("127.0.0.1", port, "notices@credit.example", starttls=False)
    with pytest.raises(InvalidInputError, match="email"):
        set_contact(services, PERSON, "not an address")
    contact = set_contact(services, PERSON, "Zhang.San@Example.com")
    assert contact["email"] == "Z***@example.com"
    with services.db.transaction(write=False) as conn:
        sealed = conn.execute(select(subject_contacts.c.email_sealed)).scalar_one()
    assert b"Example" not in bytes(sealed)  # sealed at rest
    # Events before the address stay in the inbox; the first message confirms the address.
    assert send_notices(services, sender).notices == 1
    open_dispute(services, PERSON, record_id=listed, reason="paid", institution=None)
    report = send_notices(services, sender)
    assert report.view() == {"subjects": 1, "notices": 1, "late": 0, "failed": 0}
    first, second = handler.messages
    assert first["To"] == "Zhang.San@example.com"
    assert "通知将发送至此地址" in _subject_of(first)
    assert "您的异议已受理" in _subject_of(second)
    assert "2026-12-17" in second.get_content()
    assert send_notices(services, sender).notices == 0  # nothing twice


def test_lateness_is_measured_in_working_days(services: Services, listed: int, smtp: tuple[_Inbox, int]) -> None:
    _, port = smtp
    set_contact(services, PERSON, "zhang@example.com")
    open_dispute(services, PERSON, record_id=listed, reason="paid", institution=None)  # Friday 27 November
    travel(services, date(2026, 11, 30))  # Monday: the next working day, in time
    assert send_notices(services, SmtpSender("127.0.0.1", port, "n@x.example", starttls=False)).late == 0
    assert inbox(services, PERSON)["notices"][-1]["event"] == "disputes:dispute:opened"  # still in the inbox
    with services.db.transaction(write=False) as conn:
        rows = conn.execute(select(notice_deliveries.c.events, notice_deliveries.c.late)).all()
    assert [tuple(r) for r in rows] == [(2, 0)]


def test_a_late_digest_is_counted_late(services: Services, listed: int, smtp: tuple[_Inbox, int]) -> None:
    _, port = smtp
    set_contact(services, PERSON, "zhang@example.com")
    open_dispute(services, PERSON, record_id=listed, reason="paid", institution=None)
    travel(services, date(2026, 12, 1))  # Tuesday: more than one working day after Friday
    assert send_notices(services, SmtpSender("127.0.0.1", port, "n@x.example", starttls=False)).late == 2


def test_a_failed_delivery_keeps_the_notices_for_the_next_run(
    services: Services, listed: int, smtp: tuple[_Inbox, int]
) -> None:
    handler, port = smtp
    set_contact(services, PERSON, "zhang@example.com")
    open_dispute(services, PERSON, record_id=listed, reason="paid", institution=None)
    refused = send_notices(services, SmtpSender("127.0.0.1", _free_port(), "n@x.example", starttls=False, timeout=2))
    assert refused.view()["failed"] == 1
    assert refused.notices == 0
    assert send_notices(services, SmtpSender("127.0.0.1", port, "n@x.example", starttls=False)).notices == 2
    assert len(handler.messages) == 1  # one digest


def test_the_console_sender_and_the_choice_of_sender(services: Services, listed: int) -> None:
    stream = io.StringIO()
    set_contact(services, PERSON, "zhang@example.com")
    open_dispute(services, PERSON, record_id=listed, reason="paid", institution=None)
    assert send_notices(services, ConsoleSender(stream)).notices == 2
    assert "--- to zhang@example.com" in stream.getvalue()
    assert isinstance(sender_for(services), ConsoleSender)  # test settings: not production
    services.settings = services.settings.model_copy(update={"smtp_host": "127.0.0.1"})
    assert isinstance(sender_for(services), SmtpSender)
    services.settings = services.settings.model_copy(update={"notice_sender": "none"})
    assert sender_for(services) is None


def test_mail_never_goes_in_clear_unless_the_operator_says_so(
    services: Services, listed: int, smtp: tuple[_Inbox, int]
) -> None:
    handler, port = smtp  # this test server offers no STARTTLS
    set_contact(services, PERSON, "zhang@example.com")
    refused = send_notices(services, SmtpSender("127.0.0.1", port, "n@x.example"))
    assert refused.view()["failed"] == 1
    assert "STARTTLS" in refused.failed[0]
    assert handler.messages == []
    services.settings = services.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": "none"}
    )
    assert send_notices(services).notices == 1  # a loopback relay, as configured
    assert len(handler.messages) == 1
