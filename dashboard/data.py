"""Cached reads for the pages. Query results are cached briefly (other processes write too); the
connection never is. Every function takes the viewer, and the store filters by it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import runtime
from tracking.models import Viewer
from tracking.usecases import clients, safety

CACHE_SECONDS = 15


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def caseload(db_path: str, viewer: Viewer) -> list[Any]:
    return clients.caseload_rows(runtime.context(), viewer)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def client_bundle(db_path: str, viewer: Viewer, client_id: str) -> clients.ClientBundle:
    """Everything the client page shows, read in one unit of work."""
    return clients.client_bundle(runtime.context(), viewer, client_id)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def alerts(db_path: str, viewer: Viewer) -> list[Any]:
    """Concerns and contact requests the coach has not seen yet."""
    return safety.alerts(runtime.context(), viewer)


def changed() -> None:
    """Forget cached reads after this session changed something."""
    st.cache_data.clear()


def path() -> str:
    return str(runtime.settings().db)
