"""A coach never sees another coach's clients: every query filters by the signed-in coach."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import NOW
from tests.dashboard_helpers import ANNE, MARC, signed_in, texts
from tracking.context import Actor, open_context
from tracking.errors import NotFound
from tracking.models import Viewer
from tracking.settings import load_settings
from tracking.store import accounts, caseload, checkins, clients, flags, insights
from tracking.usecases import clients as client_cases
from tracking.usecases import flags as flag_cases
from tracking.usecases import links
from tracking.usecases.clients import ClientDetails, Observation

ANNES_CLIENT = "K-101"
pytestmark = pytest.mark.usefixtures("demo_db")


@pytest.fixture
def app(demo_db):
    return open_context(load_settings({"KOERS_SECRET_KEY": "isolation-tests-secret-0123456789abcdef"},
                                      secrets_file=None, db=demo_db))


def marc_actor(app) -> Actor:
    with app.db.read() as con:
        return Actor.coach(accounts.coach_by_id(con, MARC))


def marc(app) -> Viewer:
    return marc_actor(app).viewer


@pytest.mark.parametrize("read", [
    lambda con, v: clients.get_client(con, ANNES_CLIENT, v),
    lambda con, v: insights.focus_history(con, ANNES_CLIENT, v) or (_ for _ in ()).throw(NotFound("empty")),
])
def test_reading_another_coachs_client_is_not_found(app, read):
    with app.db.read() as con, pytest.raises(NotFound):
        read(con, marc(app))


@pytest.mark.parametrize("query", [
    checkins.timeline, insights.item_answers, insights.observations, checkins.export_rows,
    lambda con, client_id, viewer: flags.list_flags(con, viewer, client_id=client_id),
])
def test_series_of_another_coachs_client_are_empty(app, query):
    with app.db.read() as con:
        assert query(con, ANNES_CLIENT, Viewer.operator()), "the operator sees the data"
        assert query(con, ANNES_CLIENT, marc(app)) == []


def test_the_caseload_and_flag_list_hold_only_own_clients(app):
    with app.db.read() as con:
        rows = caseload.caseload(con, marc(app))
        listed = flags.list_flags(con, marc(app))
        owners = dict(con.execute("SELECT id, coach_id FROM clients").fetchall())
    assert rows and all(owners[row["id"]] == MARC for row in rows)
    assert listed and all(owners[flag["client"]] == MARC for flag in listed)


def test_changing_another_coachs_client_is_refused_and_changes_nothing(app, demo_db):
    actor = marc_actor(app)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        flag_id = con.execute("SELECT min(id) FROM flags WHERE client_id = ?", [ANNES_CLIENT]).fetchone()[0]
        before = con.execute("SELECT * FROM flags ORDER BY id").fetchall()
    with pytest.raises(NotFound):
        flag_cases.acknowledge(app, actor, flag_id, "mine now", now=NOW)
    with pytest.raises(NotFound):
        client_cases.update_client(app, actor, ANNES_CLIENT, ClientDetails(email="x@example.org", status="paused"),
                                   now=NOW)
    with pytest.raises(NotFound):
        client_cases.set_focus(app, actor, ANNES_CLIENT, "identity", now=NOW)
    with pytest.raises(NotFound):
        client_cases.add_observation(app, actor, ANNES_CLIENT, Observation(observed_at=NOW), now=NOW)
    with pytest.raises(NotFound):
        links.fresh_checkin_link(app, actor, ANNES_CLIENT, now=NOW)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT * FROM flags ORDER BY id").fetchall() == before
        assert con.execute("SELECT status FROM clients WHERE id = ?", [ANNES_CLIENT]).fetchone() == ("active",)


@pytest.mark.parametrize("client", [ANNES_CLIENT, "K-101' OR '1'='1", "nope"])
def test_the_client_page_reveals_nothing_through_the_url(client):
    at = signed_in(MARC, page="client", client=client)
    shown = texts(at)
    assert "not in your caseload" in shown
    assert "Sanne" not in shown
    assert not at.get("plotly_chart")


def test_a_refused_client_address_is_recorded_once_per_session(demo_db):
    at = signed_in(MARC, page="client", client=ANNES_CLIENT)
    at.run()
    assert "not in your caseload" in texts(at)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        refused = con.execute("SELECT actor, client_id FROM audit_log WHERE action = 'view_client_refused'"
                              ).fetchall()
        viewed = con.execute("SELECT count(*) FROM audit_log WHERE action = 'view_client' AND client_id = ?",
                             [ANNES_CLIENT]).fetchone()
    assert refused == [(f"coach:{MARC}", ANNES_CLIENT)] and viewed == (0,)


def test_the_admin_pages_are_not_in_a_coachs_navigation():
    at = signed_in(MARC)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/admin_coaches.py")


@pytest.mark.parametrize("page", ["admin_coaches", "admin_audit"])
def test_an_admin_page_itself_refuses_a_coach(page):
    from datetime import UTC, datetime

    from streamlit.testing.v1 import AppTest

    from tests.dashboard_helpers import ROOT

    at = AppTest.from_file(str(ROOT / "dashboard" / "views" / f"{page}.py"), default_timeout=30)
    at.session_state["coach_id"] = MARC
    at.session_state["coach_generation"] = 0
    at.session_state["last_active"] = datetime.now(UTC)
    at.session_state["lang"] = "en"
    at.run()
    assert [e.value for e in at.error] == ["This page is for administrators only."]
    assert "Anne de Vries" not in texts(at)
    assert ANNE != MARC
