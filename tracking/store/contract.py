"""What a store module may rely on, on DuckDB and on PostgreSQL alike.

A store module takes a `StoreConnection` (what `read()` and `write()` yield) and writes SQL once,
with `?` placeholders, in the part of SQL both databases share. Bulk data moves as Arrow tables:
`arrow()` and `numpy()` read whole columns, `relation()` makes a table of rows visible to SQL for
the rest of the unit of work, and `load()` appends rows to a table (DuckDB scans Arrow in place;
PostgreSQL receives it through COPY).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

import numpy.typing as npt


class StoreResult(Protocol):
    def fetchone(self) -> tuple[Any, ...] | None:
        """The first row, or None; the rest of the result is read and dropped."""

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    @property
    def rowcount(self) -> int:
        """Rows an INSERT, UPDATE or DELETE without RETURNING changed."""


class StoreConnection(Protocol):
    dialect: str  # "duckdb" or "postgresql", for the rare statement that must differ

    def execute(self, query: str, parameters: Sequence[Any] | None = None) -> StoreResult:
        """Run one statement with `?` placeholders (several statements only without parameters)."""

    def executemany(self, query: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def arrow(self, query: str, parameters: Sequence[Any] | None = None) -> Any:
        """The whole result as a `pyarrow.Table`, read in bulk."""

    def numpy(self, query: str, parameters: Sequence[Any] | None = None) -> dict[str, npt.NDArray[Any]]:
        """The whole result as NumPy columns (masked where a column has NULLs), read in bulk."""

    def relation(self, name: str, rows: Any) -> AbstractContextManager[str]:
        """`rows` (an Arrow table or a pandas DataFrame) as a table called `name` inside the block.
        On PostgreSQL this needs `write()`: a read-only transaction cannot create a temporary table."""

    def load(self, table: str, rows: Any) -> int:
        """Append `rows` to `table`, columns matched by name; returns the number of rows."""

    def loading_many(self, tables: Sequence[str]) -> None:
        """Many rows are about to be appended to `tables` in this unit of work. On PostgreSQL, those
        of them that are empty lose their indexes until the unit of work commits, when each index is
        built again in one pass (as `pg_restore` does) instead of row by row; they stay locked until
        then. When another session keeps one of them in use, they all keep their indexes. On DuckDB,
        nothing changes."""

    def build_indexes(self, tables: Sequence[str] | None) -> None:
        """Build now what `loading_many` left for the commit, of `tables` (None: of all): for a caller
        whose bulk loads into them are done and who has other work while the database builds."""


class Store(Protocol):
    """A Koers database: `read()` and `write()` are short units of work."""

    dialect: str

    @property
    def location(self) -> str:
        """Where the data is, for messages: a file path, or a server address without its password."""

    @property
    def key(self) -> tuple[str, str]:
        """The same for every `Store` on the same data (one schema check per process)."""

    def exists(self) -> bool: ...

    def read(self) -> AbstractContextManager[StoreConnection]: ...

    def write(self) -> AbstractContextManager[StoreConnection]: ...


__all__ = ["Store", "StoreConnection", "StoreResult"]
