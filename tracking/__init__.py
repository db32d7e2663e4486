"""Koers: the domain (instrument, scoring, pattern detection, schedules) and its storage."""

__version__ = "0.1.0"
