"""How a flag reads, in Dutch and English: the one place where a flag's evidence becomes words.

A flag stores numbers and the id of the rule that raised it (see `tracking.detection`). Every front
end (the client page, the caseload, the weekly digest, `koers flags`) words it here, so they say the
same thing: plain words first ("Lichaam / energie: duidelijk meer belasting dan bij de start — 42
nu, 25 toen"), the statistics (RCI, thresholds, swing) apart as details, and, for a flag the data
retired, since when and why. Dynamic and kind names come from `tracking.i18n`. Pure: no storage,
clock or environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from string import Formatter
from typing import Any
from zoneinfo import ZoneInfo

from tracking.i18n import formats, t
from tracking.instrument import DYNAMICS

LANGS = ("nl", "en")
NOTE_WORDS = 12

TEXTS: dict[str, dict[str, str]] = {
    # Plain words: what happened, with the numbers a coach needs to relate it to the chart.
    "dominant_shift": {
        "nl": "{to_name} heeft het overgenomen van {from_name} als dominante dynamiek — nu {to_level} tegen "
              "{from_level}",
        "en": "{to_name} has taken over from {from_name} as the dominant dynamic — now {to_level} against "
              "{from_level}",
    },
    "dominant_shift.short": {"nl": "{from_name} → {to_name}", "en": "{from_name} → {to_name}"},
    "reliable_deterioration": {
        "nl": "{dynamic_name}: duidelijk meer belasting dan bij de start — {recent} nu, {baseline} toen",
        "en": "{dynamic_name}: clearly more strain than at the start — {recent} now, {baseline} then",
    },
    "reliable_deterioration.short": {"nl": "{dynamic_name} {change}", "en": "{dynamic_name} {change}"},
    "reliable_improvement": {
        "nl": "{dynamic_name}: duidelijk minder belasting dan bij de start — {recent} nu, {baseline} toen",
        "en": "{dynamic_name}: clearly less strain than at the start — {recent} now, {baseline} then",
    },
    "reliable_improvement.short": {"nl": "{dynamic_name} {change}", "en": "{dynamic_name} {change}"},
    "focus_mismatch": {
        "nl": "De focus ligt op {focus_name}, maar {dominant_name} is dominant sinds {since}",
        "en": "The focus is on {focus_name}, but {dominant_name} has been dominant since {since}",
    },
    "focus_mismatch.short": {"nl": "focus {focus_name}, dominant {dominant_name}",
                             "en": "focus {focus_name}, dominant {dominant_name}"},
    "missed_checkins": {
        "nl": "Geen check-in in de weken van {first} en {second}",
        "en": "No check-in in the weeks of {first} and {second}",
    },
    "missed_checkins.short": {"nl": "geen check-in sinds {first}", "en": "no check-in since {first}"},
    "contact_request": {
        "nl": "Wil contact vóór de volgende afspraak",
        "en": "Asks for contact before the next appointment",
    },
    "contact_request.note": {
        "nl": "Wil contact vóór de volgende afspraak: “{note}”",
        "en": "Asks for contact before the next appointment: “{note}”",
    },
    "contact_request.short": {"nl": "“{note}”", "en": "“{note}”"},
    "not_on_track": {
        "nl": "{dynamic_name} herstelt niet zoals verwacht — nu {observed}, waar na {weeks_on_clock} weken rond "
              "{expected} werd verwacht",
        "en": "{dynamic_name} is not recovering as expected — {observed} now, where about {expected} was expected "
              "after {weeks_on_clock} weeks",
    },
    # The focus has been on the dynamic for a while: the signal to look at the focus.
    "not_on_track.focus": {
        "nl": "{dynamic_name} verbetert niet zoals verwacht, terwijl de focus er al {weeks_since_focus} weken op "
              "ligt — nu {observed}, rond {expected} verwacht. Kijk bij de focus of dit de juiste ingang is",
        "en": "{dynamic_name} is not improving as expected although the focus has been on it for "
              "{weeks_since_focus} weeks — {observed} now, about {expected} expected. Look at the focus section and "
              "ask whether this is the right entrance",
    },
    # The dynamic is higher now than where its expected path started (it rose after the start, often as a
    # new dominant): "not recovering" would hide that it got worse.
    "not_on_track.risen": {
        "nl": "{dynamic_name} is gestegen sinds de start, terwijl herstel werd verwacht — nu {observed}, {started_at} "
              "bij de start",
        "en": "{dynamic_name} has risen since the start, where recovery was expected — {observed} now, {started_at} at "
              "the start",
    },
    "not_on_track.focus.risen": {
        "nl": "{dynamic_name} is gestegen sinds de start, terwijl de focus er al {weeks_since_focus} weken op ligt "
              "— nu {observed}, {started_at} bij de start. Kijk bij de focus of dit de juiste ingang is",
        "en": "{dynamic_name} has risen since the start although the focus has been on it for {weeks_since_focus} "
              "weeks — {observed} now, {started_at} at the start. Look at the focus section and ask whether this is "
              "the right entrance",
    },
    "not_on_track.short": {"nl": "{dynamic_name}", "en": "{dynamic_name}"},
    "not_on_track.focus.short": {"nl": "{dynamic_name}, {weeks_since_focus} weken in focus",
                                 "en": "{dynamic_name}, in focus for {weeks_since_focus} weeks"},
    # One line of a caseload or digest: the kind, a few words, the date.
    "attention": {"nl": "{kind}: {what}, {date}", "en": "{kind}: {what}, {date}"},
    "attention.bare": {"nl": "{kind}, {date}", "en": "{kind}, {date}"},
    "attention.undated": {"nl": "{kind}: {what}", "en": "{kind}: {what}"},
    # Details: the statistics behind the words, for a coach who wants to check them.
    "details.dominant_shift": {
        "nl": "Recent niveau {lead} punten boven {runner_up_name} (minstens {margin} nodig). Het verschil tussen "
              "{to_name} en {from_name} is nu {now_difference}, gewoonlijk {usual_difference}: een verschuiving van "
              "{swing} punten (minstens {shift} nodig).",
        "en": "Recent level {lead} points above {runner_up_name} (at least {margin} needed). The difference between "
              "{to_name} and {from_name} is now {now_difference}, usually {usual_difference}: a swing of {swing} "
              "points (at least {shift} needed).",
    },
    "details.reliable_change": {
        "nl": "Gemiddelde van de laatste {recent_checkins} check-ins {recent} tegen {baseline} voor de eerste "
              "{baseline_checkins}: {change} punten, {z} keer de standaardfout van {se} punten (drempel "
              "{z_threshold}; eigen week-tot-weekvariatie {noise} punten). RCI van de laatste score {rci} "
              "(Jacobson & Truax, drempel {rci_threshold}); betrouwbaarheid alfa {alpha} ({source}).",
        "en": "Mean of the last {recent_checkins} check-ins {recent} against {baseline} for the first "
              "{baseline_checkins}: {change} points, {z} times the standard error of {se} points (threshold "
              "{z_threshold}; own week-to-week variation {noise} points). RCI of the latest score {rci} "
              "(Jacobson & Truax, threshold {rci_threshold}); reliability alpha {alpha} ({source}).",
    },
    "details.not_on_track": {
        "nl": "Begon op {started_at}; verwachte verbetering {expected_improvement} punten, werkelijk "
              "{observed_improvement}. Band van een cliënt die herstelt zoals verwacht: {band_lower} tot "
              "{band_upper} (ruim erboven vanaf {well_above}); {checkins_above} check-ins op rij erboven. Curve: "
              "de helft van de belasting boven het herstelde niveau is weg na {curve_half_weeks} weken "
              "({curve_source}); week-tot-weekvariatie {checkin_noise} punten.",
        "en": "Started at {started_at}; expected improvement {expected_improvement} points, observed "
              "{observed_improvement}. Band of a client recovering as expected: {band_lower} to {band_upper} (well "
              "above from {well_above}); {checkins_above} check-ins in a row above it. Curve: half of the strain "
              "above the recovered level is gone after {curve_half_weeks} weeks ({curve_source}); week-to-week "
              "variation {checkin_noise} points.",
    },
    "curve.default": {"nl": "standaardcurve", "en": "default curve"},
    "curve.estimated": {"nl": "geschat uit de eigen cliënten", "en": "estimated from the practice's clients"},
    "curve.default (implausible estimate)": {"nl": "standaardcurve; de schatting was niet aannemelijk",
                                             "en": "default curve; the estimate was implausible"},
    "source.estimated": {"nl": "geschat uit de gegevens", "en": "estimated from the data"},
    "source.partly estimated": {"nl": "deels geschat", "en": "partly estimated"},
    "source.fallback": {"nl": "standaardwaarde", "en": "default value"},
    # Why a flag no longer describes the client.
    "retired.superseded": {"nl": "Vervangen door een latere verschuiving op {date}",
                           "en": "Superseded by a later shift on {date}"},
    "retired.back_within_noise": {"nl": "Sinds {date} weer binnen de ruis van de start",
                                  "en": "Back within noise of the start since {date}"},
    "retired.focus_matches": {"nl": "Op {date} is de focus op de dominante dynamiek gezet",
                              "en": "The focus was set to the dominant dynamic on {date}"},
    "retired.dominant_matches": {"nl": "Sinds {date} past de dominante dynamiek bij de focus",
                                 "en": "The dominant dynamic has matched the focus since {date}"},
    "retired.focus_changed": {"nl": "Op {date} is de focus gewijzigd", "en": "The focus was changed on {date}"},
    "retired.dominant_changed": {"nl": "Op {date} is de dominante dynamiek veranderd",
                                 "en": "The dominant dynamic changed on {date}"},
    "retired.focus_cleared": {"nl": "Op {date} is de focus losgelaten", "en": "The focus was cleared on {date}"},
    "retired.checked_in": {"nl": "Weer ingecheckt op {date}", "en": "Checked in again on {date}"},
    "retired.back_in_band": {"nl": "Sinds {date} weer binnen de verwachte band",
                             "en": "Back inside the expected band since {date}"},
    "retired.not_elevated": {"nl": "Sinds {date} niet meer verhoogd", "en": "No longer elevated since {date}"},
    "retired.no_longer_followed": {"nl": "Sinds {date} niet meer de dominante dynamiek of de focus",
                                   "en": "Neither the dominant dynamic nor the focus since {date}"},
    # What a coach can do next.
    "next.dominant_shift": {"nl": "Bekijk de focus: past die nog bij de nieuwe dynamiek?",
                            "en": "Review the focus: does it still fit the new dynamic?"},
    "next.focus_mismatch": {"nl": "Pas de focus aan of leg vast waarom die blijft",
                            "en": "Adjust the focus, or note why it stays"},
    "next.reliable_deterioration": {"nl": "Plan contact met de cliënt", "en": "Plan contact with the client"},
    "next.reliable_improvement": {"nl": "Bespreek wat helpt", "en": "Talk about what helps"},
    "next.missed_checkins": {"nl": "Stuur een nieuwe check-in-link", "en": "Send a fresh check-in link"},
    "next.contact_request": {"nl": "Plan contact met de cliënt", "en": "Plan contact with the client"},
    "next.not_on_track": {"nl": "Kijk bij de focus: is dit de juiste ingang voor deze cliënt?",
                          "en": "Look at the focus section: is this the right entrance for this client?"},
}


@dataclass(frozen=True)
class Field:
    """A placeholder's value: the first evidence path that is present, written in a form.

    Paths use dots for nesting and `[i]` for list items; `@name` stands for the evidence's own `name`
    (`levels.@to` is the level of the dynamic in `to`). Forms: `dynamic` (its name), `n0`/`n1`/`n2`
    (a number with that many decimals), `signed` (a whole number with its sign), `day` (a date),
    `count` (a whole number as stored), `source` (where the reliability came from), `curve` (where the
    expected recovery curve came from)."""

    paths: tuple[str, ...]
    form: str


FIELDS: dict[str, Field] = {
    "from_name": Field(("from",), "dynamic"),
    "to_name": Field(("to",), "dynamic"),
    "from_level": Field(("levels.@from",), "n0"),
    "to_level": Field(("levels.@to",), "n0"),
    "runner_up_name": Field(("runner_up",), "dynamic"),
    "lead": Field(("lead_points",), "n1"),
    "margin": Field(("margin_points",), "n1"),
    "now_difference": Field(("difference_now_points",), "n1"),
    "usual_difference": Field(("difference_long_run_points",), "n1"),
    "swing": Field(("swing_points",), "n1"),
    "shift": Field(("shift_points",), "n1"),
    "dynamic_name": Field(("dynamic",), "dynamic"),
    "recent": Field(("recent", "score"), "n0"),
    "baseline": Field(("baseline",), "n0"),
    "change": Field(("change_points",), "signed"),
    "recent_checkins": Field(("recent_checkins", "checkins_in_a_row"), "count"),
    "baseline_checkins": Field(("baseline_checkins",), "count"),
    "z": Field(("z",), "n1"),
    "z_threshold": Field(("z_threshold",), "n1"),
    "se": Field(("se_points",), "n1"),
    "noise": Field(("noise_points",), "n1"),
    "rci": Field(("rci",), "n1"),
    "rci_threshold": Field(("rci_threshold",), "n2"),
    "alpha": Field(("alpha",), "n2"),
    "source": Field(("reliability_source",), "source"),
    "focus_name": Field(("focus",), "dynamic"),
    "dominant_name": Field(("dominant",), "dynamic"),
    "since": Field(("since",), "day"),
    "first": Field(("missed[0]",), "day"),
    "second": Field(("missed[1]",), "day"),
    "observed": Field(("observed",), "n0"),
    "expected": Field(("expected",), "n0"),
    "weeks_on_clock": Field(("weeks_on_clock",), "n0"),
    "weeks_since_focus": Field(("weeks_since_focus",), "n0"),
    "started_at": Field(("started_at",), "n0"),
    "expected_improvement": Field(("expected_improvement",), "n0"),
    "observed_improvement": Field(("observed_improvement",), "n0"),
    "band_lower": Field(("band_lower",), "n0"),
    "band_upper": Field(("band_upper",), "n0"),
    "well_above": Field(("well_above",), "n0"),
    "checkins_above": Field(("checkins_above",), "count"),
    "curve_half_weeks": Field(("curve_half_weeks",), "n1"),
    "curve_source": Field(("curve_source",), "curve"),
    "checkin_noise": Field(("checkin_noise",), "n1"),
}
DETAILS = {"dominant_shift": "details.dominant_shift", "reliable_deterioration": "details.reliable_change",
           "reliable_improvement": "details.reliable_change", "not_on_track": "details.not_on_track"}
SOURCES = ("estimated", "partly estimated", "fallback")
CURVE_SOURCES = ("default", "estimated", "default (implausible estimate)")
# A kind worded differently by the rule that raised it: kind -> rule -> the key of its texts.
VARIANTS = {"not_on_track": {"not_on_track.focus_not_improving.v1": "not_on_track.focus"}}
# A kind whose plain words say so when a level is higher now than at the start by more than a check-in's
# noise: kind -> (now, start, noise) paths. The words then use the key with ".risen" added.
RISEN = {"not_on_track": ("observed", "started_at", "checkin_noise")}


def _key(kind: str, evidence: Mapping[str, Any]) -> str:
    """The key of a flag's texts: its kind, or the variant for the rule that raised it."""
    return VARIANTS.get(kind, {}).get(str(evidence.get("rule")), kind)


