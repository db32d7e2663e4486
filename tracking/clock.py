"""Time in Koers: aware UTC datetimes in the domain, naive UTC in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_db(moment: datetime) -> datetime:
    """An aware datetime as the naive UTC value the database stores."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: Koers only handles aware datetimes")
    return moment.astimezone(UTC).replace(tzinfo=None)


@overload
def from_db(value: datetime) -> datetime: ...
@overload
def from_db(value: None) -> None: ...
@overload
def from_db(value: datetime | None) -> datetime | None: ...
def from_db(value: datetime | None) -> datetime | None:
    """A time as stored (naive UTC) as an aware datetime; a NOT NULL column gives a datetime."""
    return None if value is None else value.replace(tzinfo=UTC)


def iso(moment: datetime | None, *, exact: bool = False) -> str | None:
    """ISO 8601 in UTC with an explicit offset, as the CLI and exports write times: to the second,
    or `exact`, with the fraction of a second where there is one (for files that are read again)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="auto" if exact else "seconds")
