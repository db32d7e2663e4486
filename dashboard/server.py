"""The dashboard as Streamlit serves it: `koers dashboard` runs `streamlit run dashboard/server.py`.

Every HTTP response carries the headers in `SECURITY_HEADERS`: no page tells another site (or a
proxy's log of it) the address it was opened with, which for a client is a personal link, and no other
site can show Koers in a frame. A reverse proxy in front should send them too (docs/security.md).

Streamlit reads the configuration of its own sign-in (`st.login`) only from an `[auth]` section in its
secrets. A practice that sets its provider with KOERS_OIDC_* settings gets that section made here and
handed to Streamlit as programmatic secrets (`st.App(secrets=...)`), so the client secret need not be
written to any file. An `[auth]` section in .streamlit/secrets.toml works as Streamlit documents it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/server.py` from a checkout
    sys.path.insert(0, str(ROOT))

from tracking.errors import SettingsError  # noqa: E402
from tracking.oidc import auth_secrets  # noqa: E402
from tracking.settings import load_settings  # noqa: E402


def _secrets() -> dict | None:
    try:
        section = auth_secrets(load_settings())
    except SettingsError:  # the app itself shows the problem on its first page
        return None
    return {"auth": section} if section else None


SECURITY_HEADERS = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-content-type-options", b"nosniff"),
)


class SecurityHeaders:
    """ASGI middleware adding `SECURITY_HEADERS` to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((name, value) for name, value in SECURITY_HEADERS if name not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


app = st.App(Path(__file__).with_name("app.py"), secrets=_secrets(), middleware=[Middleware(SecurityHeaders)])
