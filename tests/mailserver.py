"""A real SMTP server on loopback for the tests: aiosmtpd on a free port chosen first (port 0 does
not work with its Controller). It records every message it accepts and can refuse recipients."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.servers import free_port

MAIL_FROM = "koers@practice.example"


class Recorder:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 5.1.1 no such user"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class MailServer:
    """`start()`/`stop()` may be called repeatedly (an outage and its recovery) on the same port."""

    def __init__(self, **controller_options):
        self.port = free_port()
        self.recorder = Recorder()
        self.options = controller_options
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.recorder.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def env(self) -> dict[str, str]:
        """Settings that send through this server."""
        return {"KOERS_SMTP_HOST": "127.0.0.1", "KOERS_SMTP_PORT": str(self.port),
                "KOERS_SMTP_STARTTLS": "false", "KOERS_MAIL_FROM": MAIL_FROM}


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")
