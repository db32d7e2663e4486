"""Every text a client or coach sees, in Dutch and English.

Texts live in one module per part of the app (`common`, and one per screen or email family), each a
dict of key -> {"nl": ..., "en": ...}. `t` looks a key up and fills in `{placeholders}`; `t_count`
picks the singular or plural text by the language's plural rules. Dates, numbers and lists are
written by `tracking.i18n.formats` (Babel), never by hand.
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from string import Formatter

from tracking.i18n import formats

LANGS = ("nl", "en")
MODULES = ("common", "checkin", "dashboard", "mail", "signin", "safety", "audit", "widgets", "security")


def _load() -> dict[str, dict[str, str]]:
    texts: dict[str, dict[str, str]] = {}
    for name in MODULES:
        try:
            module = import_module(f"tracking.i18n.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"tracking.i18n.{name}":
                raise
            continue
        for key, value in module.TEXTS.items():
            if key in texts:
                raise ValueError(f"text key {key!r} is defined twice (again in tracking.i18n.{name})")
            texts[key] = value
    return texts


def t(key: str, lang: str, **values: object) -> str:
    """The text `key` in `lang` (Dutch when the language is unknown), with placeholders filled in."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["nl"]
    return text.format(**values) if values else text


def t_count(key: str, lang: str, n: int, **values: object) -> str:
    """Like `t` for a text about `n` things: the `key.one` variant when the language's plural rules
    (CLDR, through Babel) call `n` singular; `{n}` is written with the language's digit grouping."""
    singular = f"{key}.one"
    chosen = singular if formats.plural(n, lang) == "one" and singular in TEXTS else key
    return t(chosen, lang, n=formats.count(n, lang), **values)


def long_moment(moment: datetime, lang: str, tz: str) -> str:
    """'maandag 30 november om 09:00' / 'Monday 30 November at 09:00', in the reader's time zone: a
    moment as a letter to a client or coach says it."""
    return t("when.at", lang, day=formats.long_day(moment, lang, tz), time=formats.time(moment, lang, tz))


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conv in Formatter().parse(text) if field}


# Loaded last: the text modules may use the functions above (at call time, never at import).
TEXTS: dict[str, dict[str, str]] = _load()
