"""dashboard/attention.py: what the caseload and the client page say needs attention, and each flag's
next step; a kind this version does not know yet (a newer detection) falls back gracefully."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dashboard import attention
from tracking.store.caseload import AttentionItem

AT = datetime(2026, 10, 6, 9, 0, tzinfo=UTC)


def item(kind: str, status: str = "open", day: int = 6, flag_id: int = 1, **evidence) -> AttentionItem:
    return AttentionItem(flag_id, kind, status, AT.replace(day=day), evidence.get("from"), evidence.get("to"),
                         evidence.get("dynamic"), evidence, None)


SHIFT = item("dominant_shift", flag_id=1, **{"from": "physiological", "to": "identity"})
WORSE = item("reliable_deterioration", flag_id=2, day=7, dynamic="physiological", change_points=18.2)
MISSED = item("missed_checkins", flag_id=3, day=8, missed=["2026-09-28T07:00:00+00:00", "2026-10-05T07:00:00+00:00"])


@pytest.mark.parametrize(("lang", "expected"), [
    ("nl", "Verschuiving dominante dynamiek: Lichaam / energie → Identiteit, 6 okt · Betrouwbare verslechtering: "
           "Lichaam / energie +18, 7 okt · en nog 1"),
    ("en", "Dominant dynamic shifted: Body / energy → Identity, 6 Oct · Reliable deterioration: Body / energy +18, "
           "7 Oct · and 1 more"),
])
def test_the_why_names_the_two_most_urgent_findings_and_counts_the_rest(lang, expected):
    assert attention.why([MISSED, WORSE, SHIFT], lang, "Europe/Amsterdam", date(2026, 11, 1)) == expected


def test_acknowledged_findings_come_after_open_ones_and_say_so():
    seen = item("dominant_shift", "acknowledged", flag_id=4, **{"from": "context", "to": "identity"})
    assert attention.why([seen, MISSED], "en", None, date(2026, 11, 1)).split(" · ")[1].startswith(
        "Seen: Dominant dynamic shifted: Context → Identity")


@pytest.mark.parametrize(("kind", "step"), [
    ("dominant_shift", "focus"), ("focus_mismatch", "focus"), ("not_on_track", "focus"),
    ("reliable_deterioration", "contact"), ("contact_request", "contact"), ("missed_checkins", "link"),
    ("a_kind_from_a_later_version", "focus"),
])
def test_every_kind_has_a_next_step(kind, step):
    assert attention.next_step(kind) == step
    for lang in ("nl", "en"):
        assert attention.next_step_words(kind, lang)


def test_a_kind_without_its_own_words_gets_the_steps_words():
    assert attention.next_step_words("a_kind_from_a_later_version", "nl") == (
        "Bekijk de focus: past die nog bij hoe het nu gaat?")


def test_not_on_track_and_unknown_kinds_rank_with_a_deterioration():
    flags = [{"id": 1, "kind": "missed_checkins", "at": "2026-10-08T09:00:00+00:00"},
             {"id": 2, "kind": "not_on_track", "at": "2026-10-01T09:00:00+00:00"},
             {"id": 3, "kind": "dominant_shift", "at": "2026-09-01T09:00:00+00:00"}]
    assert [f["kind"] for f in attention.by_urgency(flags)] == ["dominant_shift", "not_on_track", "missed_checkins"]