def _whole(value: Any) -> int | None:
    """A number as a whole number the reader sees (as `number` shows it), None when unknown."""
    return None if value is None else int(number(value, "en"))


def risen(kind: str, evidence: Mapping[str, Any]) -> bool:
    """Whether the flag's level is higher now than at the start, as the reader sees the two numbers, by more
    than the noise of one check-in (so a sentence never says "risen" over "62 now, 62 at the start", nor over
    "51 now, 47 at the start" when check-ins vary by 5 points from week to week)."""
    if kind not in RISEN:
        return False
    now_path, start_path, noise_path = RISEN[kind]
    now, start = _whole(_get(evidence, now_path)), _whole(_get(evidence, start_path))
    noise = _get(evidence, noise_path)
    margin = float(noise) if isinstance(noise, int | float) and not isinstance(noise, bool) else 0.0
    return now is not None and start is not None and now - start > margin


def _summary_key(kind: str, evidence: Mapping[str, Any]) -> str:
    key = _key(kind, evidence)
    return f"{key}.risen" if risen(kind, evidence) else key


@dataclass(frozen=True)
class Wording:
    """A flag in words: its kind, plain words, the statistics apart ("" when none), and why it retired."""

    title: str
    summary: str
    details: str
    retired: str | None = None

    def text(self) -> str:
        """Plain words, then (for a retired flag) why it is history."""
        return f"{self.summary}. {self.retired}." if self.retired else f"{self.summary}."


