"""The safety net's store, the same on a DuckDB file and on PostgreSQL: one concern per check-in, the
alerts of a coach's own clients, seeing a concern, and the language a client chose."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracking.errors import NotFound
from tracking.models import Viewer
from tracking.store import safety

MOMENT = datetime(2026, 11, 23, 12, 0)  # naive UTC, as stored
NOW = MOMENT.replace(tzinfo=UTC)  # as the store's functions take it
ANNE, BO = Viewer(coach_id=1), Viewer(coach_id=2)


@pytest.fixture
def stocked(store):
    """Coaches 1 and 2; client C1 (coach 1) with check-in 11 that asked for contact, client C2 (coach 2)."""
    with store.write() as con:
        for coach_id in (1, 2):
            con.execute("INSERT INTO coaches (id, email, name, password_hash, is_admin, lang, active, created_at) "
                        "VALUES (?, ?, ?, 'x', FALSE, 'nl', TRUE, ?)", [coach_id, f"c{coach_id}@example.org",
                                                                        f"Coach {coach_id}", MOMENT])
        for client_id, coach_id in (("C1", 1), ("C2", 2)):
            con.execute("INSERT INTO clients (id, coach_id, name, lang, tz, schedule_from, created_at) "
                        "VALUES (?, ?, ?, 'nl', 'Europe/Amsterdam', ?, ?)", [client_id, coach_id, "Sanne", MOMENT,
                                                                          MOMENT])
        con.execute("INSERT INTO flags (key, client_id, kind, checkin_id, checkin_at, evidence, raised_at) "
                    "VALUES ('k', 'C1', 'contact_request', 11, ?, '{}', ?)", [MOMENT, MOMENT])
    return store


def test_a_check_in_raises_its_concern_once(stocked):
    with stocked.write() as con:
        first = safety.raise_concern(con, client_id="C1", checkin_id=11, checkin_at=NOW,
                                     evidence={"levels": ["overall"]}, now=NOW)
        again = safety.raise_concern(con, client_id="C1", checkin_id=11, checkin_at=NOW, evidence={}, now=NOW)
        assert safety.contact_flag_of(con, 11) is not None and safety.contact_flag_of(con, 12) is None
    assert first is not None and again is None


def test_a_coach_sees_only_their_own_clients_alerts_until_a_concern_is_seen(stocked):
    with stocked.write() as con:
        concern = safety.raise_concern(con, client_id="C1", checkin_id=11, checkin_at=NOW,
                                       evidence={"levels": ["dynamic"]}, now=NOW)
    with stocked.read() as con:
        alerts = safety.open_alerts(con, ANNE)
        assert [(a.kind, a.client_id, a.evidence) for a in alerts] == [
            ("concern", "C1", {"levels": ["dynamic"]}), ("contact_request", "C1", {})]
        assert safety.open_alerts(con, BO) == []
    with stocked.write() as con, pytest.raises(NotFound):
        safety.acknowledge_concern(con, concern, BO, 2, NOW)
    with stocked.write() as con:
        assert safety.acknowledge_concern(con, concern, ANNE, 1, NOW) == "C1"
    with stocked.read() as con:
        assert [a.kind for a in safety.open_alerts(con, ANNE)] == ["contact_request"]


def test_the_language_a_client_chose_is_kept_with_its_moment(stocked):
    with stocked.write() as con:
        assert safety.language_chosen_at(con, "C1") is None
        safety.record_language(con, "C1", "en", NOW)
    with stocked.read() as con:
        assert con.execute("SELECT lang FROM clients WHERE id = 'C1'").fetchone() == ("en",)
        assert safety.language_chosen_at(con, "C1") is not None
