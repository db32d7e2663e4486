"""Checks for values people type or files carry: emails, client ids, names, weekdays, times, time
zones, languages and answers. Each rule is written here once; where the importer checks a whole file
inside DuckDB, the SQL it uses is generated here from the same rule, and a test proves both agree."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tracking.errors import InvalidValue, InvalidValues
from tracking.instrument import Instrument

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGS = ("nl", "en")
MAX_CLIENT_ID_LENGTH = 64
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")

# Characters a client id or a name may not hold, because nobody sees them or they turn text around:
# `M-201` followed by a zero-width space looks exactly like another client's `M-201`, and a
# right-to-left override shows a name backwards. Unicode's control (Cc), format (Cf: zero-width and
# direction marks, the byte-order mark, tags), line and paragraph separator (Zl, Zp), private-use (Co)
# and surrogate (Cs) characters, every space but the ordinary one (Zs), and the invisible fillers,
# joiners and variation selectors; tests/test_validate.py checks the list against Python's Unicode data.
INVISIBLE = (
    (0x0000, 0x001F), (0x007F, 0x00A0), (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605),
    (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2),
    (0x115F, 0x1160), (0x1680, 0x1680), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2000, 0x200F),
    (0x2028, 0x202F), (0x205F, 0x2064), (0x2066, 0x206F), (0x2800, 0x2800), (0x3000, 0x3000),
    (0x3164, 0x3164), (0xD800, 0xF8FF), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB), (0xFFFE, 0xFFFF), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF), (0xF0000, 0x10FFFF),
)
_INVISIBLE_STARTS = [start for start, _end in INVISIBLE]


def invisible_character(text: str) -> str | None:
    """The first character of `text` that is invisible or turns text around, as U+XXXX, or None."""
    for ch in text:
        index = bisect.bisect_right(_INVISIBLE_STARTS, ord(ch)) - 1
        if index >= 0 and ord(ch) <= INVISIBLE[index][1]:
            return f"U+{ord(ch):04X}"
    return None


def invisible_sql(column: str) -> str:
    """SQL (DuckDB's regular expressions) for `invisible_character(column) is not None`."""
    ranges = "".join(f"\\x{{{start:x}}}" + (f"-\\x{{{end:x}}}" if end != start else "") for start, end in INVISIBLE)
    return f"regexp_matches({column}, '[{ranges}]')"


def email(value: str, field: str = "email") -> str:
    value = (value or "").strip()
    if not _EMAIL.fullmatch(value):
        raise InvalidValue(f"{field}: {value!r} is not an email address", "email")
    return value.lower()


def client_id_problem(value: str | None) -> str | None:
    """What is wrong with a client id as given (surrounding spaces are ignored), or None."""
    text = (value or "").strip(" ")
    if not text:
        return "the client id is empty"
    if len(text) > MAX_CLIENT_ID_LENGTH:
        return f"the client id is longer than {MAX_CLIENT_ID_LENGTH} characters"
    if any(ord(ch) < 32 for ch in text):
        return "the client id contains a tab, line break or control character"
    found = invisible_character(text)
    if found:
        return f"the client id contains an invisible or text-direction character ({found})"
    return None


def spaces_trimmed_sql(column: str) -> str:
    """SQL for `column.strip(" ")`: spaces off both ends, other white space kept. As DuckDB's
    `trim(column, ' ')`, which costs several times its `trim(column)` (that takes any white space
    off), and only where there is a space to take off."""
    return (f"(CASE WHEN starts_with({column}, ' ') OR ends_with({column}, ' ') "
            f"THEN trim({column}, ' ') ELSE {column} END)")


def client_id_sql(column: str) -> str:
    """SQL for `client_id_problem(column) is None`, for a text column."""
    trimmed = spaces_trimmed_sql(column)
    return (f"({trimmed} <> '' AND length({trimmed}) <= {MAX_CLIENT_ID_LENGTH} "
            f"AND NOT {invisible_sql(trimmed)})")


def client_id(value: str) -> str:
    problem = client_id_problem(value)
    if problem:
        raise InvalidValue(f"client id: {problem.removeprefix('the client id ')}", "client_id")
    return (value or "").strip(" ")


def weekday(value: str) -> int:
    key = (value or "").strip().lower()[:3]
    if key not in WEEKDAYS:
        raise InvalidValue(f"weekday: {value!r} is not one of {', '.join(WEEKDAYS)}", "weekday")
    return WEEKDAYS.index(key)


def clock_time(value: str, field: str = "time") -> str:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value or "")
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidValue(f"{field}: {value!r} is not a time of day such as 09:00", "time")
    return f"{int(match[1]):02d}:{match[2]}"


def timezone(value: str) -> str:
    value = (value or "").strip()
    if value not in available_timezones():
        raise InvalidValue(f"time zone: {value!r} is not an IANA time zone such as Europe/Amsterdam", "tz")
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError:
        raise InvalidValue(f"time zone: {value!r} is not available on this system", "tz") from None
    return value


