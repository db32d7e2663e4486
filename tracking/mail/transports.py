"""Where emails go: a mail server over SMTP, or `.eml` files in a folder when no server is set.

Both take a finished `EmailMessage` and either deliver it or raise a `DeliveryFailed` whose
`permanent` says whether trying again can help (a 5xx refusal of the recipient or the message) or
not (everything else: the server is down, busy, or refuses our login until an admin fixes it).
The file transport writes each email under a name derived from its outbox row, atomically, so
writing it again replaces the same file instead of adding a second one.
"""

from __future__ import annotations

import hashlib
import os
import re
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from tracking.errors import KoersError, SettingsError
from tracking.models import Email
from tracking.settings import Settings

FILE_MAIL_FROM = "koers@localhost"


class DeliveryFailed(KoersError):
    """An email was not delivered. `permanent`: trying again cannot help. `affects_all`: the next
    emails would fail the same way, so a run stops sending and tries again later."""

    permanent = False
    affects_all = False


class MailServerUnavailable(DeliveryFailed):
    """The mail server cannot be reached, or dropped the connection: try again later."""

    affects_all = True


class MailSetupRefused(DeliveryFailed):
    """The mail server refuses our login, STARTTLS or sender address: an admin must fix a setting."""

    affects_all = True


class MailServerRefused(DeliveryFailed):
    """The mail server refused this email for now (a 4xx reply): try again later."""


class MessageRefused(DeliveryFailed):
    """The mail server refused this recipient or this message for good (a 5xx reply)."""

    permanent = True


class OutboxFolderError(DeliveryFailed):
    """The folder for .eml files cannot be written."""

    affects_all = True


# `.eml` files of the file transport: `<created UTC>-<outbox id>-<kind>.eml`, one per outbox row, so
# that a retry replaces its file and an erasure finds a client's files by outbox id.
EML_NAME = re.compile(r"^\d{8}-\d{6}-(\d+)-([a-z_]+)\.eml$")


def eml_file_name(created_at: datetime, outbox_id: int, kind: str) -> str:
    return f"{created_at.astimezone(UTC):%Y%m%d-%H%M%S}-{outbox_id:06d}-{kind}.eml"


def _stored(email: Email) -> tuple[int, datetime]:
    if email.id is None or email.created_at is None:
        raise ValueError("only an email from the outbox is sent")
    return email.id, email.created_at


def message_id(email: Email, mail_from: str) -> str:
    """The same Message-ID every time this outbox row is sent, so that a duplicate after a crash
    (see docs/mail.md) can be recognised by the receiving side."""
    outbox_id, _created = _stored(email)
    domain = mail_from.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(email.key.encode()).hexdigest()[:16]
    return f"<koers.{outbox_id}.{digest}@{domain}>"


def build_message(email: Email, mail_from: str) -> EmailMessage:
    _outbox_id, created_at = _stored(email)
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Date"] = format_datetime(created_at.astimezone(UTC))
    message["Message-ID"] = message_id(email, mail_from)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message["X-Koers-Kind"] = email.kind
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def file_name(email: Email) -> str:
    outbox_id, created_at = _stored(email)
    return eml_file_name(created_at, outbox_id, email.kind)


class FileTransport:
    """Writes each email as `<created>-<outbox id>-<kind>.eml` into `folder`."""

    def __init__(self, folder: Path, mail_from: str | None = None):
        self.folder = Path(folder)
        self.mail_from = mail_from or FILE_MAIL_FROM

    def __str__(self) -> str:
        return str(self.folder)

    def __enter__(self) -> FileTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, email: Email, message: EmailMessage) -> Path:
        target = self.folder / file_name(email)
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(message.as_bytes(policy=policy.SMTP))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, target)  # atomic: a reader sees the whole file or none
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise OutboxFolderError(
                f"{self.folder}: cannot write the email ({exc.strerror}); check KOERS_OUTBOX_DIR"
            ) from None
        return target