def text(key: str, lang: str, **values: Any) -> str:
    entry = TEXTS[key]
    template = entry.get(lang) or entry["nl"]
    return template.format(**values) if values else template


def _template(key: str, lang: str) -> str:
    entry = TEXTS[key]
    return entry.get(lang) or entry["nl"]


def number(value: Any, lang: str, decimals: int = 0) -> str:
    """A number as the reader writes it: 42,5 in Dutch, 42.5 in English; "?" when unknown."""
    if value is None:
        return "?"
    shown = f"{float(value):.{decimals}f}"
    if shown.startswith("-") and not shown.strip("-0.,"):
        shown = shown[1:]
    return shown.replace(".", formats.decimal_mark(lang))


def signed(value: Any, lang: str) -> str:
    """A change in points with its sign: +18 or -12."""
    shown = number(value, lang)
    return shown if value is None or shown.startswith("-") or shown == "0" else f"+{shown}"


def dynamic_name(dynamic: str | None, lang: str) -> str:
    return t(f"dynamic.{dynamic}", lang) if dynamic in DYNAMICS else "?"


def kind_name(kind: str, lang: str) -> str:
    return t(f"flag.{kind}", lang)


def status_name(status: str, lang: str) -> str:
    return t(f"status.{status}", lang)


def next_step(kind: str, lang: str) -> str:
    return text(f"next.{kind}", lang)


