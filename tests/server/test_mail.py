"""The mail transports: the outbox directory, and SMTP against a small SMTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from server.config import Settings
from server.mail import Mail, MailError, OutboxMailer, SmtpMailer, mailer_for
from tests.conftest import free_port

MAIL = Mail("amal.haddad@test.example", "Grüße", "Hallo Amal,\n\nhttps://app.example/#/confirm/secret-token\n")


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    received: list[tuple[str, list[str], bytes]]

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-test")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip()
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip())
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.received.append((sender, recipients, data))  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def smtp_server() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", free_port()), _Smtp)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_smtp_hands_the_mail_to_the_server_and_logs_no_address(
        smtp_server: socketserver.ThreadingTCPServer, caplog: pytest.LogCaptureFixture) -> None:
    port = smtp_server.server_address[1]
    mailer = SmtpMailer("127.0.0.1", port, starttls=False, user=None, password=None,
                        sender="Miteinander <noreply@test.example>", timeout=5)

    with caplog.at_level(logging.DEBUG):
        mailer.send(MAIL)

    [(sender, recipients, data)] = smtp_server.received  # type: ignore[attr-defined]
    assert sender == "<noreply@test.example>" and recipients == ["<amal.haddad@test.example>"]
    mail = message_from_bytes(data, policy=policy.default)
    assert mail["Subject"] == "Grüße" and "secret-token" in mail.get_content()
    assert "mail sent via smtp" in caplog.text
    assert "amal" not in caplog.text.lower() and "secret-token" not in caplog.text


def test_an_unreachable_smtp_server_is_a_mail_error_within_the_timeout(caplog: pytest.LogCaptureFixture) -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), starttls=True, user="u", password="p",
                        sender="noreply@test.example", timeout=2)

    with pytest.raises(MailError):
        mailer.send(MAIL)
    assert "amal" not in caplog.text.lower()


def test_without_an_smtp_host_mails_go_to_the_outbox_as_eml_files(tmp_path: Path) -> None:
    mailer = mailer_for(Settings(data_dir=tmp_path))
    assert isinstance(mailer, OutboxMailer) and mailer.directory == tmp_path / "outbox"

    mailer.send(MAIL)

    [file] = (tmp_path / "outbox").iterdir()
    assert file.suffix == ".eml"
    mail = message_from_bytes(file.read_bytes(), policy=policy.default)
    assert mail["To"] == MAIL.to and mail.get_content() == MAIL.body


def test_smtp_is_chosen_by_its_host_and_needs_the_public_address_for_links() -> None:
    settings = Settings.from_env({"MITEINANDER_SMTP_HOST": "mail.example", "MITEINANDER_SMTP_PORT": "2525",
                                  "MITEINANDER_SMTP_PASSWORD": "hunter2", "MITEINANDER_PUBLIC_URL": "https://app.example"})
    assert isinstance(mailer_for(settings), SmtpMailer) and "hunter2" not in repr(settings)
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        Settings.from_env({"MITEINANDER_SMTP_HOST": "mail.example"})
