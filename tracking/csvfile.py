"""Reading check-in CSV files as people save them: the header, the separator, and exact line numbers.

The bulk of an import is parsed and validated by DuckDB (see `tracking.store.importer`). This
module does what needs the file's exact text: it reads the header, recognises the separator
(`,`, `;` as Dutch Excel writes it, or a tab) and a UTF-8 byte-order mark, refuses files that are empty
or not text, and, when there are problems to report, finds the line each record starts on, which
DuckDB cannot tell once a quoted note spans several lines.
"""

from __future__ import annotations

import codecs
import csv
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from tracking.errors import ImportRejected, InvalidValue, Problem
from tracking.instrument import Instrument

SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")  # as exported; as Dutch Excel saves CSV; as a spreadsheet's "text (tab)"
_LINE_END = re.compile(rb"\r\n|\r|\n")
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, as `surrogateescape` keeps them
# A field (a note) may be longer than the csv module's default limit of 128 KiB: it is read whole and
# then refused with its length, not as unreadable CSV.
FIELD_LIMIT = 256 * 1024 * 1024
FIXED_COLUMNS = ("client_id", "submitted_at")
TRAILING_COLUMNS = ("contact_request", "note")


def shown_name(path: Path | str) -> str:
    """A file's path or name as text that a terminal and JSON can hold: the bytes of it that are not
    UTF-8 (which Python keeps as `surrogateescape` characters) as escapes."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def expected_columns(instrument: Instrument) -> tuple[str, ...]:
    return (*FIXED_COLUMNS, *instrument.item_ids, *TRAILING_COLUMNS)


@dataclass(frozen=True)
class CsvLayout:
    path: Path
    delimiter: str
    has_bom: bool
    columns: tuple[str, ...]  # as in the header, normalised to lower case, in file order


def _reject(path: Path, message: str, line: int = 0, column: str = "") -> ImportRejected:
    return ImportRejected(str(path), [Problem(line, column, message)])


def _read_head(path: Path) -> bytes:
    try:
        found = path.stat()
        if stat.S_ISDIR(found.st_mode):
            raise InvalidValue(f"{path}: is a folder, not a CSV file")
        if not stat.S_ISREG(found.st_mode):
            # A pipe (`/dev/stdin`, `<(...)`) can be read once only, and the file is read more than once.
            raise InvalidValue(f"{path}: is not a file but a pipe or a device; save the check-ins to a file and "
                               "import that")
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise InvalidValue(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidValue(f"{path}: cannot be read ({exc.strerror})") from None


SHOWN_NAME_CHARS = 40


def _shown(name: str) -> str:
    """A column name from the file as a message may quote it: short, and with nothing invisible in it."""
    text = name if len(name) <= SHOWN_NAME_CHARS else name[:SHOWN_NAME_CHARS] + "…"
    return text if text.isprintable() else repr(text)


def inspect_file(path: Path, instrument: Instrument) -> CsvLayout:
    """Check the file as a whole and its header; raise ImportRejected naming every header problem."""
    head = _read_head(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _reject(path, "the file is UTF-16 text; save it as 'CSV UTF-8' and import that")
    has_bom = head.startswith(codecs.BOM_UTF8)
    body = head[len(codecs.BOM_UTF8):] if has_bom else head
    if not body.strip():
        raise _reject(path, "the file is empty; expected a header line and one check-in per line")
    if b"\x00" in body:
        raise _reject(path, "this is not a CSV text file (it contains binary data)")
    first_line = _LINE_END.split(body, maxsplit=1)[0]  # also a lone CR, as old Mac spreadsheets end lines
    try:
        header_text = first_line.decode("utf-8")
    except UnicodeDecodeError:
        if len(first_line) >= SNIFF_BYTES - 4:
            raise _reject(path, "the first line is too long to be a header", line=1) from None
        raise _reject(path, "the header is not UTF-8 text; save the file as 'CSV UTF-8'", line=1) from None
    delimiter = max(DELIMITERS, key=header_text.count)  # the first of equals: a comma
    try:
        names = next(csv.reader([header_text], delimiter=delimiter, quotechar='"', strict=True), [])
    except csv.Error:  # a quote opened and not closed: the header would run on into the check-ins
        raise _reject(path, "the header cannot be read as CSV: a quote in it is not closed; check the quotes",
                      line=1) from None
    while len(names) > 1 and not names[-1].strip():  # empty cells after the last name, as spreadsheets leave them
        names.pop()
    columns = tuple(name.strip().lower() for name in names)
    expected = expected_columns(instrument)
    if not set(columns) & set(expected):
        # Not a check-in file at all: its first line could be anything (a password file, a letter), so it
        # is not repeated on the terminal or in a log.
        raise _reject(path, "this is not a Koers check-in CSV file: its first line names none of the columns "
                            f"{', '.join(expected[:2])}, ... (see `koers import --help`)", line=1)
    problems = []
    seen = set()
    for name in columns:
        if not name:
            problems.append(Problem(1, "", "a column has no name"))
        elif name in seen:
            problems.append(Problem(1, name, "this column appears twice"))
        elif name not in expected:
            problems.append(Problem(1, _shown(name), f"unknown column (expected: {', '.join(expected)})"))
        seen.add(name)
    for name in expected:
        if name not in seen:
            problems.append(Problem(1, name, "missing column"))
    if problems:
        raise ImportRejected(str(path), problems)
    if not _LINE_END.search(body.strip(b"\r\n")) and len(body) < SNIFF_BYTES:
        raise _reject(path, "the file has a header but no check-ins")
    return CsvLayout(path=path, delimiter=delimiter, has_bom=has_bom, columns=columns)


class Record(NamedTuple):
    """One data record of the file: where it starts, and its fields (None when it could not be read).
    A tuple: a file has a million of them."""

    position: int  # 0-based among data records, in file order, blank lines skipped
    line: int  # 1-based line the record starts on; the header is line 1
    fields: list[str] | None
    problem: Problem | None


def records(layout: CsvLayout) -> Iterator[Record]:
    """Every data record with the line it starts on, checked for shape and encoding."""
    width = len(layout.columns)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    with layout.path.open("r", encoding="utf-8-sig" if layout.has_bom else "utf-8",
                          errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle, delimiter=layout.delimiter, quotechar='"', doublequote=True, strict=True)
        next(reader, None)  # the header was checked by inspect_file
        index = 0
        end_line = reader.line_num
        while True:
            start_line = end_line + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Record(index, start_line, None,
                             Problem(start_line, "", f"cannot be read as CSV ({exc}); check the quotes"))
                return
            end_line = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # a blank line, as spreadsheet programs leave at the end
            problem = None
            if _UNDECODED.search("".join(fields)):
                problem = Problem(start_line, "", "not UTF-8 text; save the file as 'CSV UTF-8'")
            elif len(fields) < width:
                missing = layout.columns[len(fields)]
                problem = Problem(start_line, missing,
                                  f"short row: {len(fields)} fields, expected {width}")
            elif len(fields) > width:
                if any(fields[width:]):
                    problem = Problem(start_line, "", f"too many fields: {len(fields)}, expected {width}")
                else:  # empty fields after the last column, as spreadsheets leave them, are no fields
                    fields = fields[:width]
            yield Record(index, start_line, None if problem else fields, problem)
            index += 1


def structure(layout: CsvLayout, wanted: set[int]) -> tuple[int, list[Problem], dict[int, int]]:
    """The number of records as this module reads the file, the problems of shape it finds, and the
    start line of each wanted record index."""
    count, problems, lines = 0, [], {}
    for record in records(layout):
        count += 1
        if record.problem:
            problems.append(record.problem)
        if record.position in wanted:
            lines[record.position] = record.line
    return count, problems, lines


def read_all(layout: CsvLayout) -> tuple[list[Problem], list[tuple[int, list[str]]]]:
    """Structural problems, and the (line, fields) of every record that has the right shape."""
    problems: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    for record in records(layout):
        if record.problem:
            problems.append(record.problem)
        elif record.fields is not None:
            rows.append((record.line, record.fields))
    return problems, rows

