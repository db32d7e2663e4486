"""The little that differs between the SQL Koers writes and what psycopg sends to PostgreSQL.

Store modules write one SQL text for both databases, with DuckDB's `?` placeholders, in the part of
SQL both accept: `unnest(?::VARCHAR[])`, `?::INTEGER IS NULL`, `RETURNING`, `ON CONFLICT`,
`UPDATE ... FROM`, `FILTER (WHERE ...)`, window functions, `DISTINCT ON`, sequences and
`information_schema`. Where DuckDB has a spelling of its own, both take this one:

| DuckDB only                        | both                                                   |
| ---------------------------------- | ------------------------------------------------------ |
| `list(x ORDER BY y)`, `[]`         | `array_agg(x ORDER BY y)`, `ARRAY[]::VARCHAR[]`        |
| `['a', 'b'][i]`                    | `(ARRAY['a', 'b'])[i]`                                 |
| `epoch(t)`                         | `extract(epoch FROM t)::FLOAT8`                        |
| `::DOUBLE`, `::UTINYINT[]`         | `::FLOAT8`, `::SMALLINT[]`                             |
| `len(?::VARCHAR[])`                | `cardinality(?::VARCHAR[])`                            |
| `contains(a, b)`                   | `strpos(a, b) > 0`                                     |
| `arg_min(id, t)`                   | `DISTINCT ON (...) ... ORDER BY ...`                   |
| `GROUP BY ALL`, `ORDER BY ALL`     | the columns, named                                     |
| `FROM (SELECT ...)` without a name | `FROM (SELECT ...) AS name`                            |
| `CREATE OR REPLACE TEMP TABLE`     | `DROP TABLE IF EXISTS`, then `CREATE TEMP TABLE`       |
| text into a JSON column            | `value::JSON`                                          |
| `10.0 * x` (a DOUBLE)              | `10.0::FLOAT8 * x` (PostgreSQL reads 10.0 as NUMERIC)  |

Where the two share no spelling, a function below writes each (a timestamp as ISO text, JSON built
from columns, one answer of a check-in: DuckDB keeps them as a list, PostgreSQL as bytes). What is
left is the placeholder syntax: psycopg takes `%s`, and reads every `%` in the
text as the start of one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

DUCKDB = "duckdb"
POSTGRESQL = "postgresql"


# A check-in's answers: DuckDB keeps a list of UTINYINT (NULL = unanswered), PostgreSQL one byte per
# item (255 = unanswered; see its migration 0011). Both are read through the `answers` view, or
# one item at a time with `answer_at`.
NULL_ANSWER_BYTE = 255


def answer_at(column: str, position: int, dialect: str) -> str:
    """SQL for the answer to the item at `position` (1-based) of an `answers` column; NULL if
    unanswered (or when the check-in holds fewer items, as a list gives NULL past its end)."""
    if dialect == POSTGRESQL:
        return (f"CASE WHEN length({column}) >= {position} "
                f"THEN nullif(get_byte({column}, {position - 1}), {NULL_ANSWER_BYTE}) END")
    return f"{column}[{position}]"


def stored_answers(value: bytes | memoryview | list[int | None] | None) -> list[int | None]:
    """A check-in's `answers` column as a database returns it (a list from DuckDB, bytes from
    PostgreSQL) as a list in item order, None where unanswered."""
    if value is None:
        return []
    if isinstance(value, (bytes, bytearray, memoryview)):
        return [None if byte == NULL_ANSWER_BYTE else byte for byte in bytes(value)]
    return list(value)


def answers_parameter(answers: list[int | None], dialect: str) -> tuple[str, object]:
    """(placeholder, value) that set an `answers` column to `answers` (None = unanswered)."""
    if dialect == POSTGRESQL:
        if any(value is not None and not 0 <= value < NULL_ANSWER_BYTE for value in answers):
            raise ValueError(f"an answer outside 0-{NULL_ANSWER_BYTE - 1} cannot be kept as a byte")
        return "?::BYTEA", bytes(NULL_ANSWER_BYTE if value is None else value for value in answers)
    return "?::UTINYINT[]", list(answers)


def iso_seconds(expression: str, dialect: str) -> str:
    """SQL for a naive UTC timestamp as `tracking.clock.iso` writes it: `2026-11-23T12:00:00+00:00`."""
    if dialect == POSTGRESQL:
        return f"""to_char({expression}, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""
    return f"strftime({expression}, '%Y-%m-%dT%H:%M:%S+00:00')"


def json_object(dialect: str, pairs: Iterable[tuple[str, str]]) -> str:
    """SQL for a JSON object of (name, SQL expression) pairs; a NULL becomes `null`."""
    function = "json_build_object" if dialect == POSTGRESQL else "json_object"
    return f"{function}(" + ", ".join(f"'{name}', {value}" for name, value in pairs) + ")"


def json_array(dialect: str, values: Iterable[str]) -> str:
    """SQL for a JSON array of SQL expressions."""
    function = "json_build_array" if dialect == POSTGRESQL else "json_array"
    return f"{function}(" + ", ".join(values) + ")"


@lru_cache(maxsize=2048)
def to_pyformat(query: str) -> str:
    """`query` with each `?` placeholder as `%s` and each literal `%` as `%%`.

    A `?` inside quoted text ('...'), a quoted name ("..."), a dollar-quoted body or a comment is
    not a placeholder and stays. A `%` is doubled everywhere, because psycopg scans the whole text."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch in "'\"":
            end = _closing_quote(query, i)
            out.append(query[i:end].replace("%", "%%"))
            i = end
        elif query.startswith("--", i):
            end = query.find("\n", i)
            end = n if end < 0 else end
            out.append(query[i:end].replace("%", "%%"))
            i = end
        elif query.startswith("/*", i):
            end = query.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(query[i:end].replace("%", "%%"))
            i = end
        elif ch == "$" and (tag := _dollar_tag(query, i)):
            end = query.find(tag, i + len(tag))
            end = n if end < 0 else end + len(tag)
            out.append(query[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _closing_quote(query: str, start: int) -> int:
    """The index just past the quote that closes the one at `start` (a doubled quote is an escape)."""
    quote = query[start]
    i = start + 1
    while True:
        i = query.find(quote, i)
        if i < 0:
            return len(query)
        if query.startswith(quote * 2, i):
            i += 2
            continue
        return i + 1


def _dollar_tag(query: str, start: int) -> str | None:
    """`$tag$` or `$$` opening a dollar-quoted body at `start`; None for `$1` or a lone `$`."""
    end = query.find("$", start + 1)
    if end < 0:
        return None
    tag = query[start + 1:end]
    if tag and not (tag[0].isalpha() or tag[0] == "_") or not all(c.isalnum() or c == "_" for c in tag):
        return None
    return query[start:end + 1]
