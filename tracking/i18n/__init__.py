"""Every text a client or coach sees, in Dutch and English.

Texts live in one module per part of the app (`common`, and one per screen or email family), each a
dict of key -> {"nl": ..., "en": ...}. `t` looks a key up and fills in `{placeholders}`.
"""

from __future__ import annotations

from importlib import import_module
from string import Formatter
from zoneinfo import ZoneInfo

LANGS = ("nl", "en")
MODULES = ("common", "checkin", "dashboard", "mail", "signin", "security")


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


TEXTS = _load()


def t(key: str, lang: str, **values) -> str:
    """The text `key` in `lang` (Dutch when the language is unknown), with placeholders filled in."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["nl"]
    return text.format(**values) if values else text


def t_count(key: str, lang: str, n: int, **values) -> str:
    """Like `t` for a text about `n` things: uses the `key.one` variant when n is 1."""
    singular = f"{key}.one"
    return t(singular if n == 1 and singular in TEXTS else key, lang, n=n, **values)


MONTHS = {
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def date_text(moment, lang: str, tz: str | None = None, with_time: bool = False) -> str:
    """A date as people read it in each language, in the given time zone: 3 mrt 2026 / 3 Mar 2026."""
    if tz is not None:
        moment = moment.astimezone(ZoneInfo(tz))
    text = f"{moment.day} {MONTHS.get(lang, MONTHS['nl'])[moment.month - 1]} {moment.year}"
    return f"{text} {moment:%H:%M}" if with_time else text


def placeholders(text: str) -> set[str]:
    return {field for _literal, field, _spec, _conv in Formatter().parse(text) if field}