def day(moment: datetime | None, lang: str, tz: str | None = None, today: date | None = None) -> str:
    """A date as the reader writes it (6 okt 2026); without the year when it is this year's `today`."""
    if moment is None:
        return "?"
    local = moment.astimezone(ZoneInfo(tz)) if tz else moment
    if today is None or local.year != today.year:
        return formats.day(local, lang)
    return formats.day_month(local, lang)


def first_words(note: str | None, words: int = NOTE_WORDS) -> str:
    """The first words of a client's note, as plain text (never markup), with … when cut."""
    parts = (note or "").split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def _get(evidence: Mapping[str, Any], path: str) -> Any:
    value: Any = evidence
    for part in path.split("."):
        if part.startswith("@"):
            part = str(evidence.get(part[1:]))
        position = None
        if part.endswith("]"):
            part, _, index = part[:-1].partition("[")
            position = int(index)
        value = value.get(part) if isinstance(value, Mapping) else None
        if position is not None:
            value = value[position] if isinstance(value, list) and position < len(value) else None
    return value


def _form(field: Field, value: Any, lang: str, tz: str | None, today: date | None) -> str:
    if field.form == "dynamic":
        return dynamic_name(value, lang)
    if field.form in ("n0", "n1", "n2"):
        return number(value, lang, int(field.form[1]))
    if field.form == "signed":
        return signed(value, lang)
    if field.form == "day":
        return day(datetime.fromisoformat(value) if value else None, lang, tz, today)
    if field.form == "source":
        return text(f"source.{value}", lang) if value in SOURCES else "?"
    if field.form == "curve":
        return text(f"curve.{value}", lang) if value in CURVE_SOURCES else "?"
    return "?" if value is None else str(value)


