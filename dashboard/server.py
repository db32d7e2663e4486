"""The dashboard as Streamlit serves it: `koers dashboard` runs `streamlit run dashboard/server.py`.

Streamlit reads the configuration of its own sign-in (`st.login`) only from an `[auth]` section in its
secrets. A practice that sets its provider with KOERS_OIDC_* settings gets that section made here and
handed to Streamlit as programmatic secrets (`st.App(secrets=...)`), so the client secret need not be
written to any file. An `[auth]` section in .streamlit/secrets.toml works as Streamlit documents it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

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


app = st.App(Path(__file__).with_name("app.py"), secrets=_secrets())
