"""The coach's pages through AppTest: caseload triage, the client page and its sections."""

from __future__ import annotations

import html
import json

import duckdb
import pytest

from tests.dashboard_helpers import _PLAIN as PLAIN_TEXT
from tests.dashboard_helpers import MARC, shown, signed_in, texts, titles

pytestmark = pytest.mark.usefixtures("demo_db")


def section(at, name: str):
    at.segmented_control(key="client_section").set_value(name)
    return at.run()


def test_the_caseload_puts_contact_requests_and_shifts_first():
    at = signed_in(MARC, page="caseload")
    assert not at.exception
    table = at.dataframe[0].value
    flags = list(table["flags"])
    urgent = [i for i, text in enumerate(flags) if "Asks for contact" in text or "Dominant dynamic shifted" in text]
    # Everything else comes after them (most of the demo's clients are also not on track: they never recover).
    others = [i for i in range(len(flags)) if i not in urgent]
    assert urgent and others and max(urgent) < min(others)
    summary = next(m.value for m in at.markdown if m.value.startswith("**"))  # the counts, under the alerts
    assert "clients with a shift to review" in summary and "1 client asks for contact" in summary


def test_the_caseload_shows_each_client_with_name_and_id_and_state():
    at = signed_in(MARC, page="caseload")
    table = at.dataframe[0].value
    assert "Amira (M-210)" in list(table["client"])
    assert set(table["state"]) <= {"Context", "Relational patterns", "Body / energy", "Identity", "Mixed",
                                   "None elevated", "Not enough data yet"}
    assert all(len(points) >= 1 for points in table["trend"])


def test_caseload_search_and_filters():
    at = signed_in(MARC, page="caseload")
    at.text_input(key="caseload_search").set_value("amira").run()
    assert list(at.dataframe[0].value["client"]) == ["Amira (M-210)"]
    at.text_input(key="caseload_search").set_value("").run()
    at.multiselect(key="caseload_kinds").set_value(["dominant_shift"]).run()
    assert all("Dominant dynamic shifted" in f for f in at.dataframe[0].value["flags"])


def test_the_client_page_summarises_in_words_and_charts_the_course():
    at = signed_in(MARC, page="client", client="M-210")
    assert not at.exception
    assert titles(at) == ["Amira (M-210)"]
    assert "Identity has been leading" in at.info[0].value
    assert len(at.get("plotly_chart")) == 3  # dynamics over time, core indicators, item heat map


@pytest.mark.parametrize("name", ["flags", "focus", "observations", "checkins", "settings", "export"])
def test_every_section_of_the_client_page_renders(name):
    at = section(signed_in(MARC, page="client", client="M-201"), name)
    assert not at.exception, at.exception


def test_acknowledging_a_flag_records_who_and_when(demo_db):
    at = section(signed_in(MARC, page="client", client="M-210"), "flags")
    before = texts(at)
    assert "Open flags" in before
    at.text_input[0].set_value("Discussed in session")
    at.form_submit_button[0].click()
    at.run()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute(
            "SELECT status, acknowledged_by, acknowledged_at, acknowledge_note FROM flags "
            "WHERE client_id = 'M-210' AND status = 'acknowledged'").fetchall()
        logged = con.execute("SELECT count(*) FROM audit_log WHERE action = 'flag_acknowledge'").fetchone()[0]
    assert len(rows) == 1
    status, by, at_time, note = rows[0]
    assert (status, by, note) == ("acknowledged", MARC, "Discussed in session")
    assert at_time is not None and logged == 1
    assert "Acknowledged by Marc Jansen" in texts(at)


