"""The coach's pages through AppTest: caseload triage, the client page and its sections."""

from __future__ import annotations

import html
import json
import re

import duckdb
import pytest

from tests.dashboard_helpers import _PLAIN as PLAIN_TEXT
from tests.dashboard_helpers import MARC, plain_texts, shown, signed_in, texts, titles

pytestmark = pytest.mark.usefixtures("demo_db")


def section(at, name: str):
    at.segmented_control(key="client_section").set_value(name)
    return at.run()


def test_the_caseload_puts_contact_requests_and_shifts_first():
    at = signed_in(MARC, page="caseload")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["client", "why"]  # why, right after the client
    why = list(table["why"])
    assert why[0].startswith("Asks for contact: “This week is really hard")
    assert all(text.startswith("Dominant dynamic shifted: ") for text in why[1:4])
    urgent = [i for i, text in enumerate(why) if "Asks for contact" in text or "Dominant dynamic shifted" in text]
    # Everything else comes after them (a few of the demo's clients are also not on track, most are calmer).
    others = [i for i in range(len(why)) if i not in urgent]
    assert urgent and others and max(urgent) < min(others)
    summary = next(m.value for m in at.markdown if m.value.startswith("**"))  # the counts, under the alerts
    assert "clients with a shift to review" in summary and "1 client asks for contact" in summary


@pytest.mark.parametrize(("lang", "shift", "deterioration"), [
    ("nl", "Verschuiving dominante dynamiek: Context → Identiteit, 22 sep",
     "Betrouwbare verslechtering: Relationele patronen +23, 17 nov"),
    ("en", "Dominant dynamic shifted: Context → Identity, 22 Sept",
     "Reliable deterioration: Relational patterns +23, 17 Nov"),
])
def test_the_caseload_says_why_in_words_with_the_dynamics_and_the_date(lang, shift, deterioration):
    at = signed_in(MARC, lang=lang, page="caseload")
    table = at.dataframe[0].value.set_index("client")
    amira = table.loc["Amira (M-210)", "why"]
    assert amira.startswith(f"{shift} · ") and amira.endswith({"nl": " · en nog 3", "en": " · and 3 more"}[lang])
    assert table.loc["Lieke (M-208)", "why"].startswith(f"{deterioration} · ")  # then not on track, as urgent
    assert table.loc["Jesse (M-207)", "why"] == ""  # nothing needs attention


def test_the_trend_is_a_line_of_whole_points_and_says_which_dynamic_it_follows():
    at = signed_in(MARC, page="caseload")
    table = at.dataframe[0].value.set_index("client")
    assert all(len(points) and all(float(v).is_integer() for v in points) for points in table["trend"])
    assert table.loc["Koen (M-211)", "state"] == "None elevated · line: Body / energy"
    assert table.loc["Amira (M-210)", "state"] == "Identity · focus: Context"


def test_the_caseload_wraps_long_words_instead_of_cutting_them_off():
    at = signed_in(MARC, page="caseload")
    assert at.dataframe[0].proto.row_height > 64  # the height above which the table wraps text
    # (that no box scrolls inside the page is checked in a real browser: tests/browser)


def test_acknowledged_flags_sink_below_open_ones(demo_db):
    from tests.factories import context
    from tracking.context import Actor, ActorKind
    from tracking.usecases import flags

    ctx = context(demo_db)
    actor = Actor(ActorKind.COACH, coach_id=MARC)
    amira = [f.id for f in flags.list_flags(ctx, actor, client_id="M-210", status="open")]
    flags.acknowledge_several(ctx, actor, "M-210", amira, "Seen in session")
    at = signed_in(MARC, page="caseload")
    clients = list(at.dataframe[0].value["client"])
    why = dict(zip(clients, at.dataframe[0].value["why"], strict=True))
    assert clients.index("Amira (M-210)") > clients.index("Marloes (M-212)")  # below every open flag
    assert clients.index("Amira (M-210)") < clients.index("Jesse (M-207)")  # above clients with nothing
    assert why["Amira (M-210)"].startswith("Seen: Dominant dynamic shifted: Context → Identity")


