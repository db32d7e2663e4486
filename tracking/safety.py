"""The client's safety net: the levels of a check-in a practice treats as a concern, and what a client
who asks for contact or crosses one is told (when the coach responds, and where to get urgent help).

Pure: a check-in's dynamic scores in, a `Concern` (or None) out. Every level and text is a setting
with its meaning and its reason (README.md, "The client's safety net"); a level set to `off` is not
checked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from tracking.instrument import DYNAMICS
from tracking.thresholds import group_fields

MIN_SCORED_FOR_OVERALL = 3  # the mean over fewer dynamics is not strain "across the board"


def _level(raw: str) -> float | None:
    text = raw.strip().lower()
    if text == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not a number from 1 to 100, or off") from None
    if not math.isfinite(value) or not 1 <= value <= 100:
        raise ValueError(f"{raw!r} is out of range (1 to 100, or off)")
    return value


def _working_days(raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a whole number of working days") from None
    if not 1 <= value <= 10:
        raise ValueError(f"{value} is out of range (1 to 10 working days)")
    return value


def _text(raw: str) -> str:
    text = " ".join(raw.split())
    if not text:
        raise ValueError("is empty: a client who needs help must be told where to find it")
    if len(text) > 600:
        raise ValueError("is longer than 600 characters: keep it short enough to read on a phone")
    return text


def _setting(env: str, parse: Callable[[str], Any], default: Any, doc: str, reason: str) -> Any:
    return field(default=default, metadata={"env": f"KOERS_SAFETY_{env}", "parse": parse, "doc": doc,
                                            "reason": reason})


URGENT_HELP_NL = (
    "Heb je nu dringend hulp nodig? Bel je eigen huisarts, of buiten kantoortijden de huisartsenpost. "
    "Denk je aan zelfdoding? Bel 113 Zelfmoordpreventie: 0800-0113 (gratis, dag en nacht), of chat via 113.nl. "
    "Bij direct gevaar: bel 112."
)
URGENT_HELP_EN = "Do you need urgent help now? Call your GP or doctor. In an emergency, call 112."


@dataclass(frozen=True)
class SafetySettings:
    """What the practice sets for the safety net; `doc` says what each setting means, `reason` why the default."""

    response_working_days: int = _setting(
        "RESPONSE_WORKING_DAYS", _working_days, 1,
        "A client who asks for contact, or whose answers cross a level of concern, is told that their coach "
        "responds within this many working days (1-10).",
        "Soon enough that a client who asked for help is not left waiting for the next weekly check-in, and "
        "a promise a practice keeps when a part-time coach's colleague reads the alert on a day off.",
    )
    concern_dynamic_points: float | None = _setting(
        "CONCERN_DYNAMIC_POINTS", _level, 95.0,
        "A check-in is a concern when one dynamic scores at least this (0-100), almost every answer at the "
        "heaviest end; off: not checked.",
        "A dominant dynamic in the 80s is what burnout looks like and would alert on most clients; 95 and up "
        "is 1.1-1.4% of the check-ins of the detection benchmark's synthetic clients, all in burnout.",
    )
    concern_overall_points: float | None = _setting(
        "CONCERN_OVERALL_POINTS", _level, 75.0,
        "A check-in is a concern when the mean of the dynamic scores (at least three scored) is at least "
        "this: strain high everywhere at once; off: not checked.",
        "In burnout one dynamic usually leads; all four high together is rarer and heavier: 0.1% (easy) to "
        "1.2% (hard) of the benchmark's check-ins reach 75, 0.8-4.6% reach 70.",
    )
    urgent_help_nl: str = _setting(
        "URGENT_HELP_NL", _text, URGENT_HELP_NL,
        "Where to get urgent help now, as the thank-you page tells a Dutch-speaking client (at most 600 "
        "characters).",
        "The way to urgent care in the Netherlands: the own GP, the out-of-hours GP service (huisartsenpost) "
        "at night and at weekends, 113 Zelfmoordpreventie (0800-0113, free, day and night), and 112. A "
        "Belgian practice names 1813 (Zelfmoordlijn) and its own GP service instead.",
    )
    urgent_help_en: str = _setting(
        "URGENT_HELP_EN", _text, URGENT_HELP_EN,
        "Where to get urgent help now, as the thank-you page tells an English-speaking client (at most 600 "
        "characters).",
        "Neutral on purpose: English-speaking clients may live anywhere; a GP or doctor and 112 (the "
        "emergency number across Europe) hold for all of them. Name local services if the practice knows them.",
    )

    def urgent_help(self, lang: str) -> str:
        return self.urgent_help_en if lang == "en" else self.urgent_help_nl


def safety_fields() -> list[tuple[str, str, str, Any, str]]:
    """(attribute, env key, doc, default, reason) for every setting of the safety net."""
    return group_fields(SafetySettings)


def parse_safety(env: str, raw: str) -> Any:
    """The value of one KOERS_SAFETY_* setting; ValueError says what is wrong with it."""
    spec = next(f for f in fields(SafetySettings) if f.metadata["env"] == env)
    return spec.metadata["parse"](raw)


@dataclass(frozen=True)
class Concern:
    """A check-in that crosses a level of concern: which levels, and the numbers that crossed them."""

    levels: tuple[str, ...]  # "dynamic", "overall"
    dynamic: str | None  # the highest-scoring dynamic
    dynamic_points: float | None
    overall_points: float | None

    def evidence(self, settings: SafetySettings) -> dict[str, Any]:
        """What the store keeps: the numbers and the levels they were held against."""
        return {
            "levels": list(self.levels), "dynamic": self.dynamic,
            "dynamic_points": None if self.dynamic_points is None else round(self.dynamic_points, 1),
            "overall_points": None if self.overall_points is None else round(self.overall_points, 1),
            "dynamic_level": settings.concern_dynamic_points, "overall_level": settings.concern_overall_points,
        }


def concern(scores: Mapping[str, float | None], settings: SafetySettings) -> Concern | None:
    """Whether a check-in's dynamic scores cross a level the practice set as a concern."""
    scored = {dynamic: value for dynamic in DYNAMICS if (value := scores.get(dynamic)) is not None}
    if not scored:
        return None
    top = max(scored, key=lambda dynamic: scored[dynamic])
    overall = sum(scored.values()) / len(scored) if len(scored) >= MIN_SCORED_FOR_OVERALL else None
    levels = []
    if settings.concern_dynamic_points is not None and scored[top] >= settings.concern_dynamic_points:
        levels.append("dynamic")
    if (settings.concern_overall_points is not None and overall is not None
            and overall >= settings.concern_overall_points):
        levels.append("overall")
    if not levels:
        return None
    return Concern(tuple(levels), top, scored[top], overall)
