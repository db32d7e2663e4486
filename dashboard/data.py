"""Cached reads for the pages. Query results are cached briefly (other processes write too); the
connection never is. Every function takes the viewer, and the store filters by it."""

from __future__ import annotations

import streamlit as st

from dashboard import runtime
from tracking.models import Viewer
from tracking.store import caseload as caseload_store
from tracking.store import checkins, clients, flags, insights

CACHE_SECONDS = 15


def _db():
    return runtime.database()


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def caseload(db_path: str, viewer: Viewer) -> list[dict]:
    with _db().read() as con:
        return caseload_store.sort_by_urgency(caseload_store.caseload(con, viewer))


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def client_bundle(db_path: str, viewer: Viewer, client_id: str) -> dict:
    """Everything the client page shows, read in one unit of work."""
    with _db().read() as con:
        record = clients.get_client(con, client_id, viewer)
        return {
            "client": record,
            "timeline": checkins.timeline(con, client_id, viewer),
            "answers": insights.item_answers(con, client_id, viewer),
            "flags": flags.list_flags(con, viewer, client_id=client_id),
            "focus_changes": insights.focus_history(con, client_id, viewer),
            "observations": insights.observations(con, client_id, viewer),
        }


def changed() -> None:
    """Forget cached reads after this session changed something."""
    st.cache_data.clear()


def path() -> str:
    return str(runtime.settings().db)