def test_resolving_a_flag(demo_db):
    at = section(signed_in(MARC, page="client", client="M-210"), "flags")
    [b for b in at.form_submit_button if b.label == "Resolve"][0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT resolved_by FROM flags WHERE status = 'resolved'").fetchall() == [(MARC,)]


def test_setting_the_focus_to_the_dominant_dynamic_withdraws_the_mismatch(demo_db):
    def mismatches():
        with duckdb.connect(str(demo_db), read_only=True) as con:
            return con.execute("SELECT count(*) FROM flags WHERE client_id = 'M-210' AND kind = 'focus_mismatch' "
                               "AND withdrawn_at IS NULL AND status <> 'retired'").fetchone()[0]

    assert mismatches() == 1
    at = section(signed_in(MARC, page="client", client="M-210"), "focus")
    at.radio[0].set_value("identity")
    at.form_submit_button[0].click()
    at.run()
    assert mismatches() == 0
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT focus FROM clients WHERE id = 'M-210'").fetchone() == ("identity",)
        assert con.execute("SELECT focus, changed_by FROM focus_changes WHERE client_id = 'M-210' "
                           "ORDER BY id DESC LIMIT 1").fetchone() == ("identity", MARC)


def test_recording_an_observation(demo_db):
    at = section(signed_in(MARC, page="client", client="M-207"), "observations")
    at.text_input[0].set_value("Shoulders, jaw")
    at.text_input[1].set_value("Plans and checks everything")
    at.select_slider(key="rate_relational").set_value(7)
    at.form_submit_button[0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        row = con.execute("SELECT tension_in_body, reaction_to_uncertainty, rating_relational, rating_context, "
                          "coach_id FROM observations WHERE client_id = 'M-207'").fetchall()
    assert row == [("Shoulders, jaw", "Plans and checks everything", 7, None, MARC)]


def test_editing_a_client_and_pausing_reminders(demo_db):
    at = section(signed_in(MARC, page="client", client="M-207"), "settings")
    at.text_input[1].set_value("jesse.new@client.example")
    at.radio(key=None) if False else None
    [r for r in at.radio if r.label == "Status"][0].set_value("paused")
    at.form_submit_button[0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT email, status FROM clients WHERE id = 'M-207'").fetchone() == (
            "jesse.new@client.example", "paused")


def test_a_bad_email_is_refused_in_the_form_language(demo_db):
    at = section(signed_in(MARC, page="client", client="M-207"), "settings")
    at.text_input[1].set_value("not an email")
    at.form_submit_button[0].click()
    at.run()
    assert "Enter a valid email address." in shown(at, "error")


def test_adding_a_client(demo_db):
    at = signed_in(MARC, page="new_client")
    at.text_input[0].set_value("M-300")
    at.text_input[1].set_value("Robin")
    at.text_input[2].set_value("robin@client.example")
    at.form_submit_button[0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT name, coach_id, reminder_weekday, reminder_time FROM clients WHERE id = 'M-300'"
                           ).fetchone() == ("Robin", MARC, 0, "09:00")


def test_the_export_section_offers_the_csv_and_the_report():
    at = section(signed_in(MARC, page="client", client="M-204"), "export")
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download CSV", "Download report"]


def test_client_notes_are_shown_as_text_not_markup(demo_db):
    note = "<b>not bold</b> **not strong** <script>alert(1)</script>"
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE checkins SET note = ? WHERE id = (SELECT max(id) FROM checkins WHERE client_id = 'M-204')",
                    [note])
    at = signed_in(MARC, page="client", client="M-204")
    assert note in [t.value for t in at.text]
    assert all(note not in m.value for m in at.markdown)


def test_the_dashboard_speaks_dutch_for_a_dutch_coach():
    at = signed_in(MARC, lang="nl", page="client", client="M-210")
    assert "leidt Identiteit" in at.info[0].value
    assert json.dumps(texts(at)).count("Sinds") >= 1


def test_a_client_name_with_markdown_is_shown_literally(demo_db):
    name = "**Bold** [x](javascript:alert(1))"
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE clients SET name = ? WHERE id = 'M-204'", [name])
    at = signed_in(MARC, page="client", client="M-204")
    assert titles(at) == [f"{name} (M-204)"]
    assert "&lt;" not in name and any("**Bold** [x](javascript:alert(1)) (M-204)</h1>" in h.value for h in at.html)


def test_a_coach_makes_a_fresh_link_that_opens_the_checkin(demo_db):
    from tracking.context import open_context
    from tracking.settings import load_settings
    from tracking.usecases.checkin import open_link

    at = section(signed_in(MARC, page="client", client="M-207"), "settings")
    at.button(key="make_link").click()
    at.run()
    url = at.code[0].value
    assert url.startswith("http://localhost:8501/?t=")
    app = open_context(load_settings(secrets_file=None))
    from tracking.clock import utcnow

    assert open_link(app, url.split("?t=", 1)[1], now=utcnow()).status == "open"


def test_a_coach_emails_a_fresh_link(demo_db):
    at = section(signed_in(MARC, page="client", client="M-207"), "settings")
    at.button(key="email_link").click()
    at.run()
    assert any("goes to jesse@client" in s for s in shown(at, "success"))
    with duckdb.connect(str(demo_db), read_only=True) as con:
        queued = con.execute("SELECT recipient, status FROM outbox WHERE kind = 'link'").fetchall()
    assert queued == [("jesse@client.example", "pending")]


def test_an_admin_manages_coaches_and_reads_the_audit_log(demo_db):
    from tests.dashboard_helpers import ANNE

    at = signed_in(ANNE, page="admin_coaches")
    assert not at.exception
    assert {"Anne de Vries", "Marc Jansen"} <= set(at.dataframe[0].value["Name"])
    add = [f for f in at.form_submit_button if f.label == "Add"][0]
    texts_in = {t.label: t for t in at.text_input}
    texts_in["Name"].set_value("Ruth Bakker")
    texts_in["Email"].set_value("ruth@koers.example")
    texts_in["First password"].set_value("a long first password")
    add.click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT name, is_admin FROM coaches WHERE email = 'ruth@koers.example'").fetchall() == [
            ("Ruth Bakker", False)]
    at.switch_page("views/admin_audit.py").run()
    log = at.dataframe[0].value
    assert "Coach added" in set(log["What"])
    assert "Account for ruth@koers.example." in set(log["Details"])
    assert "Anne de Vries <anne@koers.example>" in set(log["Who"])