class SmtpTransport:
    """Sends through the configured mail server, one connection for a run, opened when first needed."""

    def __init__(self, settings: Settings, timeout_seconds: float | None = None):
        self.port = settings.smtp_port
        self.user = settings.smtp_user
        self.password = settings.smtp_password
        self.tls = settings.smtp_tls
        self.starttls = settings.smtp_starttls and not settings.smtp_tls
        self.timeout = timeout_seconds or settings.smtp_timeout_seconds
        if not settings.smtp_host or not settings.mail_from:
            raise SettingsError("a mail server needs KOERS_SMTP_HOST and KOERS_MAIL_FROM")
        self.host: str = settings.smtp_host
        self.mail_from: str = settings.mail_from
        self._smtp: smtplib.SMTP | None = None

    def __str__(self) -> str:
        security = " (TLS)" if self.tls else " (STARTTLS)" if self.starttls else ""
        return f"smtp://{self.host}:{self.port}{security}"

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()

    def _connect(self) -> smtplib.SMTP:
        where = f"mail server {self.host}:{self.port}"
        smtp: smtplib.SMTP | None = None
        try:
            if self.tls:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if self.starttls:
                if not smtp.has_extn("starttls"):
                    raise MailSetupRefused(
                        f"{where} does not offer STARTTLS; set KOERS_SMTP_STARTTLS=false only if the "
                        "connection to it is private (for example on this machine)")
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
            return smtp
        except smtplib.SMTPAuthenticationError as exc:
            self._discard(smtp)
            raise MailSetupRefused(
                f"{where} refused the login ({exc.smtp_code} {_text(exc.smtp_error)}); "
                "check KOERS_SMTP_USER and KOERS_SMTP_PASSWORD") from None
        except MailSetupRefused:
            self._discard(smtp)
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self._discard(smtp)
            raise MailServerUnavailable(f"{where}: cannot connect ({_describe(exc)})") from None

    @staticmethod
    def _discard(smtp: smtplib.SMTP | None) -> None:
        if smtp is not None:
            smtp.close()

    def send(self, email: Email, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            code, reply = next(iter(exc.recipients.values()))
            problem = f"the mail server refused {email.recipient} ({code} {_text(reply)})"
            raise _refusal(code, problem) from None
        except smtplib.SMTPSenderRefused as exc:
            self.close()
            raise MailSetupRefused(
                f"the mail server refused the sender {exc.sender} ({exc.smtp_code} {_text(exc.smtp_error)}); "
                "check KOERS_MAIL_FROM") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _refusal(exc.smtp_code, f"the mail server refused the email ({exc.smtp_code} "
                                          f"{_text(exc.smtp_error)})") from None
        except (OSError, smtplib.SMTPException) as exc:
            self._discard(self._smtp)
            self._smtp = None
            raise MailServerUnavailable(
                f"mail server {self.host}:{self.port}: connection lost ({_describe(exc)})") from None


def _refusal(code: int, message: str) -> DeliveryFailed:
    return MessageRefused(message) if 500 <= code < 600 else MailServerRefused(message)


def _text(reply: object) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


Transport = SmtpTransport | FileTransport


def transport_for(settings: Settings) -> Transport:
    """The mail server when KOERS_SMTP_HOST is set, else the .eml folder."""
    if settings.smtp_host:
        if not settings.mail_from:
            raise SettingsError(
                "KOERS_MAIL_FROM is not set: a mail server needs a sender address, such as "
                "koers@your-practice.example (KOERS_SMTP_HOST is set)")
        return SmtpTransport(settings)
    return FileTransport(settings.outbox_folder(), settings.mail_from)


@dataclass(frozen=True)
class EmlFile:
    name: str
    size: int
    modified: datetime


def eml_files(folder: Path, limit: int = 1000) -> list[EmlFile]:
    """The .eml files in the folder, newest first (for the admin's outbox page)."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.eml"):
        try:
            stat = path.stat()
        except OSError:
            continue  # removed while we looked
        found.append(EmlFile(path.name, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)))
    return sorted(found, key=lambda f: (f.modified, f.name), reverse=True)[:limit]

