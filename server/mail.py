"""Delivering a plain-text mail: over SMTP in production, into an outbox directory otherwise.

The transport is chosen by the settings: ``smtp_host`` set means SMTP (smtplib, STARTTLS
unless turned off, a login if a user is set, and a timeout so that a request waiting for the
mail server is bounded); unset, each mail becomes one ``.eml`` file in the outbox directory,
which ``make run`` and the tests read. Logs name the transport and the outcome, never an
address, a name or a link (links carry tokens).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import tempfile
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

from .config import Settings

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """A mail could not be handed to its transport."""


@dataclass(frozen=True)
class Mail:
    """One plain-text message to one recipient."""

    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, mail: Mail) -> None:
        """Deliver ``mail``.

        :raises MailError: if the transport refused it or could not be reached
        """


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or "localhost")
    message.set_content(mail.body)  # text/plain; utf-8, quoted-printable where needed
    return message


@dataclass(frozen=True)
class SmtpMailer:
    """Hands mails to an SMTP server (the county's relay or a mail provider)."""

    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None
    sender: str
    timeout: float

    def send(self, mail: Mail) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password or "")
                client.send_message(_message(mail, self.sender))
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail via smtp failed: %s", type(error).__name__)
            raise MailError("the mail server did not take the mail") from None
        log.info("mail sent via smtp")


@dataclass(frozen=True)
class OutboxMailer:
    """Writes each mail as an ``.eml`` file into a directory: development and tests."""

    directory: Path
    sender: str

    def send(self, mail: Mail) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Written beside and renamed into place: a reader never sees half a mail.
            with tempfile.NamedTemporaryFile("wb", dir=self.directory, suffix=".tmp", delete=False) as file:
                file.write(bytes(_message(mail, self.sender)))
            os.replace(file.name, self.directory / f"{uuid.uuid4().hex}.eml")
        except OSError as error:
            log.warning("mail to the outbox failed: %s", type(error).__name__)
            raise MailError("the outbox is not writable") from None
        log.info("mail written to the outbox")


def mailer_for(settings: Settings) -> Mailer:
    """SMTP if the settings name a host, the outbox directory otherwise."""
    if settings.smtp_host:
        return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_starttls, settings.smtp_user,
                          settings.smtp_password, settings.mail_from, settings.smtp_timeout)
    return OutboxMailer(settings.outbox, settings.mail_from)


def init_app(app: Flask, settings: Settings) -> None:
    """Choose the app's transport once."""
    app.extensions["mailer"] = mailer_for(settings)


def get_mailer() -> Mailer:
    """The app's transport."""
    mailer: Mailer = current_app.extensions["mailer"]
    return mailer
