"""`koers import`: check-ins from a CSV file, validated completely, then written in one transaction.

The file is parsed and checked in an in-memory DuckDB, away from the shared database file, so other
processes keep working while a large file is checked: one pass reads the file, types every value
and marks each row as good or not. Only a file with problems is read again, as text kept beside
the typed rows (record by record where DuckDB's reader cannot), to say what is wrong where.
Only a clean file reaches the write lock, where the checks against stored data and the insert
happen in one transaction. Any problem, anywhere: nothing is written, and every problem is
reported with its line and column.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tracking import csvfile, validate
from tracking.counting import counted
from tracking.errors import ImportRejected, Problem
from tracking.export import unescape_cell
from tracking.instrument import Instrument
from tracking.store.checkins import IngestConflict, IngestResult, ingest, write_unwritten
from tracking.store.connection import Connection, configure
from tracking.store.contract import Store, StoreConnection

# A problem found in the file: (record, column, message), or with the record it repeats.
Found = tuple[int, str, str] | tuple[int, str, str, int]

# Clocks drift and spreadsheets round: a check-in a few minutes "in the future" is not an error.
FUTURE_TOLERANCE = timedelta(minutes=5)
# A date, or a date and time, with an offset that exists on Earth (-12:00 to +14:00) or Z, or none (UTC).
ISO_8601 = (r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
            r"(Z|[+-]((0\d|1[0-3])(:?[0-5]\d)?|14(:?00)?))?")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # before it, a year typed wrong (or a spreadsheet's day zero)
TRUE_WORDS = ("1", "true", "waar", "yes", "ja")
FALSE_WORDS = ("0", "false", "onwaar", "no", "nee")
CONTACT_WORDS = "is not empty, 0/1, true/false, ja/nee, yes/no or waar/onwaar"
MANY_ROWS = 10_000  # from this many check-ins, empty tables are loaded before their indexes are built
ROW_GROUP_ROWS = 122_880  # DuckDB's rows per row group
IN_MEMORY_LIMIT = "600MB"  # the in-memory check spills to disk beyond this, keeping the import under 1 GiB


@dataclass
class ImportSummary:
    path: Path
    rows: int
    clients: int
    clients_created: int
    result: IngestResult


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _one_of(expression: str, words: Iterable[str]) -> str:
    """SQL: `expression` is one of `words` (letters and digits). Not `IN (...)`: DuckDB plans a list
    of constants as a join, and after a join the typed rows are no longer in the file's order."""
    return f"regexp_full_match({expression}, '(?:{'|'.join(words)})')"


def _unescaped(expression: str) -> str:
    """SQL for `tracking.export.unescape_cell`: exported cells carry an apostrophe before a leading
    formula character, which the import removes again so that files round-trip."""
    return (f"CASE WHEN regexp_matches({expression}, '^''[=+@\\-\\t\\r'']') "
            f"THEN substr({expression}, 2) ELSE {expression} END")


def _read_csv(layout: csvfile.CsvLayout) -> str:
    """DuckDB's reader for the file, every column as text; structural problems go to reject_errors.
    Folders named `column=value` on the way to the file are only folders: DuckDB would otherwise
    read them as a partition and put their value in that column."""
    columns = "{" + ", ".join(f"'{name}': 'VARCHAR'" for name in layout.columns) + "}"
    return f"""read_csv($path, header = true, auto_detect = false, all_varchar = true, delim = $delim,
                        quote = '"', escape = '"', strict_mode = true, store_rejects = true,
                        hive_partitioning = false, columns = {columns})"""


def _load_with_duckdb(mem: Connection, layout: csvfile.CsvLayout) -> bool:
    """Parse the whole file as text into `raw` with DuckDB's reader; False when it found structural
    problems. A record's row id in `raw` is its index among the file's records (blank lines skipped)."""
    try:
        mem.execute(f"CREATE TABLE raw AS SELECT *, NULL::BIGINT AS line FROM {_read_csv(layout)}",
                    {"path": str(layout.path), "delim": layout.delimiter})
    except duckdb.Error:
        return False
    if mem.execute("SELECT count(*) FROM reject_errors").fetchall()[0][0]:
        mem.execute("DROP TABLE raw")
        return False
    return True


def _load_with_python(mem: Connection, layout: csvfile.CsvLayout) -> list[Problem]:
    """Parse record by record, for exact lines; used only when DuckDB's reader found problems."""
    problems, rows = csvfile.read_all(layout)
    columns = {name: pa.array([fields[index] or None for _line, fields in rows], type=pa.string())
               for index, name in enumerate(layout.columns)}
    columns["line"] = pa.array([line for line, _fields in rows], type=pa.int64())
    with mem.relation("parsed", pa.table(columns)):
        mem.execute("CREATE TABLE raw AS SELECT * FROM parsed")
    return problems


