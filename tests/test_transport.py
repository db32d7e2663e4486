"""Mail transports against real parts: an SMTP server on loopback (aiosmtpd) and a real folder."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from aiosmtpd.smtp import AuthResult

from tests.mailserver import MAIL_FROM, MailServer, html_part, text_part
from tracking.errors import SettingsError
from tracking.mail.transports import (
    FileTransport,
    MailServerRefused,
    MailServerUnavailable,
    MailSetupRefused,
    MessageRefused,
    OutboxFolderError,
    SmtpTransport,
    build_message,
    eml_files,
    message_id,
    transport_for,
)
from tracking.models import Email
from tracking.settings import load_settings

CREATED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def outgoing(outbox_id=7, recipient="anna@example.org", kind="invitation") -> Email:
    return Email(key=f"{kind}:C1:2026-11-30T08:00:00+00:00", kind=kind, recipient=recipient, subject="Je check-in",
                 body_text="Hoi Anna,\nhttps://koers.example/?t=a.b\n", body_html="<p>Hoi Anna,</p>", id=outbox_id,
                 created_at=CREATED)


def settings(tmp_path, **env):
    return load_settings(env, secrets_file=None, db=tmp_path / "koers.duckdb")


@pytest.fixture
def server():
    running = MailServer().start()
    yield running
    running.stop()


def send(transport, item: Email):
    with transport:
        return transport.send(item, build_message(item, transport.mail_from))


def test_it_sends_a_text_and_an_html_part_through_a_real_smtp_server(server, tmp_path):
    send(SmtpTransport(settings(tmp_path, **server.env())), outgoing())
    (message,) = server.messages
    assert message["From"] == MAIL_FROM and message["To"] == "anna@example.org"
    assert message["Subject"] == "Je check-in"
    assert message["Message-ID"] == message_id(outgoing(), MAIL_FROM)
    assert message["Auto-Submitted"] == "auto-generated"
    assert text_part(message) == "Hoi Anna,\nhttps://koers.example/?t=a.b\n"
    assert html_part(message).strip() == "<p>Hoi Anna,</p>"


def test_one_connection_carries_every_email_of_a_run(server, tmp_path):
    transport = SmtpTransport(settings(tmp_path, **server.env()))
    with transport:
        for n in range(3):
            item = outgoing(n, f"c{n}@example.org")
            transport.send(item, build_message(item, MAIL_FROM))
    assert [m["To"] for m in server.messages] == ["c0@example.org", "c1@example.org", "c2@example.org"]


def test_it_logs_in_with_the_configured_user(tmp_path):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        # handled=False: aiosmtpd itself answers 235 or 535
        return AuthResult(success=auth_data.password == b"s3cret", handled=False)

    server = MailServer(authenticator=authenticator, auth_require_tls=False,
                        auth_exclude_mechanism=["LOGIN"]).start()
    try:
        env = {**server.env(), "KOERS_SMTP_USER": "koers", "KOERS_SMTP_PASSWORD": "s3cret"}
        send(SmtpTransport(settings(tmp_path, **env)), outgoing())
        assert seen == [(b"koers", b"s3cret")] and len(server.messages) == 1
        seen.clear()
        env["KOERS_SMTP_PASSWORD"] = "wrong"
        with pytest.raises(MailSetupRefused, match="refused the login .*KOERS_SMTP_PASSWORD") as failed:
            send(SmtpTransport(settings(tmp_path, **env)), outgoing())
        assert failed.value.affects_all and not failed.value.permanent
    finally:
        server.stop()


def test_it_never_falls_back_to_plain_text_when_starttls_is_asked_for(server, tmp_path):
    env = {**server.env(), "KOERS_SMTP_STARTTLS": "true"}
    with pytest.raises(MailSetupRefused, match="does not offer STARTTLS"):
        send(SmtpTransport(settings(tmp_path, **env)), outgoing())
    assert server.messages == []


def test_a_server_that_is_down_is_unavailable_for_every_email(server, tmp_path):
    server.stop()
    with pytest.raises(MailServerUnavailable, match=f"127.0.0.1:{server.port}: cannot connect") as failed:
        send(SmtpTransport(settings(tmp_path, **server.env())), outgoing())
    assert failed.value.affects_all and not failed.value.permanent


def test_a_recipient_refused_for_good_is_permanent_and_for_now_is_not(server, tmp_path):
    server.recorder.refuse = {"gone@example.org": "550 5.1.1 no such user",
                              "full@example.org": "452 4.2.2 mailbox full"}
    transport = SmtpTransport(settings(tmp_path, **server.env()))
    with pytest.raises(MessageRefused, match="550 5.1.1 no such user") as gone:
        send(transport, outgoing(recipient="gone@example.org"))
    assert gone.value.permanent and not gone.value.affects_all
    with pytest.raises(MailServerRefused, match="452") as full:
        send(transport, outgoing(recipient="full@example.org"))
    assert not full.value.permanent and not full.value.affects_all
    send(transport, outgoing(recipient="anna@example.org"))  # the next email still goes
    assert [m["To"] for m in server.messages] == ["anna@example.org"]


def test_the_file_transport_writes_one_eml_file_per_email_and_again_replaces_it(tmp_path):
    folder = tmp_path / "outbox"
    transport = FileTransport(folder)
    path = send(transport, outgoing())
    assert path.name == "20261130-080000-000007-invitation.eml"
    send(transport, outgoing())  # a retry after a crash: the same file, not a second one
    assert sorted(p.name for p in folder.iterdir()) == [path.name]
    assert os.stat(path).st_mode & 0o077 == 0  # personal links inside: only the owner reads it
    from email import message_from_bytes, policy

    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "anna@example.org" and text_part(message).startswith("Hoi Anna,")
    (listed,) = eml_files(folder)
    assert listed.name == path.name and listed.size == path.stat().st_size


def test_the_file_transport_names_a_folder_it_cannot_write(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(OutboxFolderError, match="not-a-folder/outbox: cannot write the email"):
        send(FileTransport(blocker / "outbox"), outgoing())


def test_without_a_mail_server_emails_go_to_an_outbox_folder_beside_the_database(tmp_path):
    plain = settings(tmp_path)
    assert isinstance(transport_for(plain), FileTransport)
    assert plain.outbox_folder() == tmp_path / "outbox"
    chosen = settings(tmp_path, KOERS_OUTBOX_DIR=str(tmp_path / "mail"))
    assert transport_for(chosen).folder == tmp_path / "mail"


def test_a_mail_server_needs_a_sender_address(tmp_path):
    with pytest.raises(SettingsError, match="KOERS_MAIL_FROM is not set"):
        transport_for(settings(tmp_path, KOERS_SMTP_HOST="mail.example.org"))
    transport = transport_for(settings(tmp_path, KOERS_SMTP_HOST="mail.example.org",
                                       KOERS_MAIL_FROM=MAIL_FROM))
    assert str(transport) == "smtp://mail.example.org:587 (STARTTLS)"


def test_the_message_id_is_the_same_every_time_an_email_is_sent():
    assert message_id(outgoing(), MAIL_FROM) == message_id(outgoing(), MAIL_FROM)
    assert message_id(outgoing(), MAIL_FROM).endswith("@practice.example>")
    assert message_id(outgoing(8), MAIL_FROM) != message_id(outgoing(7), MAIL_FROM)
