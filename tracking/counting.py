"""Counts in the English of the command line and the logs: `1 check-in`, `1,000 check-ins`. (What a
coach or client reads is worded in their language by `tracking.i18n`.)"""

from __future__ import annotations


def counted(n: int, word: str, plural: str | None = None) -> str:
    """A count with its word, singular for one; `plural` where adding an s is wrong (`coaches`)."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {plural or word + 's'}"
