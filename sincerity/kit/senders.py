"""Where notices go: a pluggable sender (DESIGN.md §3b-1) — SMTP in production, the console in
development, none when the operator has no mail server (subjects then read their inbox).

No knowledge of subjects or records here: a sender takes an address, a subject line and a
body. The SMTP sender speaks plain SMTP (STARTTLS when the server offers it) with the
standard library, with STARTTLS required and the server's certificate verified (credit
notices never travel in clear) unless the operator relays through a server on loopback; a
failure to deliver raises `DeliveryError` so the caller keeps the notices for the next run.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol, TextIO


class DeliveryError(Exception):
    """The message did not leave: try again on the next run."""


class Sender(Protocol):
    channel: str

    def send(self, to: str, subject: str, body: str) -> None: ...


class ConsoleSender:
    """Development: the message is printed where the operator runs the command."""

    channel = "console"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def send(self, to: str, subject: str, body: str) -> None:
        self.stream.write(f"--- to {to}: {subject}\n{body}\n")


class SmtpSender:
    channel = "email"

    def __init__(self, host: str, port: int, sender: str, *, starttls: bool = True, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout
        self.starttls = starttls

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as server:
                server.ehlo()
                if self.starttls:
                    if not server.has_extn("starttls"):
                        raise DeliveryError(f"{self.host}:{self.port} does not offer STARTTLS")
                    server.starttls(context=ssl.create_default_context())
                    server.ehlo()
                server.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"{self.host}:{self.port}: {type(exc).__name__}") from None