def lang(value: str) -> str:
    value = (value or "").strip().lower()
    if value not in LANGS:
        raise InvalidValue(f"language: {value!r} is not one of {', '.join(LANGS)}", "lang")
    return value


def required_name(value: str | None, field: str = "name", max_length: int = 100) -> str:
    """A name that must be given (a coach's, say)."""
    cleaned = name(value, field, max_length)
    if not cleaned:
        raise InvalidValue(f"{field}: is empty", "name")
    return cleaned


def name(value: str | None, field: str = "name", max_length: int = 100) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > max_length:
        raise InvalidValue(f"{field}: longer than {max_length} characters", "name")
    if any(ord(ch) < 32 for ch in value):
        raise InvalidValue(f"{field}: contains line breaks or control characters", "name")
    found = invisible_character(value)
    if found:
        raise InvalidValue(f"{field}: contains an invisible or text-direction character ({found})", "name")
    return value


def answer(item_id: str, value: object, instrument: Instrument) -> int | None:
    """One answer as a form or a program gives it: None (unanswered) or a whole number on the scale."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not (
            instrument.scale_min <= value <= instrument.scale_max):
        scale = f"{instrument.scale_min} to {instrument.scale_max}"
        raise InvalidValue(f"{item_id}: {value!r} is not a whole number from {scale}", "item")
    return int(value)


def answers(values: dict[str, object], instrument: Instrument) -> dict[str, int | None]:
    """Every item of the instrument with its answer (None: unanswered); unknown item ids are refused."""
    unknown = sorted(set(values) - set(instrument.item_ids))
    if unknown:
        raise InvalidValue(f"unknown item ids: {', '.join(unknown)}", "item")
    return {item_id: answer(item_id, values.get(item_id), instrument) for item_id in instrument.item_ids}


# An answer in a file: a whole number on the scale, with at most a plus sign and spaces or tabs around
# it. Python and DuckDB share this pattern (RE2 and `re` read it the same way).
ANSWER_PATTERN = r"[ \t]*\+?[0-9]{1,2}[ \t]*"


def answer_text_problem(text: str | None, instrument: Instrument) -> str | None:
    """What is wrong with an answer as a file cell carries it (empty: unanswered), or None."""
    if text is None or text == "":
        return None
    scale = f"whole numbers from {instrument.scale_min} to {instrument.scale_max}"
    if re.fullmatch(ANSWER_PATTERN, text):
        if instrument.scale_min <= int(text) <= instrument.scale_max:
            return None
        return f"{text!r} is out of range: answers are {scale}"
    stripped = text.strip()
    if not stripped.isascii():
        return f"{text!r} is not a number: answers are {scale}, or empty"
    if re.fullmatch(r"[+-]?[0-9]+", stripped):
        value = int(stripped)
        if instrument.scale_min <= value <= instrument.scale_max:  # -0, 010: the right number, written oddly
            return f"{text!r} is not written as a plain whole number: write {value}"
        return f"{text!r} is out of range: answers are {scale}"
    if re.fullmatch(r"[+-]?([0-9]+[.,][0-9]*|[.,][0-9]+)", stripped):  # 3.5, 7.0, a Dutch 6,5
        return f"{text!r} is a fraction: answers are {scale}"
    # Not digits alone: words, and what Python or a spreadsheet also reads as a number (1e1, 1_0,
    # nan, inf), which an answer is not.
    return f"{text!r} is not a number written with digits: answers are {scale}, or empty"


def answers_text_sql(columns: Sequence[str], instrument: Instrument) -> str:
    """SQL for `answer_text_problem(column) is None` for every one of `columns` (text; NULL:
    unanswered). The form of all cells is one regular expression over the row's cells joined by
    commas, a fraction of the cost of one per cell; a cell that holds a comma adds a separator, so the
    row fails it, as that cell fails on its own. The range is then read per cell, as UTINYINT: the
    pattern allows two digits at most, and the import stores the answers with the same cast, which
    the database then makes once per cell."""
    cell = f"(?:{ANSWER_PATTERN})?"
    joined = ", ',', ".join(columns)
    in_range = " AND ".join(
        f"({column} IS NULL OR {column} = '' "
        f"OR TRY_CAST({column} AS UTINYINT) BETWEEN {instrument.scale_min} AND {instrument.scale_max})"
        for column in columns)
    return f"(regexp_full_match(concat({joined}), '{cell}(?:,{cell}){{{len(columns) - 1}}}') AND {in_range})"


def collect(checks: dict[str, object]) -> dict[str, object]:
    """Run several checks (field -> a callable returning the clean value) and report every problem at
    once; returns field -> clean value."""
    clean: dict[str, object] = {}
    problems: list[InvalidValue] = []
    for field, check in checks.items():
        try:
            clean[field] = check()  # type: ignore[operator]
        except InvalidValue as problem:
            problems.append(problem)
    if problems:
        raise InvalidValues(problems)
    return clean
