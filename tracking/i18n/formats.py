"""Dates, times, numbers, plurals and lists as each language writes them, from Babel's CLDR data.

One place for every page, email, report and chart: `ma 30 nov 2026, 09:00` and `42,5` in Dutch,
`Mon 30 Nov 2026, 09:00` and `42.5` in English. English is British English (day before month, a
24-hour clock), because Koers' English readers are clients and coaches in Dutch and Belgian
practices, where `11/30` would be read the wrong way round.

Patterns come from CLDR skeletons (which fields, not their order: `yMMMEd` is `E d MMM y` in both
languages but `E, MMM d, y` in American English), so no language's word order is written here.
Moments are aware datetimes; each function takes the reader's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_datetime,
    get_datetime_format,
    get_day_names,
    get_month_names,
    match_skeleton,
    tokenize_pattern,
    untokenize_pattern,
)
from babel.lists import format_list
from babel.numbers import format_decimal

LOCALES = {"nl": "nl_NL", "en": "en_GB"}
DEFAULT_LANG = "nl"

# Skeletons (CLDR "available formats"): the fields each kind of date shows.
DAY = "yMMMd"  # 30 nov 2026
WEEKDAY_DAY = "yMMMEd"  # ma 30 nov 2026
SHORT_DAY = "MMMEd"  # ma 30 nov
DAY_MONTH = "MMMd"  # 30 nov
MONTH = "yMMM"  # nov 2026
TIME = "Hm"  # 09:00


@cache
def locale(lang: str) -> Locale:
    """The Babel locale of a Koers language (Dutch for a language Koers does not know)."""
    return Locale.parse(LOCALES.get(lang, LOCALES[DEFAULT_LANG]))


@cache
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _local(moment: datetime, tz: str | tzinfo | None) -> datetime:
    if tz is None:
        return moment
    return moment.astimezone(_zone(tz) if isinstance(tz, str) else tz)


@cache
def _pattern(skeleton: str, lang: str, *, wide: bool = False) -> str:
    """The locale's pattern for a skeleton; `wide` spells weekday and month out in full, which
    CLDR leaves to the formatter (ICU widens the matched pattern's fields the same way)."""
    loc = locale(lang)
    matched = match_skeleton(skeleton, loc.datetime_skeletons) or skeleton
    pattern = str(loc.datetime_skeletons[matched]) if matched in loc.datetime_skeletons else skeleton
    if not wide:
        return pattern
    tokens: list[tuple[str, Any]] = []
    for kind, value in tokenize_pattern(pattern):
        if kind == "field" and isinstance(value, tuple):
            letter, width = value
            if letter in "EcLM" and width >= (1 if letter in "Ec" else 3):
                value = (letter, 4)
        tokens.append((kind, value))
    return str(untokenize_pattern(tokens))


def _format(moment: datetime | date, skeleton: str, lang: str, *, wide: bool = False) -> str:
    return str(format_datetime(moment, _pattern(skeleton, lang, wide=wide), locale=locale(lang)))


def _joined(day_text: str, time_text: str, lang: str) -> str:
    """A day and a time as the language joins them (`{1}, {0}` in both)."""
    return str(get_datetime_format("medium", locale=locale(lang))).replace("{1}", day_text).replace("{0}", time_text)


def day(moment: datetime | date, lang: str, tz: str | tzinfo | None = None) -> str:
    """30 nov 2026 / 30 Nov 2026."""
    return _format(_local(moment, tz) if isinstance(moment, datetime) else moment, DAY, lang)


def weekday_day(moment: datetime | date, lang: str, tz: str | tzinfo | None = None) -> str:
    """ma 30 nov 2026 / Mon 30 Nov 2026."""
    return _format(_local(moment, tz) if isinstance(moment, datetime) else moment, WEEKDAY_DAY, lang)


def moment(value: datetime, lang: str, tz: str | tzinfo | None = None) -> str:
    """ma 30 nov 2026, 09:00 / Mon 30 Nov 2026, 09:00: a moment in a list or table."""
    local = _local(value, tz)
    return _joined(_format(local, WEEKDAY_DAY, lang), _format(local, TIME, lang), lang)


def short_moment(value: datetime, lang: str, tz: str | tzinfo | None = None) -> str:
    """ma 30 nov, 09:00 / Mon 30 Nov, 09:00: a moment close to now, where the year goes without saying."""
    local = _local(value, tz)
    return _joined(_format(local, SHORT_DAY, lang), _format(local, TIME, lang), lang)


def short_day(moment: datetime | date, lang: str, tz: str | tzinfo | None = None) -> str:
    """ma 30 nov / Mon 30 Nov."""
    return _format(_local(moment, tz) if isinstance(moment, datetime) else moment, SHORT_DAY, lang)


def day_month(moment: datetime | date, lang: str, tz: str | tzinfo | None = None) -> str:
    """30 nov / 30 Nov: a date nobody reads the wrong way round, for a client's own trend."""
    return _format(_local(moment, tz) if isinstance(moment, datetime) else moment, DAY_MONTH, lang)


def long_day(moment: datetime | date, lang: str, tz: str | tzinfo | None = None) -> str:
    """maandag 30 november / Monday 30 November: a day as a letter to a client says it."""
    return _format(_local(moment, tz) if isinstance(moment, datetime) else moment, SHORT_DAY, lang, wide=True)


def time(moment: datetime, lang: str, tz: str | tzinfo | None = None) -> str:
    """09:00."""
    return _format(_local(moment, tz), TIME, lang)


def month(moment: datetime | date, lang: str) -> str:
    """nov 2026 / Nov 2026."""
    return _format(moment, MONTH, lang)


def weekday_name(index: int, lang: str) -> str:
    """The weekday (0 = Monday) in full: maandag / Monday."""
    return str(get_day_names("wide", locale=locale(lang))[index])


def month_abbreviations(lang: str) -> list[str]:
    """The months as `day` writes them, January first: for SQL that writes many dates at once."""
    names = get_month_names("abbreviated", context="format", locale=locale(lang))
    return [str(names[number]) for number in range(1, 13)]


def decimal_mark(lang: str) -> str:
    """, / .: for SQL that writes many numbers at once."""
    return str(locale(lang).number_symbols["latn"]["decimal"])


def number(value: float | int, lang: str, decimals: int = 1) -> str:
    """42,5 / 42.5, with at most `decimals` decimals (none shown when they are zero)."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals > 0 else "")
    return str(format_decimal(value, format=pattern, locale=locale(lang)))


def count(n: int, lang: str) -> str:
    """A whole number with the language's grouping: 1.250 / 1,250."""
    return str(format_decimal(n, format="#,##0", locale=locale(lang)))


def plural(n: float | int, lang: str) -> str:
    """The CLDR plural category of `n` in the language: `one` or `other` for Dutch and English."""
    return str(locale(lang).plural_form(n))


def items(values: Iterable[str], lang: str, style: Literal["standard", "or"] = "standard") -> str:
    """A list as a sentence says it: `a, b en c` / `a, b and c` (`or`: `a, b of c` / `a, b or c`)."""
    return str(format_list(list(values), style=style, locale=locale(lang)))


def plotly_locale(lang: str) -> dict[str, Any]:
    """What Plotly needs to write dates and numbers in the language: its `locales` config entry
    (month and day names from CLDR; days start on Sunday, as in JavaScript)."""
    loc = locale(lang)
    wide_days = get_day_names("wide", locale=loc)
    short_days = get_day_names("abbreviated", locale=loc)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    symbols = loc.number_symbols["latn"]
    return {
        "dictionary": {},
        "format": {
            "days": [str(wide_days[i]) for i in sunday_first],
            "shortDays": [str(short_days[i]) for i in sunday_first],
            "months": [str(get_month_names("wide", locale=loc)[m]) for m in range(1, 13)],
            "shortMonths": [str(get_month_names("abbreviated", locale=loc)[m]) for m in range(1, 13)],
            "date": _d3_pattern(_pattern("yMd", lang)),
            "decimal": str(symbols["decimal"]),
            "thousands": str(symbols["group"]),
        },
    }


_D3_FIELDS = {("y", 1): "%Y", ("y", 4): "%Y", ("M", 1): "%-m", ("M", 2): "%m", ("d", 1): "%-d", ("d", 2): "%d"}


def _d3_pattern(pattern: str) -> str:
    """A numeric CLDR date pattern (`d-M-y`) as the d3 time format Plotly reads (`%-d-%-m-%Y`)."""
    parts = []
    for kind, value in tokenize_pattern(pattern):
        parts.append(_D3_FIELDS.get(value, "") if kind == "field" and isinstance(value, tuple) else str(value))
    return "".join(parts)


def separators(lang: str) -> str:
    """Plotly's layout.separators: the decimal mark, then the thousands mark (`,.` in Dutch)."""
    symbols = locale(lang).number_symbols["latn"]
    return f"{symbols['decimal']}{symbols['group']}"


def plotly_config(lang: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Plotly config that writes month ticks and dates in the language."""
    code = LOCALES.get(lang, LOCALES[DEFAULT_LANG]).replace("_", "-").lower()
    return {**(base or {}), "locale": code, "locales": {code: plotly_locale(lang)}}


__all__: Sequence[str] = (
    "count", "day", "day_month", "items", "locale", "long_day", "moment", "month", "number", "plotly_config",
    "plotly_locale", "plural", "separators", "short_day", "short_moment", "time", "weekday_day", "weekday_name",
)