def _values(key: str, evidence: Mapping[str, Any], lang: str, tz: str | None, today: date | None,
            ) -> dict[str, str]:
    names = placeholders(_template(key, lang))
    values = {}
    for name in names:
        field = FIELDS[name]
        value = next((found for path in field.paths if (found := _get(evidence, path)) is not None), None)
        values[name] = _form(field, value, lang, tz, today)
    return values


def words(kind: str, evidence: Mapping[str, Any], lang: str, *, tz: str | None = None,
          retired_reason: str | None = None, retired_at: datetime | None = None, note: str | None = None,
          today: date | None = None) -> Wording:
    """A flag in the reader's language: plain words, the statistics apart, and why it retired."""
    if kind == "contact_request" and note:
        summary = text("contact_request.note", lang, note=first_words(note))
    else:
        key = _summary_key(kind, evidence)
        summary = text(key, lang, **_values(key, evidence, lang, tz, today))
    details = ""
    if kind in DETAILS and (not kind.startswith("reliable_") or "z" in evidence):
        details = text(DETAILS[kind], lang, **_values(DETAILS[kind], evidence, lang, tz, today))
    retired = None
    if retired_reason and f"retired.{retired_reason}" in TEXTS:
        retired = text(f"retired.{retired_reason}", lang, date=day(retired_at, lang, tz, today))
    return Wording(kind_name(kind, lang), summary, details, retired)