def _typing(instrument: Instrument, source: str) -> str:
    """The statement that types and checks every record of `source` into `typed`, with `ok` for the
    rows without a problem. A record's number is its row id in `typed`: the statement is a plain
    projection, which DuckDB stores in the order it reads (a join in it would lose that order)."""
    return f"CREATE TABLE typed AS {_typing_select(instrument, source)}"


def _typing_select(instrument: Instrument, source: str) -> str:
    """The query of `_typing`: every record of `source` typed, in the order it reads them, with `ok`."""
    items_ok = validate.answers_text_sql([_quote(i) for i in instrument.item_ids], instrument)
    client, submitted = validate.spaces_trimmed_sql("client_id"), validate.spaces_trimmed_sql("submitted_at")
    contact = f"lower({validate.spaces_trimmed_sql('contact_request')})"
    return f"""
        WITH parsed AS (
            SELECT *, TRY_CAST({submitted} AS TIMESTAMPTZ) AS moment
            FROM {source}
        )
        SELECT {_unescaped(client)} AS client_id,
               timezone('UTC', moment) AS submitted_at,
               [{", ".join(f"TRY_CAST({_quote(i)} AS UTINYINT)" for i in instrument.item_ids)}] AS answers,
               coalesce({_one_of(contact, TRUE_WORDS)}, FALSE) AS contact_request,
               {_unescaped("nullif(note, '')")} AS note,
               ({validate.client_id_sql(_unescaped(client))}
                AND regexp_full_match({submitted}, '{ISO_8601}')
                AND moment <= $latest::TIMESTAMPTZ AND moment >= $earliest::TIMESTAMPTZ
                AND (contact_request IS NULL
                     OR {_one_of(contact, ("",) + TRUE_WORDS + FALSE_WORDS)})
                AND (note IS NULL OR (length({_unescaped("note")}) <= {instrument.note_max_length}
                                      AND NOT contains(note, chr(0))))
                AND {items_ok}) IS TRUE AS ok
        FROM parsed
        """


def _clean_in_one_pass(mem: Connection, layout: csvfile.CsvLayout, instrument: Instrument,
                       now: datetime) -> pa.Table | None:
    """Read, type and check the file in one pass, straight into Arrow: the file's check-ins in the
    shape `ingest` reads when it is clean (the common case), else None, and the caller reads the
    file again. A record's number is its place in the result, which a plain projection keeps in the
    order DuckDB's reader reads (as `_typing` keeps it in `typed`)."""
    try:
        typed = mem.arrow(_typing_select(instrument, _read_csv(layout)),
                          {"path": str(layout.path), "delim": layout.delimiter,
                           "latest": now + FUTURE_TOLERANCE, "earliest": EARLIEST})
    except duckdb.Error:
        return None
    if mem.execute("SELECT count(*) FROM reject_errors").fetchall()[0][0] or not pc.all(typed["ok"]).as_py():
        return None
    rows = typed.drop_columns(["ok"]).add_column(0, "rec", pa.array(np.arange(typed.num_rows, dtype=np.int64)))
    del typed
    # In batches of DuckDB's row groups, as a table's rows come out: DuckDB then inserts them on
    # every thread (batches of another size went in on one, at half the speed).
    rows = pa.Table.from_batches(rows.combine_chunks().to_batches(max_chunksize=ROW_GROUP_ROWS), rows.schema)
    with mem.relation("checked", rows) as checked:
        repeated = f"SELECT EXISTS (SELECT 1 FROM {checked} GROUP BY client_id, submitted_at HAVING count(*) > 1)"
        if mem.execute(repeated).fetchall()[0][0]:
            return None
    return rows


def _value_problems(mem: Connection, instrument: Instrument, now: datetime) -> list[Found]:
    """(rec, column, message) for every bad value of the rows that are not ok."""
    columns = ", ".join(["r.rowid", "r.client_id", "r.submitted_at",
                         f"TRY_CAST({validate.spaces_trimmed_sql('r.submitted_at')} AS TIMESTAMPTZ)",
                         "r.contact_request", "r.note",
                         *(f"r.{_quote(i)}" for i in instrument.item_ids)])
    rows = mem.execute(
        f"SELECT {columns} FROM raw r WHERE r.rowid IN (SELECT rowid FROM typed WHERE NOT ok) ORDER BY r.rowid"
    ).fetchall()
    problems: list[Found] = []
    limit = now + FUTURE_TOLERANCE
    note_max = instrument.note_max_length
    for rec, client, submitted, moment, contact, note, *answers in rows:
        # As the import stores them: without the apostrophe an export puts before a formula character.
        client_problem = validate.client_id_problem(unescape_cell(client.strip(" ")) if client else client)
        if client_problem:
            problems.append((rec, "client_id", client_problem))
        problems += _date_problem(rec, submitted, moment, limit)
        if contact is not None and contact.strip(" ").lower() not in ("",) + TRUE_WORDS + FALSE_WORDS:
            problems.append((rec, "contact_request", f"{contact!r} {CONTACT_WORDS}"))
        stored_note = unescape_cell(note)
        if stored_note is not None and len(stored_note) > note_max:
            problems.append((rec, "note", f"the note has {len(stored_note):,} characters; at most {note_max:,} fit"))
        if note is not None and "\x00" in note:
            problems.append((rec, "note", "the note contains a NUL character (binary data, not text)"))
        for item_id, value in zip(instrument.item_ids, answers):
            message = validate.answer_text_problem(value, instrument)
            if message:
                problems.append((rec, item_id, message))
    return problems


