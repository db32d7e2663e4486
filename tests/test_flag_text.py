"""Every flag kind in Dutch and English: plain words first, the statistics apart, why a flag retired;
and the database writes the same plain words as Python."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from tracking import flag_text
from tracking.detection import RETIRE_REASONS
from tracking.i18n import placeholders
from tracking.models import FLAG_KINDS

SHIFT = {"rule": "dominant_shift.v1", "from": "physiological", "to": "identity", "runner_up": "context",
         "levels": {"context": 30.2, "relational": 28.0, "physiological": 41.4, "identity": 62.0},
         "lead_points": 20.6, "margin_points": 4.0, "difference_now_points": 20.6,
         "difference_long_run_points": -12.5, "swing_points": 33.1, "shift_points": 13.5}
WORSE = {"rule": "reliable_change.deterioration.v2", "dynamic": "physiological", "recent": 42.3, "baseline": 25.0,
         "change_points": 17.3, "recent_checkins": 8, "baseline_checkins": 8, "z": 3.9, "z_threshold": 3.6,
         "se_points": 4.4, "noise_points": 7.1, "rci": 2.1, "rci_threshold": 1.96, "alpha": 0.91,
         "reliability_source": "estimated"}
BETTER = {**WORSE, "rule": "reliable_change.improvement.v2", "dynamic": "context", "recent": 31.5, "baseline": 58.0,
          "change_points": -26.5, "z": -5.2}
MISMATCH = {"rule": "focus_mismatch", "focus": "context", "dominant": "relational",
            "since": "2026-10-06T07:30:00+00:00"}
MISSED = {"rule": "missed_checkins", "missed": ["2026-11-02T08:00:00+00:00", "2026-11-09T08:00:00+00:00"]}
CONTACT = {"rule": "contact_request"}
NOT_ON_TRACK = {"rule": "not_on_track.v1", "dynamic": "physiological", "role": "dominant", "observed": 87.5,
                "score": 87.5, "expected": 66.2, "band_lower": 56.7, "band_upper": 75.7, "well_above": 87.8,
                "zone": "above", "checkins_above": 2, "amber_from_weeks": 7.0, "started_at": 87.5,
                "expected_improvement": 21.3, "observed_improvement": 0.0, "clock": "coaching", "weeks_on_clock": 8.0,
                "weeks_since_start": 8.0, "dominant": "physiological", "focus": None, "weeks_since_focus": None,
                "focus_weeks": 4.0, "focus_not_improving": 0, "curve_half_weeks": 10.0, "curve_pace_spread": 0.6,
                "curve_source": "default", "checkin_noise": 8.0, "band_z": 1.1, "well_above_z": 2.5}
FOCUS_NOT_IMPROVING = {**NOT_ON_TRACK, "rule": "not_on_track.focus_not_improving.v1", "role": "dominant_and_focus",
                       "focus": "physiological", "weeks_since_focus": 9.0, "focus_not_improving": 1,
                       "clock": "focus", "curve_source": "estimated"}
# A dynamic that started low and rose (it became the dominant later): not "not recovering" but "risen".
RISEN = {**NOT_ON_TRACK, "observed": 62.0, "score": 64.0, "expected": 27.1, "started_at": 30.2,
         "expected_improvement": 3.1, "observed_improvement": -31.8, "weeks_on_clock": 22.0}
FOCUS_RISEN = {**FOCUS_NOT_IMPROVING, "observed": 62.0, "started_at": 30.2, "expected": 27.1}
EVIDENCE = {"dominant_shift": SHIFT, "reliable_deterioration": WORSE, "reliable_improvement": BETTER,
            "focus_mismatch": MISMATCH, "missed_checkins": MISSED, "contact_request": CONTACT,
            "not_on_track": NOT_ON_TRACK}

EXPECTED = {
    ("dominant_shift", "nl"): "Identiteit heeft het overgenomen van Lichaam / energie als dominante dynamiek — nu 62 "
                              "tegen 41",
    ("dominant_shift", "en"): "Identity has taken over from Body / energy as the dominant dynamic — now 62 against 41",
    ("reliable_deterioration", "nl"): "Lichaam / energie: duidelijk meer belasting dan bij de start — 42 nu, 25 toen",
    ("reliable_deterioration", "en"): "Body / energy: clearly more strain than at the start — 42 now, 25 then",
    ("reliable_improvement", "nl"): "Context: duidelijk minder belasting dan bij de start — 32 nu, 58 toen",
    ("reliable_improvement", "en"): "Context: clearly less strain than at the start — 32 now, 58 then",
    ("focus_mismatch", "nl"): "De focus ligt op Context, maar Relationele patronen is dominant sinds 6 okt 2026",
    ("focus_mismatch", "en"): "The focus is on Context, but Relational patterns has been dominant since 6 Oct 2026",
    ("missed_checkins", "nl"): "Geen check-in in de weken van 2 nov 2026 en 9 nov 2026",
    ("missed_checkins", "en"): "No check-in in the weeks of 2 Nov 2026 and 9 Nov 2026",
    ("contact_request", "nl"): "Wil contact vóór de volgende afspraak",
    ("contact_request", "en"): "Asks for contact before the next appointment",
    ("not_on_track", "nl"): "Lichaam / energie herstelt niet zoals verwacht — nu 88, waar na 8 weken rond 66 werd "
                            "verwacht",
    ("not_on_track", "en"): "Body / energy is not recovering as expected — 88 now, where about 66 was expected after 8 "
                            "weeks",
}


def test_every_text_has_both_languages_with_the_same_placeholders():
    for key, entry in flag_text.TEXTS.items():
        assert set(entry) == {"nl", "en"}, key
        assert placeholders(entry["nl"]) == placeholders(entry["en"]), key
        assert placeholders(entry["nl"]) <= set(flag_text.FIELDS) | {"note", "date", "kind", "what"}, key


@pytest.mark.parametrize("kind,lang", sorted(EXPECTED))
def test_every_flag_kind_reads_in_plain_words_in_both_languages(kind, lang):
    wording = flag_text.words(kind, EVIDENCE[kind], lang)
    assert wording.summary == EXPECTED[kind, lang]
    assert wording.title == {"nl": flag_text.t(f"flag.{kind}", "nl"), "en": flag_text.t(f"flag.{kind}", "en")}[lang]
    assert flag_text.next_step(kind, lang)


def test_every_kind_the_product_raises_is_worded():
    assert set(FLAG_KINDS) == {kind for kind, _lang in EXPECTED}


def test_the_statistics_are_apart_from_the_plain_words():
    dutch = flag_text.words("reliable_deterioration", WORSE, "nl").details
    assert dutch == ("Gemiddelde van de laatste 8 check-ins 42 tegen 25 voor de eerste 8: +17 punten, 3,9 keer de "
                     "standaardfout van 4,4 punten (drempel 3,6; eigen week-tot-weekvariatie 7,1 punten). RCI van de "
                     "laatste score 2,1 (Jacobson & Truax, drempel 1,96); betrouwbaarheid alfa 0,91 (geschat uit de "
                     "gegevens).")
    english = flag_text.words("dominant_shift", SHIFT, "en").details
    assert english == ("Recent level 20.6 points above Context (at least 4.0 needed). The difference between Identity "
                       "and Body / energy is now 20.6, usually -12.5: a swing of 33.1 points (at least 13.5 needed).")
    for kind in ("focus_mismatch", "missed_checkins", "contact_request"):
        assert flag_text.words(kind, EVIDENCE[kind], "nl").details == ""


def test_not_on_track_keeps_its_statistics_apart_in_both_languages():
    assert flag_text.words("not_on_track", NOT_ON_TRACK, "nl").details == (
        "Begon op 88; verwachte verbetering 21 punten, werkelijk 0. Band van een cliënt die herstelt zoals verwacht: "
        "57 tot 76 (ruim erboven vanaf 88); 2 check-ins op rij erboven. Curve: de helft van de belasting boven het "
        "herstelde niveau is weg na 10,0 weken (standaardcurve); week-tot-weekvariatie 8,0 punten.")
    assert flag_text.words("not_on_track", FOCUS_NOT_IMPROVING, "en").details == (
        "Started at 88; expected improvement 21 points, observed 0. Band of a client recovering as expected: 57 to 76 "
        "(well above from 88); 2 check-ins in a row above it. Curve: half of the strain above the recovered level is "
        "gone after 10.0 weeks (estimated from the practice's clients); week-to-week variation 8.0 points.")


@pytest.mark.parametrize("lang,expected", [
    ("nl", "Lichaam / energie verbetert niet zoals verwacht, terwijl de focus er al 9 weken op ligt — nu 88, rond 66 "
           "verwacht. Kijk bij de focus of dit de juiste ingang is"),
    ("en", "Body / energy is not improving as expected although the focus has been on it for 9 weeks — 88 now, about "
           "66 expected. Look at the focus section and ask whether this is the right entrance"),
])
def test_a_focus_that_does_not_bring_the_expected_improvement_says_so_and_points_to_the_focus(lang, expected):
    wording = flag_text.words("not_on_track", FOCUS_NOT_IMPROVING, lang)
    assert wording.summary == expected
    assert wording.title == {"nl": "Niet op koers", "en": "Not on track"}[lang]
    assert flag_text.next_step("not_on_track", lang) == {
        "nl": "Kijk bij de focus: is dit de juiste ingang voor deze cliënt?",
        "en": "Look at the focus section: is this the right entrance for this client?"}[lang]


@pytest.mark.parametrize("lang,expected", [
    ("nl", "Lichaam / energie is gestegen sinds de start, terwijl herstel werd verwacht — nu 62, 30 bij de start"),
    ("en", "Body / energy has risen since the start, where recovery was expected — 62 now, 30 at the start"),
])
def test_a_dynamic_that_rose_since_the_start_says_it_has_risen(lang, expected):
    assert flag_text.words("not_on_track", RISEN, lang).summary == expected


@pytest.mark.parametrize("lang,expected", [
    ("nl", "Lichaam / energie is gestegen sinds de start, terwijl de focus er al 9 weken op ligt — nu 62, 30 bij de "
           "start. Kijk bij de focus of dit de juiste ingang is"),
    ("en", "Body / energy has risen since the start although the focus has been on it for 9 weeks — 62 now, 30 at "
           "the start. Look at the focus section and ask whether this is the right entrance"),
])
def test_a_focused_dynamic_that_rose_since_the_start_says_it_has_risen_and_points_to_the_focus(lang, expected):
    assert flag_text.words("not_on_track", FOCUS_RISEN, lang).summary == expected


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_level_that_reads_the_same_as_at_the_start_is_not_called_risen(lang):
    same = flag_text.words("not_on_track", {**NOT_ON_TRACK, "observed": 62.4, "started_at": 61.6}, lang).summary
    assert same == EXPECTED[("not_on_track", lang)].replace("88", "62")
    assert flag_text.short("not_on_track", RISEN, lang) == flag_text.short("not_on_track", NOT_ON_TRACK, lang)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_rise_within_the_noise_of_one_check_in_is_not_called_risen(lang):
    within = {**NOT_ON_TRACK, "observed": 51.0, "started_at": 47.0, "checkin_noise": 5.4}
    beyond = {**within, "observed": 53.0}
    assert not flag_text.risen("not_on_track", within)
    assert "51" in flag_text.words("not_on_track", within, lang).summary
    assert flag_text.words("not_on_track", within, lang).summary.startswith(
        EXPECTED[("not_on_track", lang)].split(" — ")[0])
    assert flag_text.risen("not_on_track", beyond)
    assert {"nl": "gestegen", "en": "risen"}[lang] in flag_text.words("not_on_track", beyond, lang).summary


def test_the_caseload_reads_not_on_track_with_the_dynamic():
    moment = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert flag_text.attention("not_on_track", NOT_ON_TRACK, moment, "en", today=date(2026, 3, 10)) == (
        "Not on track: Body / energy, 2 Mar")
    assert flag_text.attention("not_on_track", NOT_ON_TRACK, moment, "nl", today=date(2026, 3, 10)) == (
        "Niet op koers: Lichaam / energie, 2 mrt")
    assert flag_text.attention("not_on_track", FOCUS_NOT_IMPROVING, moment, "nl", today=date(2026, 3, 10)) == (
        "Niet op koers: Lichaam / energie, 9 weken in focus, 2 mrt")
    assert flag_text.attention("not_on_track", FOCUS_NOT_IMPROVING, moment, "en", today=date(2027, 1, 1)) == (
        "Not on track: Body / energy, in focus for 9 weeks, 2 Mar 2026")


@pytest.mark.parametrize("reason", ["back_in_band", "not_elevated", "no_longer_followed", "focus_changed"])
def test_every_reason_a_not_on_track_flag_retires_reads_in_both_languages(reason):
    moment = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    dutch = flag_text.words("not_on_track", NOT_ON_TRACK, "nl", retired_reason=reason, retired_at=moment)
    english = flag_text.words("not_on_track", NOT_ON_TRACK, "en", retired_reason=reason, retired_at=moment)
    assert "30 mrt 2026" in dutch.retired and "30 Mar 2026" in english.retired


@pytest.mark.parametrize("reason", RETIRE_REASONS)
def test_every_reason_to_retire_reads_in_both_languages(reason):
    moment = datetime(2026, 10, 6, 7, 30, tzinfo=UTC)
    dutch = flag_text.words("dominant_shift", SHIFT, "nl", retired_reason=reason, retired_at=moment)
    english = flag_text.words("dominant_shift", SHIFT, "en", retired_reason=reason, retired_at=moment)
    assert "6 okt 2026" in dutch.retired and "6 Oct 2026" in english.retired
    assert dutch.text() == f"{dutch.summary}. {dutch.retired}."


def test_a_contact_request_shows_the_first_words_of_the_note_as_plain_text():
    note = "<b>Slecht</b> geslapen,   veel gedoe op het werk en ik weet echt niet meer hoe ik dit moet aanpakken"
    wording = flag_text.words("contact_request", CONTACT, "nl", note=note)
    assert wording.summary == ("Wil contact vóór de volgende afspraak: “<b>Slecht</b> geslapen, veel gedoe op het werk "
                               "en ik weet echt niet …”")


def test_numbers_dates_and_a_shorter_line_follow_the_reader():
    assert flag_text.number(42.46, "nl", 1) == "42,5" and flag_text.number(42.46, "en", 1) == "42.5"
    assert flag_text.number(-0.2, "en") == "0" and flag_text.signed(18.4, "nl") == "+18"
    assert flag_text.signed(-3.6, "en") == "-4" and flag_text.signed(None, "en") == "?"
    moment = datetime(2026, 10, 5, 23, 30, tzinfo=UTC)
    assert flag_text.attention("dominant_shift", SHIFT, moment, "nl", tz="Europe/Amsterdam",
                               today=date(2026, 11, 30)) == (
        "Verschuiving dominante dynamiek: Lichaam / energie → Identiteit, 6 okt")
    assert flag_text.attention("reliable_deterioration", WORSE, moment, "en", today=date(2027, 1, 2)) == (
        "Reliable deterioration: Body / energy +17, 5 Oct 2026")
    assert flag_text.attention("missed_checkins", MISSED, moment, "nl") == (
        "Check-ins gemist: geen check-in sinds 2 nov 2026")
    assert flag_text.status_name("retired", "nl") == "Niet meer actueel"


def test_evidence_of_the_earlier_reliable_change_rule_still_reads():
    earlier = {"rule": "reliable_change.deterioration.v1", "dynamic": "identity", "score": 61.0, "baseline": 40.0,
               "change_points": 21.0, "rci": 2.4}
    wording = flag_text.words("reliable_deterioration", earlier, "en")
    assert wording.summary == "Identity: clearly more strain than at the start — 61 now, 40 then"
    assert wording.details == ""


EDGES = [
    ("dominant_shift", {**SHIFT, "levels": {**SHIFT["levels"], "identity": 62.5, "physiological": 41.5}}),
    ("reliable_deterioration", {**WORSE, "recent": 0.4, "baseline": -0.2, "change_points": 0.5}),
    ("reliable_improvement", {**BETTER, "recent": None}),
    ("focus_mismatch", {**MISMATCH, "since": "2026-03-29T00:30:00+00:00"}),
    ("missed_checkins", {"rule": "missed_checkins", "missed": ["2026-12-31T23:30:00+00:00", None]}),
    ("dominant_shift", {"rule": "dominant_shift.v1", "from": "nonsense", "to": "identity"}),
    ("not_on_track", FOCUS_NOT_IMPROVING),
    ("not_on_track", {**NOT_ON_TRACK, "observed": None, "weeks_on_clock": 12.5}),
    ("not_on_track", RISEN),
    ("not_on_track", FOCUS_RISEN),
    ("not_on_track", {**RISEN, "started_at": None}),
    ("not_on_track", {**RISEN, "observed": 62.4, "started_at": 61.6}),
    ("not_on_track", {**RISEN, "observed": 30.5, "started_at": 29.5}),
    ("not_on_track", {**RISEN, "observed": 31.5, "started_at": 30.5}),
    ("not_on_track", {**RISEN, "observed": 51.0, "started_at": 47.0, "checkin_noise": 5.4}),
    ("not_on_track", {**RISEN, "observed": 53.0, "started_at": 47.0, "checkin_noise": 5.4}),
    ("not_on_track", {**RISEN, "observed": 51.0, "started_at": 47.0, "checkin_noise": None}),
    *EVIDENCE.items(),
]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("tz", [None, "Europe/Amsterdam"])
def test_the_database_writes_the_same_plain_words_as_python(store, lang, tz):
    with store.write() as con:
        con.execute("CREATE TEMP TABLE f (n INTEGER, kind VARCHAR, evidence JSON)")
        con.executemany("INSERT INTO f VALUES (?, ?, ?::JSON)",
                        [[n, kind, json.dumps(evidence)] for n, (kind, evidence) in enumerate(EDGES)])
        values = flag_text.summary_values_sql("evidence", con.dialect)
        written = [row[0] for row in con.execute(
            f"SELECT {flag_text.summary_sql('kind', 'v', lang, tz, con.dialect)} "
            f"FROM (SELECT n, kind, {values} AS v FROM f) AS w ORDER BY n").fetchall()]
    assert written == [flag_text.words(kind, evidence, lang, tz=tz).summary for kind, evidence in EDGES]