def short(kind: str, evidence: Mapping[str, Any], lang: str, *, tz: str | None = None, note: str | None = None,
          today: date | None = None) -> str:
    """A few words for a list: `Lichaam / energie → Identiteit`, `Lichaam / energie +18`, the note's start."""
    if kind == "contact_request":
        return text("contact_request.short", lang, note=first_words(note)) if note else ""
    key = f"{_key(kind, evidence)}.short"
    return text(key, lang, **_values(key, evidence, lang, tz, today))


def attention(kind: str, evidence: Mapping[str, Any], at: datetime, lang: str, *, tz: str | None = None,
              note: str | None = None, today: date | None = None) -> str:
    """One line for the caseload or the digest: `Verschuiving dominante dynamiek: Lichaam / energie →
    Identiteit, 6 okt`; `Wil contact: “Slecht geslapen …”, 30 nov`."""
    what = short(kind, evidence, lang, tz=tz, note=note, today=today)
    when = day(at, lang, tz, today)
    if kind == "missed_checkins":  # its few words already say since when
        return text("attention.undated", lang, kind=kind_name(kind, lang), what=what)
    if what:
        return text("attention", lang, kind=kind_name(kind, lang), what=what, date=when)
    return text("attention.bare", lang, kind=kind_name(kind, lang), date=when)


# The same plain words written by the database for many flags at once (`koers flags`), from the same
# templates and fields; tests hold the two renderings equal. `dialect` is the store's ("duckdb" or
# "postgresql", see tracking/store/dialect.py): only the number format and the evidence's paths are
# spelled differently.

