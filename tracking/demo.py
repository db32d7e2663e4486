"""Realistic demo data: two coaches and their caseloads, with check-ins that tell true stories.

Every client follows a scenario over 10-40 weeks: a stable dominant dynamic, a shift from one
dynamic to another, two dynamics too close to call, recovery, deterioration. Two show expected
recovery (docs/recovery.md) clearly: Hanna (M-213) recovers as expected, inside her band; Pieter
(K-114) stays where he started although the focus has been on his dominant from the start, so he
is not on track and the flag points to the focus. Answers are
generated per item from the scenario's latent strain with personal item biases, a weekly mood
that moves all items together, and noise, then rounded to the 0-10 slider, so the dashboard shows
what real data looks like. Pure: the same seed and `now` give the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from tracking.instrument import DYNAMICS, Instrument
from tracking.schedule import Schedule, latest_occurrence, occurrence_on, window_close

DEMO_PASSWORD = "koers-demo"
TIME_ZONE = "Europe/Amsterdam"
WINDOW_DAYS = 5
COACHES = (
    {"email": "anne@koers.example", "name": "Anne de Vries", "is_admin": True, "lang": "nl"},
    {"email": "marc@koers.example", "name": "Marc Jansen", "is_admin": False, "lang": "en"},
)
C, R, P, ID = DYNAMICS  # context, relational, physiological, identity

# (id, name, coach, lang, weeks, scenario, extras)
CLIENTS: tuple[tuple[Any, ...], ...] = (
    ("K-101", "Sanne", 0, "nl", 34, ("shift", C, R, 18), {"focus": C, "show_trend": True}),
    ("K-102", "Joris", 0, "nl", 28, ("stable", P), {"focus": P}),
    ("K-103", "Fatima", 0, "nl", 22, ("mixed", C, R), {}),
    ("K-104", "Bram", 0, "nl", 40, ("recovering", P), {"focus": P, "show_trend": True}),
    ("K-105", "Lotte", 0, "nl", 16, ("stable", ID), {"focus": ID}),
    ("K-106", "Mehmet", 0, "nl", 30, ("shift", P, ID, 20), {"focus": P}),
    ("K-107", "Eva", 0, "en", 12, ("stable", C), {}),
    ("K-108", "Daan", 0, "nl", 26, ("deteriorating", P), {"missed_weeks": 0.2}),
    ("K-109", "Noor", 0, "nl", 19, ("stable", R), {"focus": R, "contact_request": True}),
    ("K-110", "Thijs", 0, "nl", 36, ("double", C, P, ID, 12, 26), {"focus": ID}),
    ("K-111", "Anouk", 0, "nl", 14, ("improving", C), {}),
    ("K-112", "Ruben", 0, "nl", 24, ("stable", P), {"missed_weeks": 0.1, "missed_recently": True}),
    ("K-113", "Iris", 0, "nl", 10, ("mixed", P, ID), {}),
    ("M-201", "Youssef", 1, "en", 32, ("shift", R, C, 16), {"focus": R}),
    ("M-202", "Femke", 1, "nl", 25, ("stable", C), {"focus": C}),
    ("M-203", "Lars", 1, "en", 38, ("recovering", C), {"show_trend": True}),
    ("M-204", "Sophie", 1, "en", 18, ("stable", ID), {}),
    ("M-205", "Milan", 1, "nl", 29, ("shift", ID, P, 15), {"focus": P}),
    ("M-206", "Yara", 1, "en", 21, ("mixed", R, ID), {"contact_request": True}),
    ("M-207", "Jesse", 1, "nl", 11, ("stable", R), {}),
    ("M-208", "Lieke", 1, "nl", 33, ("deteriorating", R), {"focus": R}),
    ("M-209", "Stijn", 1, "en", 27, ("stable", P), {"missed_weeks": 0.15}),
    ("M-210", "Amira", 1, "nl", 23, ("shift", C, ID, 12), {"focus": C}),
    ("M-211", "Koen", 1, "en", 15, ("improving", P), {}),
    ("M-212", "Marloes", 1, "nl", 37, ("recovering", ID), {"focus": ID}),
    # Added last, so that the random draws of the clients above stay as they were.
    ("M-213", "Hanna", 1, "en", 18, ("responding", P), {"focus": P, "show_trend": True}),
    ("K-114", "Pieter", 0, "nl", 14, ("stable", P), {"focus": P}),
)
RESPONDING_HALF_WEEKS = 7.0  # a little faster than the default curve's 10 weeks: inside the band throughout

NOTES = {
    "nl": [
        "Slecht geslapen, veel gepieker over de reorganisatie.",
        "Iets meer rust gevonden dit weekend.",
        "Gesprek met leidinggevende ging beter dan verwacht.",
        "Voelde me schuldig dat ik op de bank lag.",
        "Wandelen helpt, maar de energie blijft laag.",
        "Ik weet niet goed wie ik ben als ik niet werk.",
    ],
    "en": [
        "Slept badly, kept thinking about the reorganisation.",
        "Found a bit more rest this weekend.",
        "The talk with my manager went better than expected.",
        "Felt guilty for lying on the couch.",
        "Walking helps, but my energy stays low.",
        "I don't really know who I am when I'm not working.",
    ],
}
CONTACT_NOTES = {
    "nl": "Het gaat deze week echt niet goed, kunnen we eerder praten?",
    "en": "This week is really hard, could we talk sooner?",
}
OBSERVATION_TEXTS = {
    "tension": ["Schouders en kaak", "Borst, oppervlakkige ademhaling", "Maag", "Nek en hoofd"],
    "uncertainty": [
        "Gaat direct plannen en controleren",
        "Trekt zich terug, wordt stil",
        "Zoekt bevestiging bij anderen",
        "Raakt snel overprikkeld",
    ],
}


@dataclass
class DemoData:
    coaches: list[dict[str, Any]]
    clients: list[dict[str, Any]]
    checkins: list[dict[str, Any]]  # client_id, submitted_at (aware UTC), answers, contact_request, note
    focus_changes: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    # client_id, opens_at, closes_at, checkin (index) or None
    periods: list[dict[str, Any]] = field(default_factory=list)


def _latent(scenario: tuple[Any, ...], weeks: int, rng: np.random.Generator) -> np.ndarray:
    """Strain per dynamic per week on the 0-10 item scale."""
    low = rng.uniform(2.0, 3.3, size=len(DYNAMICS))
    strain = np.tile(low, (weeks, 1))
    index = {d: i for i, d in enumerate(DYNAMICS)}
    high = rng.uniform(7.0, 7.8)
    t = np.arange(weeks)
    kind = scenario[0]

    def ramp(start: float, length: float) -> np.ndarray:  # 0 before start, 1 after start + length, linear
        fraction: np.ndarray = np.clip((t - start + 1) / (length + 1), 0, 1)
        return fraction

    if kind == "stable":
        strain[:, index[scenario[1]]] = high
    elif kind == "mixed":
        strain[:, index[scenario[1]]] = high
        strain[:, index[scenario[2]]] = high - rng.uniform(0.0, 0.4)
    elif kind == "shift":
        a, b, at = index[scenario[1]], index[scenario[2]], scenario[3]
        step = ramp(at, 2)
        strain[:, a] = high - step * (high - low[a] - 0.5)
        strain[:, b] = low[b] + step * (high - low[b])
    elif kind == "double":
        a, b, c, first, second = (index[scenario[1]], index[scenario[2]], index[scenario[3]],
                                  scenario[4], scenario[5])
        one, two = ramp(first, 2), ramp(second, 2)
        strain[:, a] = high - one * (high - low[a])
        strain[:, b] = low[b] + one * (high - low[b]) - two * (high - low[b] - 0.5)
        strain[:, c] = low[c] + two * (high - low[c])
    elif kind == "recovering":
        d = index[scenario[1]]
        fall = np.clip(t / max(weeks - 8, 1), 0, 1)
        strain[:, d] = high - fall * (high - 2.4)
        strain -= (fall * 0.6)[:, None] * (np.arange(len(DYNAMICS)) != d)
    elif kind == "deteriorating":
        d = index[scenario[1]]
        strain[:, d] = 5.2 + ramp(weeks - 8, 5) * 3.3
    elif kind == "responding":  # recovers like the expected curve: fast at first, then levelling off
        d = index[scenario[1]]
        strain[:, d] = 2.4 + (high - 2.4) * np.exp2(-t / RESPONDING_HALF_WEEKS)
    elif kind == "improving":
        d = index[scenario[1]]
        strain[:, d] = high - ramp(weeks // 2, 4) * (high - 2.6)
    return np.clip(strain, 0, 10)


def _answers(latent: np.ndarray, instrument: Instrument, rng: np.random.Generator) -> np.ndarray:
    weeks = latent.shape[0]
    columns = [DYNAMICS.index(item.dynamic) for item in instrument.items]
    bias = rng.normal(0, 0.6, size=len(columns))
    mood = rng.normal(0, 0.5, size=(weeks, 1))
    noise = rng.normal(0, 0.9, size=(weeks, len(columns)))
    strain = latent[:, columns] + bias + mood + noise
    reversed_mask = np.array([item.reversed for item in instrument.items])
    answers = np.where(reversed_mask, 10 - strain, strain)
    answers = np.clip(np.rint(answers), 0, 10)
    skipped = rng.random(answers.shape) < 0.02  # now and then an item is left unanswered
    return np.where(skipped, np.nan, answers)


def build(instrument: Instrument, now: datetime, seed: int = 2026) -> DemoData:
    rng = np.random.default_rng(seed)
    coaches = [dict(coach, password=DEMO_PASSWORD) for coach in COACHES]
    clients: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    focus_changes: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    periods: list[dict[str, Any]] = []
    # Check-ins are due on Mondays at 09:00 Amsterdam time; a window stays open for five days.
    schedule = Schedule(0, "09:00", TIME_ZONE)
    latest = latest_occurrence(schedule, now)
    for number, (client_id, name, coach, lang, weeks, scenario, extras_given) in enumerate(CLIENTS):
        extras: dict[str, Any] = extras_given
        dues = [occurrence_on((latest - timedelta(weeks=weeks - 1 - week)).astimezone(schedule.zone).date(), schedule)
                for week in range(weeks)]
        start = dues[0]
        clients.append({
            "id": client_id, "name": name, "coach": COACHES[coach]["email"], "lang": lang,
            "email": f"{name.lower()}@client.example", "tz": TIME_ZONE,
            "reminder_weekday": 0, "reminder_time": "09:00", "show_trend": extras.get("show_trend", False),
            "created_at": start - timedelta(days=3),
        })
        latent = _latent(scenario, weeks, rng)
        answers = _answers(latent, instrument, rng)
        missed = rng.random(weeks) < extras.get("missed_weeks", 0.08)
        missed[:2] = False  # the first weeks establish the baseline
        missed[-1] = False
        if extras.get("missed_recently"):
            missed[-3:-1] = True  # two weeks in a row without a check-in, just before this one
        for week in range(weeks):
            due = dues[week]
            closes = window_close(due, TIME_ZONE, WINDOW_DAYS)
            periods.append({"client_id": client_id, "opens_at": due, "closes_at": closes,
                            "checkin": None if missed[week] else len(checkins)})
            if missed[week]:
                continue
            delay_hours = float(rng.choice([1, 2, 5, 9, 26, 30, 50], p=[.2, .2, .2, .15, .1, .1, .05]))
            submitted = due + timedelta(hours=delay_hours, minutes=int(rng.integers(0, 60)))
            submitted = min(submitted, now - timedelta(minutes=5))
            last = week == weeks - 1
            contact = bool(extras.get("contact_request") and last)
            note = None
            if contact:
                note = CONTACT_NOTES[lang]
            elif rng.random() < 0.18:
                note = str(rng.choice(NOTES[lang]))
            checkins.append({
                "client_id": client_id,
                "submitted_at": submitted,
                "answers": {
                    item.id: (None if np.isnan(answers[week, i]) else int(answers[week, i]))
                    for i, item in enumerate(instrument.items)
                },
                "contact_request": contact,
                "note": note,
            })
        if "focus" in extras:
            focus_changes.append({
                "client_id": client_id, "focus": extras["focus"], "coach": COACHES[coach]["email"],
                "at": start + timedelta(weeks=2, days=2),
            })
        if number % 3 == 0:
            for session in range(1, weeks // 8 + 1):
                ratings = np.clip(np.rint(latent[min(session * 8, weeks - 1)] + rng.normal(0, 0.7, 4)), 0, 10)
                observations.append({
                    "client_id": client_id, "coach": COACHES[coach]["email"],
                    "observed_at": start + timedelta(weeks=session * 8, days=3, hours=6),
                    "tension_in_body": str(rng.choice(OBSERVATION_TEXTS["tension"])),
                    "reaction_to_uncertainty": str(rng.choice(OBSERVATION_TEXTS["uncertainty"])),
                    "reference": str(rng.choice(["internal", "external", "mixed"])),
                    "responsibility": str(rng.choice(["takes_quickly", "freezes", "mixed"])),
                    "ratings": {d: int(r) for d, r in zip(DYNAMICS, ratings)},
                    "note": "Observatie na sessie." if COACHES[coach]["lang"] == "nl" else "Observation after session.",
                })
    return DemoData(coaches, clients, checkins, focus_changes, observations, periods)
