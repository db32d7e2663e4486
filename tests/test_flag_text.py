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
EVIDENCE = {"dominant_shift": SHIFT, "reliable_deterioration": WORSE, "reliable_improvement": BETTER,
            "focus_mismatch": MISMATCH, "missed_checkins": MISSED, "contact_request": CONTACT}

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