POSTGRESQL = "postgresql"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_number(value: str, lang: str, decimals: int, dialect: str) -> str:
    if dialect == POSTGRESQL:
        # to_char rounds a FLOAT8 as printf does; "-0" is told by its digits, as `number` does.
        mask = "FM999999999999990" + ("." + "0" * decimals if decimals else "")
        shown = f"to_char(({value})::FLOAT8, '{mask}')"
        unsigned = f"CASE WHEN ltrim({shown}, '-0.') = '' THEN ltrim({shown}, '-') ELSE {shown} END"
    else:
        shown = f"printf('%.{decimals}f', ({value})::DOUBLE)"
        unsigned = f"CASE WHEN round(({value})::DOUBLE, {decimals}) = 0 THEN ltrim({shown}, '-') ELSE {shown} END"
    return f"coalesce(replace({unsigned}, '.', {_sql_text(formats.decimal_mark(lang))}), '?')"


def _sql_form(field: Field, value: str, lang: str, tz: str | None, dialect: str) -> str:
    if field.form == "dynamic":
        cases = " ".join(f"WHEN {_sql_text(d)} THEN {_sql_text(dynamic_name(d, lang))}" for d in DYNAMICS)
        return f"CASE {value} {cases} ELSE '?' END"
    if field.form in ("n0", "n1", "n2"):
        return _sql_number(value, lang, int(field.form[1]), dialect)
    if field.form == "signed":
        shown = _sql_number(value, lang, 0, dialect)
        return f"CASE WHEN {shown} NOT IN ('0', '?') AND NOT starts_with({shown}, '-') THEN '+' || {shown} " \
               f"ELSE {shown} END"
    if field.form == "day":
        local = f"timezone({_sql_text(tz or 'UTC')}, ({value})::TIMESTAMPTZ)"
        months = "(ARRAY[" + ", ".join(_sql_text(m) for m in formats.month_abbreviations(lang)) + "])"
        return (f"coalesce(extract(day FROM {local})::INTEGER::VARCHAR || ' ' || "
                f"{months}[extract(month FROM {local})::INTEGER] || ' ' || "
                f"extract(year FROM {local})::INTEGER::VARCHAR, '?')")
    if field.form == "source":
        cases = " ".join(f"WHEN {_sql_text(s)} THEN {_sql_text(text(f'source.{s}', lang))}" for s in SOURCES)
        return f"CASE {value} {cases} ELSE '?' END"
    if field.form == "curve":
        cases = " ".join(f"WHEN {_sql_text(s)} THEN {_sql_text(text(f'curve.{s}', lang))}" for s in CURVE_SOURCES)
        return f"CASE {value} {cases} ELSE '?' END"
    return f"coalesce({value}, '?')"


SUMMARY_KINDS = ("dominant_shift", "reliable_deterioration", "reliable_improvement", "focus_mismatch",
                 "missed_checkins", "contact_request", "not_on_track")


def _summary_fields() -> list[Field]:
    keys = [*SUMMARY_KINDS, *(key for variants in VARIANTS.values() for key in variants.values())]
    keys += [f"{key}.risen" for key in keys if key.split(".")[0] in RISEN]
    return [FIELDS[name] for key in keys for lang in LANGS for name in sorted(placeholders(_template(key, lang)))]


def summary_paths() -> list[str]:
    """Every evidence path the plain words read, `@name` paths spelled out for each dynamic (and `name` itself);
    `rule` too, when a kind is worded by its rule."""
    paths: list[str] = ["rule"] if VARIANTS else []
    paths += [path for risen_paths in RISEN.values() for path in risen_paths if path not in paths]
    for field in _summary_fields():
        for path in field.paths:
            head, _, rest = path.partition("@")
            spelled = [path] if not rest else [rest, *(head + dynamic for dynamic in DYNAMICS)]
            paths += [spelled_path for spelled_path in spelled if spelled_path not in paths]
    return paths


def _postgresql_path(path: str) -> str:
    """`levels.context` or `missed[1]` as PostgreSQL's text path: `{levels,context}`, `{missed,1}`."""
    return "{" + ",".join(path.replace("[", ".").replace("]", "").split(".")) + "}"


