"""Checks for values people type: emails, ids, weekdays, times, time zones, languages."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tracking.errors import InvalidValue

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGS = ("nl", "en")
MAX_CLIENT_ID_LENGTH = 64
_EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


def email(value: str, field: str = "email") -> str:
    value = (value or "").strip()
    if not _EMAIL.fullmatch(value):
        raise InvalidValue(f"{field}: {value!r} is not an email address", "email")
    return value.lower()


def client_id(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidValue("client id: is empty", "client_id")
    if len(value) > MAX_CLIENT_ID_LENGTH:
        raise InvalidValue(f"client id: longer than {MAX_CLIENT_ID_LENGTH} characters", "client_id")
    if any(ch.isspace() and ch != " " for ch in value) or any(ord(ch) < 32 for ch in value):
        raise InvalidValue(f"client id: {value!r} contains tabs, line breaks or control characters", "client_id")
    return value


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


def name(value: str | None, field: str = "name", max_length: int = 100) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > max_length:
        raise InvalidValue(f"{field}: longer than {max_length} characters", "name")
    if any(ord(ch) < 32 for ch in value):
        raise InvalidValue(f"{field}: contains line breaks or control characters", "name")
    return value