def _date_problem(rec: int, submitted: str | None, moment: datetime | None,
                  limit: datetime) -> list[Found]:
    # Spaces around it are read past, as the database's `trim` does; other white space is not.
    if submitted is None or not submitted.strip(" "):
        return [(rec, "submitted_at", "the date is empty")]
    text = submitted.strip(" ")
    if not re.fullmatch(ISO_8601, text, re.ASCII):  # digits 0-9 only, as the database's check reads them
        offset = re.search(r"[+-](\d{2}):?(\d{2})?$", text, re.ASCII)
        if (offset and re.fullmatch(ISO_8601, text[:offset.start()], re.ASCII) and int(offset[2] or 0) < 60
                and int(offset[1]) * 60 + int(offset[2] or 0) > 14 * 60):
            return [(rec, "submitted_at",
                     f"{submitted!r} has a time zone offset that does not exist (at most 14 hours)")]
        return [(rec, "submitted_at",
                 f"{submitted!r} is not an ISO 8601 date and time such as 2026-03-02T09:15:00+01:00")]
    if moment is None:
        return [(rec, "submitted_at", f"{submitted!r} is not a real date and time")]
    if moment > limit:
        return [(rec, "submitted_at", f"{submitted!r} is in the future")]
    if moment < EARLIEST:
        return [(rec, "submitted_at", f"{submitted!r} is before the year 2000; check the year")]
    return []


def _duplicate_problems(mem: Connection) -> list[Found]:
    """(rec, column, message, rec of the first occurrence) for repeated (client, time) rows."""
    groups = mem.execute(
        """
        SELECT list(rowid ORDER BY rowid) FROM typed WHERE ok
        GROUP BY client_id, submitted_at HAVING count(*) > 1
        """
    ).fetchall()
    return [
        (rec, "submitted_at", "same client and time as line ", recs[0])
        for (recs,) in groups for rec in recs[1:]
    ]


def _with_lines(layout: csvfile.CsvLayout, path: Path, found: Sequence[Found], *, raw_lines: dict[int, int],
                numbered_by_duckdb: int | None) -> list[Problem]:
    """Turn (rec, column, message[, other rec]) into Problems with exact line numbers: from `raw_lines`
    (records read one by one), or, for the `numbered_by_duckdb` records DuckDB's reader found, from
    one pass of the record-by-record reader, which must see the same records (`_read_alike`)."""
    wanted = set()
    for entry in found:
        wanted.add(entry[0])
        if len(entry) > 3:
            wanted.add(entry[3])
    lines = dict(raw_lines)
    if numbered_by_duckdb is not None:
        lines.update(_read_alike(layout, path, numbered_by_duckdb, wanted))
    problems = []
    for entry in found:
        rec, column, message = entry[:3]
        if len(entry) > 3:
            message = f"{message}{lines[entry[3]]} (a duplicate row)"
        problems.append(Problem(lines[rec], column, message))
    return problems


def _read_alike(layout: csvfile.CsvLayout, path: Path, records: int, wanted: set[int]) -> dict[int, int]:
    """The lines of the wanted records, read record by record. When that reader does not see DuckDB's
    `records` in the file, the lines it gives are not theirs: ImportRejected is raised with the
    problems of shape it finds instead. DuckDB's reader allows some quoting that the strict one
    refuses (a space after a closing quote, text between two quoted parts) and reads a record where
    it reads two."""
    count, structural, lines = csvfile.structure(layout, wanted)
    if structural or count != records:
        raise ImportRejected(str(path), structural or [Problem(
            0, "", f"the records cannot be told apart for certain ({records:,} or {count:,}): a quote "
                   "inside a field or a line break in a note is read in two ways; check the quotes")])
    return lines