def summary_values_sql(evidence: str, dialect: str = "duckdb") -> str:
    """A SQL expression reading every path of `summary_paths` from the evidence in one pass (a list)."""
    if dialect == POSTGRESQL:
        # The JSON text is parsed once (to jsonb), not once per path.
        values = ", ".join(f"j #>> {_sql_text(_postgresql_path(path))}" for path in summary_paths())
        return f"(SELECT ARRAY[{values}] FROM (SELECT ({evidence})::jsonb AS j) AS e)"
    return f"json_extract_string({evidence}, [" + ", ".join(_sql_text("$." + path) for path in summary_paths()) + "])"


def _sql_value(path: str, values: str, paths: list[str]) -> str:
    head, _, rest = path.partition("@")
    if not rest:
        return f"{values}[{paths.index(path) + 1}]"
    cases = " ".join(f"WHEN {_sql_text(d)} THEN {values}[{paths.index(head + d) + 1}]" for d in DYNAMICS)
    return f"CASE {values}[{paths.index(rest) + 1}] {cases} END"


def _sql_template(key: str, lang: str, values: str, tz: str | None, dialect: str) -> str:
    paths = summary_paths()
    parts = []
    for literal, name, _spec, _conversion in Formatter().parse(_template(key, lang)):
        if literal:
            parts.append(_sql_text(literal))
        if name:
            field = FIELDS[name]
            value = "coalesce(" + ", ".join(_sql_value(path, values, paths) for path in field.paths) + ")"
            parts.append(_sql_form(field, value, lang, tz, dialect))
    return "(" + " || ".join(parts or ["''"]) + ")"


def summary_sql(kind: str, values: str, lang: str, tz: str | None = None, dialect: str = "duckdb") -> str:
    """A SQL expression for the plain words of flags, equal to `words(...).summary` without a note: `kind`
    is the kind column, `values` the list that `summary_values_sql` read from the evidence."""
    cases = " ".join(f"WHEN {_sql_text(k)} THEN {_sql_kind(k, lang, values, tz, dialect)}" for k in SUMMARY_KINDS)
    return f"CASE {kind} {cases} END"


def _sql_kind(kind: str, lang: str, values: str, tz: str | None, dialect: str) -> str:
    """The plain words of one kind, by the rule that raised it where the kind has variants."""
    if kind not in VARIANTS:
        return _sql_risen(kind, kind, lang, values, tz, dialect)
    rule = _sql_value("rule", values, summary_paths())
    cases = " ".join(f"WHEN {_sql_text(r)} THEN {_sql_risen(kind, key, lang, values, tz, dialect)}"
                     for r, key in VARIANTS[kind].items())
    return f"CASE {rule} {cases} ELSE {_sql_risen(kind, kind, lang, values, tz, dialect)} END"


def _sql_whole(value: str, dialect: str) -> str:
    """A number rounded as the reader sees it (as `_whole`), NULL when absent."""
    if dialect == POSTGRESQL:
        return f"to_char(({value})::FLOAT8, 'FM999999999999990')::INTEGER"
    return f"printf('%.0f', ({value})::DOUBLE)::INTEGER"


def _sql_risen(kind: str, key: str, lang: str, values: str, tz: str | None, dialect: str) -> str:
    """The words of `key`, or of its ".risen" variant when the level is higher now than at the start by more
    than a check-in's noise (`risen`)."""
    if kind not in RISEN:
        return _sql_template(key, lang, values, tz, dialect)
    paths = summary_paths()
    now_path, start_path, noise_path = RISEN[kind]
    now, start = (_sql_whole(_sql_value(path, values, paths), dialect) for path in (now_path, start_path))
    noise = f"coalesce(({_sql_value(noise_path, values, paths)})::FLOAT8, 0)"  # FLOAT8 is DOUBLE on DuckDB
    return (f"CASE WHEN {now} - {start} > {noise} THEN {_sql_template(f'{key}.risen', lang, values, tz, dialect)} "
            f"ELSE {_sql_template(key, lang, values, tz, dialect)} END")


def placeholders(template: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in Formatter().parse(template) if name}
