"""The audit log in words: every action named once in both languages, its details told as sentences."""

from __future__ import annotations

import pytest

from tracking.audit import Action
from tracking.i18n import TEXTS
from tracking.i18n.audit import SENTENCES, action_name, describe, who


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_a_name_in_both_languages(action):
    assert f"audit.{action.value}" in TEXTS
    assert action_name(action.value, "nl") != action_name(action.value, "en")


def test_every_sentence_belongs_to_an_action():
    assert set(SENTENCES) <= {action.value for action in Action}


@pytest.mark.parametrize("action,detail,lang,expected", [
    ("view_caseload", {"clients": 1}, "nl", "1 cliënt in de lijst."),
    ("view_caseload", {"clients": 1250}, "en", "1,250 clients in the list."),
    ("view_outbox", {"emails": 1}, "nl", "1 e-mail in de lijst."),
    ("view_outbox", {"emails": 40}, "en", "40 emails in the list."),
    ("view_audit_log", {"entries": 1}, "en", "1 entry in the list."),
    ("view_audit_log", {"entries": 500}, "nl", "500 regels in de lijst."),
    ("coach_active", {"coach": "bo@example.org", "active": False}, "nl", "bo@example.org gedeactiveerd."),
    ("coach_active", {"coach": "bo@example.org", "active": True}, "en", "bo@example.org activated."),
    ("edit_client", {"fields": ["email", "reminder_time"]}, "nl", "Gewijzigd: e-mailadres en tijd van de herinnering."),
    ("set_focus", {"focus": None}, "en", "New focus: none."),
    ("set_focus", {"focus": "identity"}, "nl", "Nieuwe focus: Identiteit."),
    ("checkin_link_refused", {"status": "expired", "link": "expired", "during": "open"}, "nl",
     "Verlopen link (bij het openen)."),
    ("checkin_submitted", {"answered": 14, "skipped": 2, "contact_request": True, "lang": "en"}, "nl",
     "14 vragen beantwoord, 2 overgeslagen. De cliënt vraagt om contact. De cliënt koos als taal: Engels."),
    ("checkin_edited", {"changed": ["sleep", "note"]}, "en", "Changed: Sleep and note."),
    ("link_issued", {"period": 3, "kind": "extra"}, "nl", "Voor een extra check-in."),
    ("sign_in", {}, "nl", ""),
    ("import", {"file": "a.csv", "rows": 1200, "clients": 10, "clients_created": 2}, "nl",
     "a.csv: 1.200 check-ins van 10 cliënten (2 nieuw)."),
])
def test_details_are_told_as_sentences_in_the_readers_language(action, detail, lang, expected):
    assert describe(action, detail, lang) == expected


def test_who_names_the_command_line_the_scheduler_and_clients():
    assert who("cli", {}, "nl") == "Opdrachtregel op de server"
    assert who("client:K-101", {}, "en") == "Client K-101 (personal link)"
    assert who("coach:3", {"coach:3": "Bo <bo@example.org>"}, "nl") == "Bo <bo@example.org>"
    assert action_name("from_a_newer_version", "nl") == "from_a_newer_version"