def _check(mem: Connection, layout: csvfile.CsvLayout, instrument: Instrument, now: datetime,
           path: Path) -> pa.Table:
    """The file's check-ins as an Arrow table in the shape `ingest` reads, or ImportRejected with every
    problem and its line. A file with problems is read again into `raw` (with DuckDB's reader, or
    record by record where it cannot), whose row ids are the records' order too, and typed from
    there into `typed` to say what is wrong."""
    clean = _clean_in_one_pass(mem, layout, instrument, now)
    if clean is not None:
        return clean
    read_by_duckdb = _load_with_duckdb(mem, layout)
    problems: list[Problem] = [] if read_by_duckdb else _load_with_python(mem, layout)
    mem.execute(_typing(instrument, "raw"), {"latest": now + FUTURE_TOLERANCE, "earliest": EARLIEST})
    found: list[Found] = []
    if mem.execute("SELECT NOT coalesce(bool_and(ok), TRUE) FROM typed").fetchall()[0][0]:
        found = _value_problems(mem, instrument, now)
        explained = {entry[0] for entry in found}
        found += [(rec, "", "this row could not be read; check its values")
                  for (rec,) in mem.execute("SELECT rowid FROM typed WHERE NOT ok ORDER BY 1").fetchall()
                  if rec not in explained]
    found += _duplicate_problems(mem)
    if found or problems:
        if read_by_duckdb:
            raw_lines, numbered = {}, mem.execute("SELECT count(*) FROM raw").fetchall()[0][0]
        else:
            raw_lines, numbered = dict(mem.execute("SELECT rowid, line FROM raw").fetchall()), None
        raise ImportRejected(str(path), problems + _with_lines(layout, path, found, raw_lines=raw_lines,
                                                               numbered_by_duckdb=numbered))
    mem.execute("DROP TABLE raw")
    return mem.arrow("SELECT rowid AS rec, client_id, submitted_at, answers, contact_request, note FROM typed")


@contextmanager
def _literally(layout: csvfile.CsvLayout) -> Iterator[csvfile.CsvLayout]:
    """The layout with a path that DuckDB's reader takes as it is. It reads `*`, `?` and `[` as a
    pattern of file names, which would read other files than the one named; such a file is read
    through a link whose name has none."""
    resolved = layout.path.resolve()
    if not any(char in str(resolved) for char in "*?["):
        yield replace(layout, path=resolved)
        return
    with tempfile.TemporaryDirectory(prefix="koers-import-") as folder:
        link = Path(folder) / "checkins.csv"
        link.symlink_to(resolved)
        yield replace(layout, path=link)


def _checked(layout: csvfile.CsvLayout, instrument: Instrument, now: datetime, path: Path,
             progress: Callable[[str], None]) -> Any:
    """The file's check-ins as an Arrow table in the shape `ingest` reads, once the whole file is clean."""
    memory = duckdb.connect(":memory:", config={"memory_limit": IN_MEMORY_LIMIT,
                                                "temp_directory": tempfile.gettempdir()})
    mem = Connection(memory)
    try:
        configure(memory)
        progress("Reading and checking the file")
        with _literally(layout) as literal:
            rows = _check(mem, literal, instrument, now, path)
        if not rows.num_rows:
            raise ImportRejected(str(path), [Problem(0, "", "the file has a header but no check-ins")])
        return rows
    finally:
        mem.close()


def import_csv(
    db: Store,
    path: Path,
    instrument: Instrument,
    *,
    now: datetime,
    coach_id: int | None = None,
    progress: Callable[[str], None] = lambda message: None,
    on_ingested: Callable[[StoreConnection, IngestResult], None] | None = None,
) -> ImportSummary:
    """Import a check-in CSV file, all or nothing. `on_ingested` runs in the same transaction, after
    the check-ins are checked against what is stored (to record the import and recompute what is
    derived). Into a server database without check-ins, the rows may be handed to it unwritten
    (`IngestResult.unwritten`, see `checkins.ingest`): it writes them, or they are written after it."""
    layout = csvfile.inspect_file(path, instrument)
    staged = _checked(layout, instrument, now, path, progress)
    records = staged.num_rows
    progress(f"Writing {counted(records, 'check-in')}")
    try:
        with db.write() as con:
            if records >= MANY_ROWS:
                con.loading_many(["checkins", "scores", "states"])
            result = ingest(con, staged, instrument, source="import", now=now, coach_id=coach_id,
                            write_later=on_ingested is not None)
            del staged  # written, or held by `result` until it is: freed before what is derived is computed
            if on_ingested is not None:
                on_ingested(con, result)
            write_unwritten(con, result)
    except IngestConflict as conflict:
        found: list[Found] = [(c.rec, c.column, c.message) for c in conflict.conflicts]
        raise ImportRejected(str(path), _with_lines(layout, path, found, raw_lines={},
                                                    numbered_by_duckdb=records)) from None
    return ImportSummary(path, result.checkins, len(result.client_ids), len(result.clients_created), result)
