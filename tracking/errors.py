"""Every problem Koers reports to a person. The CLI and the dashboard each translate these once.

The message of each exception is written for the person who can fix the problem: it names the
file, line, field or setting, and says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass


class KoersError(Exception):
    """A problem a user or operator can fix; its message says how."""


class SettingsError(KoersError):
    """A setting is missing or has a value Koers cannot use."""


class InstrumentError(KoersError):
    """The instrument file is missing, unreadable or inconsistent."""


class DatabaseBusy(KoersError):
    """Another process held the database longer than the configured wait."""


class DatabaseError(KoersError):
    """The database file cannot be opened, written or migrated."""


class NotFound(KoersError):
    """A client, coach, flag or other record does not exist (or is not visible to this coach)."""


class AlreadyExists(KoersError):
    """A record with the same identity exists already."""


class InvalidValue(KoersError):
    """A value given on the command line or in a form is not acceptable."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field  # lets a form show its own translated message next to the field


class InvalidValues(InvalidValue):
    """Several values of one form or command are not acceptable; `problems` has each of them."""

    def __init__(self, problems: list[InvalidValue]):
        super().__init__("; ".join(str(problem) for problem in problems), problems[0].field if problems else None)
        self.problems = problems


class NotForThisDatabase(KoersError):
    """The command works on a DuckDB file; on a PostgreSQL server the server's own tools do it."""


class EmailInFlight(KoersError):
    """An email to the client is being sent right now; erasing would leave its file behind."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input file: where it is and what is wrong."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class ImportRejected(KoersError):
    """The import file has problems; nothing was written."""

    def __init__(self, path: str, problems: list[Problem], shown: int = 200):
        self.path = path
        self.problems = sorted(problems)
        self.shown = shown
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.path}: {count:,} {noun} found; nothing was imported."]
        lines += [f"{self.path}: {problem}" for problem in self.problems[: self.shown]]
        if count > self.shown:
            lines.append(f"... and {count - self.shown:,} more (the first {self.shown} are shown).")
        return "\n".join(lines)