def _add_client(client_id: str):
    at = signed_in(MARC, lang="nl", page="new_client")
    at.text_input[0].set_value(client_id)
    at.text_input[1].set_value("Robin")
    at.text_input[2].set_value("robin@client.example")
    at.form_submit_button[0].click()
    return at.run()


def test_an_id_of_another_coachs_client_is_refused_without_saying_whose_and_recorded(demo_db):
    at = _add_client("K-101")  # Anne's client
    assert shown(at, "error") == ["Deze cliëntcode kan niet worden gebruikt. Kies een andere."]
    assert "bestaat al" not in texts(at)
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT coach_id FROM clients WHERE id = 'K-101'").fetchone() == (1,)
        assert con.execute("SELECT actor, client_id FROM audit_log WHERE action = 'client_add_refused'"
                           ).fetchall() == [(f"coach:{MARC}", "K-101")]


def test_an_id_of_the_coachs_own_client_exists_already(demo_db):
    at = _add_client("M-201")  # Marc's own
    assert shown(at, "error") == ["Dit bestaat al: kies een andere cliëntcode of een ander e-mailadres."]


def in_order(node) -> list[str]:
    """The labels and texts of a block's elements, top to bottom (columns left to right)."""
    found = []
    for child in getattr(node, "children", {}).values():
        text = getattr(child, "label", None) or getattr(child, "value", None)
        if isinstance(text, str):
            plain = PLAIN_TEXT.fullmatch(text)  # Koers' own plain-text element: the text it shows
            found.append(html.unescape(plain[3]) if plain else text)
        found += in_order(child)
    return found


def test_the_new_client_form_shows_every_problem_at_once_under_its_own_field(demo_db):
    at = signed_in(MARC, lang="nl", page="new_client")
    at.text_input[2].set_value("not an address")
    at.text_input[3].set_value("9 uur")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception
    problems = shown(at, "error")
    assert sorted(problems) == sorted(["Vul een cliëntcode in (maximaal 64 tekens, zonder regeleinden en zonder "
                                       "onzichtbare of schrijfrichting-tekens).",
                                       "Vul een geldig e-mailadres in.", "Vul een tijd in als 09:00.",
                                       "Niet opgeslagen: verbeter wat hierboven bij de velden staat."])
    order = in_order(at.get("form")[0])
    assert order.index("E-mailadres") < order.index("Vul een geldig e-mailadres in.") < order.index("Taal")
    assert order.index("Tijd (lokaal)") < order.index("Vul een tijd in als 09:00.")
    at.text_input[0].set_value("K-999")
    at.text_input[2].set_value("robin@client.example")
    at.text_input[3].set_value("09:00")
    at.form_submit_button[0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT coach_id FROM clients WHERE id = 'K-999'").fetchone() == (MARC,)


def test_the_focus_note_is_cleared_after_saving(demo_db):
    at = section(signed_in(MARC, page="client", client="M-210"), "focus")
    at.radio[0].set_value("identity")
    at.text_input[0].set_value("After Tuesday's session")
    at.form_submit_button[0].click()
    at.run()
    assert at.text_input[0].value == ""
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT note FROM focus_changes WHERE client_id = 'M-210' ORDER BY id DESC LIMIT 1"
                           ).fetchone() == ("After Tuesday's session",)