def test_the_caseload_shows_each_client_with_name_and_id_and_state():
    at = signed_in(MARC, page="caseload")
    table = at.dataframe[0].value
    assert "Amira (M-210)" in list(table["client"])
    assert {state.partition(" · ")[0] for state in table["state"]} <= {
        "Context", "Relational patterns", "Body / energy", "Identity", "Mixed",
        "None elevated", "Not enough data yet"}
    assert all(len(points) >= 1 for points in table["trend"])


def test_caseload_search_and_filters():
    at = signed_in(MARC, page="caseload")
    at.text_input(key="caseload_search").set_value("amira").run()
    assert list(at.dataframe[0].value["client"]) == ["Amira (M-210)"]
    at.text_input(key="caseload_search").set_value("").run()
    at.multiselect(key="caseload_kinds").set_value(["dominant_shift"]).run()
    assert all("Dominant dynamic shifted" in f for f in at.dataframe[0].value["why"])


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
    assert "Open flags (5)" in before
    picks = [box for box in at.checkbox if box.key.startswith("ack_pick_")]
    for box in picks[1:]:
        box.uncheck()
    at.text_input(key="ack_note").set_value("Discussed in session")
    at.form_submit_button[0].click()
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
    assert "Flag acknowledged." in shown(at, "success") or "Flag acknowledged." in texts(at)
    assert "Acknowledged by Marc Jansen" in texts(at)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_coach_acknowledges_several_flags_of_a_client_at_once(demo_db, lang):
    at = section(signed_in(MARC, lang=lang, page="client", client="M-210"), "flags")
    at.text_input(key="ack_note").set_value("Besproken")
    at.form_submit_button[0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        rows = con.execute("SELECT kind, acknowledge_note FROM flags WHERE client_id = 'M-210' "
                           "AND status = 'acknowledged' ORDER BY kind").fetchall()
        logged = con.execute("SELECT client_id, detail FROM audit_log WHERE action = 'flag_acknowledge'").fetchall()
    assert rows == [("dominant_shift", "Besproken"), ("focus_mismatch", "Besproken"), ("not_on_track", "Besproken"),
                    ("reliable_deterioration", "Besproken"), ("reliable_improvement", "Besproken")]
    assert len(logged) == 1 and logged[0][0] == "M-210" and len(json.loads(logged[0][1])["flags"]) == 5
    done = {"nl": "5 signalen gemarkeerd als gezien.", "en": "5 flags acknowledged."}[lang]
    assert done in texts(at)
    seen = {"nl": "Gezien, nog actueel (5)", "en": "Acknowledged, still current (5)"}[lang]
    assert seen in texts(at) and [b.label for b in at.form_submit_button] == []  # nothing left to acknowledge


def test_acknowledging_with_no_flag_ticked_says_so_and_changes_nothing(demo_db):
    at = section(signed_in(MARC, lang="nl", page="client", client="M-210"), "flags")
    for box in at.checkbox:
        if box.key.startswith("ack_pick_"):
            box.uncheck()
    at.form_submit_button[0].click()
    at.run()
    assert "Kies minstens één signaal." in shown(at, "error")
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM flags WHERE status = 'acknowledged'").fetchone() == (0,)


@pytest.mark.parametrize(("lang", "words", "details", "step"), [
    ("nl", "Identiteit heeft het overgenomen van Context als dominante dynamiek — nu ", "Recent niveau ",
     "Volgende stap: Bekijk de focus: past die nog bij de nieuwe dynamiek?"),
    ("en", "Identity has taken over from Context as the dominant dynamic — now ", "Recent level ",
     "Next step: Review the focus: does it still fit the new dynamic?"),
])
def test_every_flag_is_worded_in_the_coachs_language_with_statistics_apart_and_a_next_step(lang, words, details,
                                                                                          step):
    at = section(signed_in(MARC, lang=lang, page="client", client="M-210"), "flags")
    assert not at.exception
    lines = [text for _kind, text in plain_texts(at)]
    assert any(text.startswith(words) for text in lines) and step in lines
    decimal = {"nl": r"\d,\d", "en": r"\d\.\d"}[lang]  # the statistics write numbers as the coach does
    assert any(text.startswith(details) and re.search(decimal, text) for text in lines)
    statistics = {"nl": "Statistiek", "en": "Statistics"}[lang]
    assert [e.label for e in at.expander].count(statistics) == 4  # the shift, reliable changes, not on track
    other = {"nl": "has taken over", "en": "heeft het overgenomen"}[lang]
    assert other not in texts(at)


def test_a_shift_opens_the_focus_with_the_new_dynamics_guidance():
    at = section(signed_in(MARC, page="client", client="M-210"), "flags")
    [b for b in at.button if b.label == "Open the focus"][0].click()
    at.run()
    assert at.segmented_control(key="client_section").value == "focus"
    assert "**New dominant dynamic: Identity**" in [m.value for m in at.markdown]
    assert any(m.value.startswith("What this dynamic asks for: Meaning work beyond functioning") for m in at.markdown)


def test_a_deterioration_offers_to_plan_contact_by_email_in_the_clients_language():
    at = section(signed_in(MARC, page="client", client="M-210"), "flags")
    plan = [b for b in at.get("link_button") if b.proto.label == "Plan contact (email)"]
    assert plan and plan[0].proto.url.startswith("mailto:amira@client.example?subject=")
    assert "Contact%20v%C3%B3%C3%B3r%20onze%20volgende%20afspraak" in plan[0].proto.url  # Amira reads Dutch


def test_missed_checkins_offer_a_fresh_link(demo_db):
    with duckdb.connect(str(demo_db)) as con:
        con.execute("UPDATE flags SET status = 'open', retired_at = NULL, retired_reason = NULL "
                    "WHERE client_id = 'M-201' AND kind = 'missed_checkins'")
    at = section(signed_in(MARC, page="client", client="M-201"), "flags")
    assert "Next step: Send a fresh check-in link" in [text for _kind, text in plain_texts(at)]
    [b for b in at.button if b.label == "Send a fresh link"][0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        queued = con.execute("SELECT recipient FROM outbox WHERE kind = 'link'").fetchall()
    assert queued == [("youssef@client.example",)]
    assert any("goes to youssef@client.example" in text for text in shown(at, "success") + [texts(at)])


@pytest.mark.parametrize(("lang", "history"), [
    ("nl", "Niet meer actueel: Weer ingecheckt op "),
    ("en", "No longer current: Checked in again on "),
])
def test_retired_flags_are_history_with_the_reason_in_words(lang, history):
    at = section(signed_in(MARC, lang=lang, page="client", client="M-201"), "flags")
    assert {"nl": "Geschiedenis", "en": "History"}[lang] in [s.value for s in at.subheader]
    assert any(text.startswith(history) for _kind, text in plain_texts(at, "caption"))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_open_contact_request_comes_first_with_the_note_and_when(lang):
    at = signed_in(MARC, lang=lang, page="client", client="M-206")
    assert not at.exception
    order = in_order(at.main)
    asked = next(i for i, text in enumerate(order)
                 if text.startswith({"nl": "**Vraagt om contact, sinds ", "en": "**Asks for contact, since "}[lang]))
    note = order.index("This week is really hard, could we talk sooner?")
    sections = order.index({"nl": "Onderdeel", "en": "Section"}[lang])  # the client page's sections
    assert asked < note < sections  # above the sections, whichever is open
    assert {"nl": "Contact gehad: afhandelen", "en": "Contact made: resolve"}[lang] in [b.label for b in at.button]
    at = section(at, "checkins")
    assert "This week is really hard, could we talk sooner?" in [t.value for t in at.text]


def test_resolving_the_contact_request_once_contact_was_made(demo_db):
    at = signed_in(MARC, page="client", client="M-206")
    [b for b in at.button if b.label == "Contact made: resolve"][0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT status, resolved_by FROM flags WHERE client_id = 'M-206' "
                           "AND kind = 'contact_request'").fetchall() == [("resolved", MARC)]
    assert not any(b.label == "Contact made: resolve" for b in at.button)


def test_resolving_a_flag(demo_db):
    at = section(signed_in(MARC, page="client", client="M-210"), "flags")
    [b for b in at.button if b.label == "Resolve"][0].click()
    at.run()
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert con.execute("SELECT resolved_by FROM flags WHERE status = 'resolved'").fetchall() == [(MARC,)]


def test_the_overview_lists_what_needs_attention_and_leads_to_the_flags():
    at = signed_in(MARC, page="client", client="M-210")
    lines = [text for _kind, text in plain_texts(at, "line")]
    assert "Dominant dynamic shifted: Context → Identity, 22 Sept" in lines
    at.button(key="overview_to_flags").click()
    at.run()
    assert at.segmented_control(key="client_section").value == "flags"


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
