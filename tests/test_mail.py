"""The emails as people read them: the recipient's language and time zone, the same content in the
text and HTML parts, every value escaped, and no health data beyond what is needed."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tracking.mail import compose as mail
from tracking.store import flags

CLOSES = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)  # Saturday 09:00 in Amsterdam
URL = "https://koers.example/?t=abc.def"
PAUSE = "https://koers.example/?pause=ghi.jkl"


def invitation(kind="invitation", lang="nl", name="Anna", **overrides) -> mail.Content:
    values = dict(kind=kind, lang=lang, name=name, url=URL, closes_at=CLOSES, tz="Europe/Amsterdam",
                  pause_url=PAUSE, coach_name="Ada Coach")
    values.update(overrides)
    return mail.checkin_invitation(**values)


def links(text: str) -> list[str]:
    return re.findall(r"https://koers\.example/\?[a-z]+=[a-z.]+", text)


def test_it_invites_in_dutch_with_the_closing_time_in_the_client_time_zone():
    email = invitation()
    assert email.subject == "Je wekelijkse check-in staat klaar"
    assert "Hoi Anna," in email.text
    assert "zaterdag 5 december om 09:00" in email.text
    assert "Ada Coach" in email.text


def test_it_invites_in_english_and_in_new_york_time():
    email = invitation(lang="en", tz="America/New_York")
    assert email.subject == "Your weekly check-in is ready"
    assert "Hello Anna," in email.text
    assert "Saturday 5 December at 03:00" in email.text
    assert '<html lang="en">' in email.html


@pytest.mark.parametrize("kind", ["invitation", "followup", "link"])
def test_the_text_and_html_parts_carry_the_same_check_in_and_pause_links(kind):
    email = invitation(kind)
    assert links(email.text) == [URL, PAUSE]
    assert links(email.html) == [URL, PAUSE]


def test_the_follow_up_and_a_link_on_request_say_what_they_are():
    assert invitation("followup").subject == "Herinnering: je check-in staat nog open"
    assert "nog niet ingevuld" in invitation("followup").text
    assert "Ada Coach stuurt je een link" in invitation("link").text
    assert "Hier is een link" in invitation("link", coach_name=None).text


def test_without_a_name_it_greets_without_one():
    assert invitation(name=None).text.startswith("Hoi,\n")


def test_every_value_is_escaped_in_the_html_part():
    email = invitation(name='<script>alert("x")</script>', coach_name="Ada & <b>Co</b>",
                       url='https://koers.example/?t=a"onmouseover="x')
    assert "<script>" not in email.html and "<b>Co</b>" not in email.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in email.html
    assert "Ada &amp; &lt;b&gt;Co&lt;/b&gt;" in email.html
    assert 'href="https://koers.example/?t=a&quot;onmouseover=&quot;x"' in email.html
    assert '<script>alert("x")</script>' in email.text  # the text part is plain text, shown as typed


def test_the_invitation_says_nothing_about_scores():
    email = invitation()
    for word in ("score", "dynamiek", "flag", "signaal"):
        assert word not in email.text.lower()


def test_the_coach_contact_email_names_the_client_but_not_the_note_or_scores():
    email = mail.contact_request(lang="en", coach_name="Ada", client_label="Anna (K-101)",
                                 checkin_at=datetime(2026, 11, 30, 8, 58, tzinfo=UTC), tz="Europe/Amsterdam",
                                 dashboard_url="https://koers.example/client?client=K-101")
    assert email.subject == "Contact request from Anna (K-101)"
    assert "Monday 30 November at 09:58" in email.text
    assert "https://koers.example/client?client=K-101" in email.text
    assert "score" not in email.text.lower()


def test_the_paused_email_tells_the_coach_who_paused_and_when():
    email = mail.paused(lang="nl", coach_name="Ada", client_label="Anna (K-101)",
                        paused_at=datetime(2026, 12, 1, 19, 0, tzinfo=UTC), tz="Europe/Amsterdam",
                        dashboard_url="https://koers.example/")
    assert email.subject == "Anna (K-101) heeft de herinneringen gepauzeerd"
    assert "dinsdag 1 december om 20:00" in email.text


def digest_lines(n_open=1):
    at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

    def line(client_id, name, *kinds, new=False, **evidence):
        items = tuple(flags.DigestItem(i, kind, at, "open", evidence, new) for i, kind in enumerate(kinds))
        return flags.DigestLine(1, client_id, name, items)

    return [
        line("K-101", "Anna", "contact_request", new=True),
        line("K-102", "Bo", "dominant_shift", "reliable_deterioration", new=True, **{
            "from": "physiological", "to": "identity", "dynamic": "identity", "change_points": 18.2}),
        *[line(f"K-2{i:02d}", None, "missed_checkins", missed=[at.isoformat(), at.isoformat()])
          for i in range(n_open)],
    ]


def test_the_digest_gives_one_line_per_client_new_first():
    email = mail.digest(lang="en", coach_name="Ada", day=date(2026, 12, 4), clients=12, lines=digest_lines(),
                        tz="Europe/Amsterdam", dashboard_url="https://koers.example/")
    assert email.subject == "Koers: your overview of Friday 4 December"
    text = email.text
    assert text.index("NEW SINCE THE LAST OVERVIEW (2)") < text.index("- Anna (K-101): Asks for contact, 30 Nov 2026")
    assert ("- Bo (K-102): Dominant dynamic shifted: Body / energy → Identity, 30 Nov 2026; "
            "Reliable deterioration: Identity +18, 30 Nov 2026") in text
    assert text.index("STILL OPEN (1)") < text.index("- K-200: Missed check-ins: no check-in since 30 Nov 2026")
    assert "<li>Anna (K-101): Asks for contact, 30 Nov 2026</li>" in email.html


def test_the_digest_keeps_long_lists_short_and_says_when_nothing_is_open():
    email = mail.digest(lang="nl", coach_name="Ada", day=date(2026, 12, 4), clients=80,
                        lines=digest_lines(n_open=30), tz="Europe/Amsterdam", dashboard_url="https://k.example/")
    assert email.text.count("- K-2") == mail.DIGEST_LINES_PER_SECTION
    assert "... en nog 5" in email.text and "NOG OPEN (30)" in email.text
    quiet = mail.digest(lang="nl", coach_name="Ada", day=date(2026, 12, 4), clients=3, lines=[],
                        tz="Europe/Amsterdam", dashboard_url="https://k.example/")
    assert "Er staan geen signalen open in je caseload (cliënten: 3)." in quiet.text


def test_the_digest_carries_no_scores_or_notes():
    email = mail.digest(lang="en", coach_name="Ada", day=date(2026, 12, 4), clients=4, lines=digest_lines(),
                        tz="Europe/Amsterdam", dashboard_url="https://koers.example/")
    assert not re.search(r"\b\d{2,3}(\.\d)?\s*(points|/100)", email.text)  # a change (+18), never a level
    assert "Trends, details and clients' notes are only in Koers" in email.text
