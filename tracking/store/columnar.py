"""Whole columns in and out of PostgreSQL as CSV, as Arrow tables: Koers reads score series and writes
imports in bulk, never a Python object per row.

Both directions use COPY's CSV format (reading, the server writes it in blocks of many rows; see
`PostgresConnection.arrow`), which Arrow's C++ reader and writer handle at memory speed:
an unquoted empty field is NULL and a quoted one ("") is the empty string, in both. A list column
(a check-in's answers) travels as PostgreSQL's array literal, `{3,NULL,10}`.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# PostgreSQL type oid -> the Arrow type a result column is read as.
_READ_TYPES: dict[int, Any] = {
    16: pa.bool_(),           # boolean
    20: pa.int64(),           # bigint
    21: pa.int16(),           # smallint
    23: pa.int32(),           # integer
    25: pa.string(),          # text
    114: pa.string(),         # json, as its text (as DuckDB returns it)
    700: pa.float64(),        # real
    701: pa.float64(),        # double precision
    1043: pa.string(),        # varchar
    1082: pa.date32(),        # date
    1114: pa.timestamp("us"),  # timestamp (Koers stores naive UTC)
    1700: pa.float64(),       # numeric (extract(epoch ...), sums of integers)
    3802: pa.string(),        # jsonb
}


class UnsupportedColumn(TypeError):
    """A column type that bulk reading or writing does not carry (select or pass its parts instead)."""


def read_types(columns: list[tuple[str, int]]) -> dict[str, Any]:
    """Arrow types for result columns given as (name, type oid)."""
    names = [name for name, _oid in columns]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise UnsupportedColumn(f"the result names {', '.join(duplicated)} more than once; give each column an alias")
    types = {}
    for name, oid in columns:
        if oid not in _READ_TYPES:
            raise UnsupportedColumn(f"column {name}: type oid {oid} is not read in bulk; cast it or select its parts")
        types[name] = _READ_TYPES[oid]
    return types


def csv_line_sql(columns: list[tuple[str, int]]) -> str:
    """SQL for a result row (columns given as name, type oid) as one CSV line in the form COPY writes:
    text quoted, NULL an empty field, booleans t and f."""
    fields = []
    for name, oid in columns:
        column = quote_name(name)
        if _READ_TYPES[oid] == pa.string():
            fields.append(f"""coalesce('"' || replace({column}::TEXT, '"', '""') || '"', '')""")
        elif oid == 16:
            fields.append(f"CASE WHEN {column} THEN 't' WHEN NOT {column} THEN 'f' ELSE '' END")
        else:
            fields.append(f"coalesce({column}::TEXT, '')")
    return " || ',' || ".join(fields)


def table_from_csv(data: bytes, types: dict[str, Any]) -> Any:
    """An Arrow table from `COPY (...) TO STDOUT (FORMAT csv)` output, typed as `types` says."""
    schema = pa.schema(list(types.items()))
    if not data:
        return schema.empty_table()
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=list(types), use_threads=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types, null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            true_values=["t"], false_values=["f"],
        ),
    )


def numpy_columns(table: Any) -> dict[str, npt.NDArray[Any]]:
    """Columns as NumPy arrays, the shape DuckDB's `fetchnumpy()` gives: plain arrays, or masked
    arrays where a column has NULLs; text as object arrays."""
    columns: dict[str, npt.NDArray[Any]] = {}
    for name, column in zip(table.column_names, table.columns):
        if column.null_count == 0:
            columns[name] = column.to_numpy(zero_copy_only=False)
            continue
        mask = column.is_null().to_numpy(zero_copy_only=False)
        if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
            filled = pc.fill_null(column, 0).to_numpy(zero_copy_only=False)
        elif pa.types.is_boolean(column.type):
            filled = pc.fill_null(column, False).to_numpy(zero_copy_only=False)
        else:
            filled = column.to_numpy(zero_copy_only=False)
        columns[name] = np.ma.masked_array(filled, mask=mask)
    return columns


# Writing.

def _write_type(arrow_type: Any) -> str:
    if pa.types.is_dictionary(arrow_type):
        return _write_type(arrow_type.value_type)
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if arrow_type in (pa.int8(), pa.int16(), pa.uint8()):
        return "smallint"
    if arrow_type in (pa.int32(), pa.uint16()):
        return "integer"
    if arrow_type in (pa.int64(), pa.uint32()):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_null(arrow_type):
        return "text"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp" if arrow_type.tz is None else "timestamptz"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        element = arrow_type.value_type
        if pa.types.is_integer(element) or pa.types.is_floating(element):
            return _write_type(element) + "[]"
    raise UnsupportedColumn(f"Arrow type {arrow_type} is not written in bulk")


def column_definitions(schema: Any) -> str:
    """`"name" type, ...` for a temporary table holding an Arrow table of this schema."""
    return ", ".join(f"{quote_name(field.name)} {_write_type(field.type)}" for field in schema)


def quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _array_literals(column: Any) -> Any:
    """A list column as PostgreSQL array literals ({1,NULL,3}); a NULL list stays NULL."""
    lists = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    lengths = pc.fill_null(pc.list_value_length(lists), 0)
    offsets = np.zeros(len(lists) + 1, dtype=np.int32)
    np.cumsum(lengths.to_numpy(zero_copy_only=False), out=offsets[1:])
    values = pc.fill_null(pc.list_flatten(lists).cast(pa.string()), "NULL")
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets), values, mask=lists.is_null())
    return pc.binary_join_element_wise("{", pc.binary_join(rebuilt, ","), "}", "")


def csv_for_copy(table: Any) -> bytes:
    """The table as `COPY ... FROM STDIN (FORMAT csv)` reads it: no header, columns in order."""
    columns = []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            _write_type(field.type)  # refuses lists of anything but numbers
            column = _array_literals(column)
        elif pa.types.is_dictionary(field.type):
            column = column.cast(field.type.value_type)
        elif pa.types.is_timestamp(field.type) and field.type.unit == "ns":
            column = column.cast(pa.timestamp("us", field.type.tz), safe=False)
        elif pa.types.is_null(field.type):
            column = column.cast(pa.string())
        columns.append(column)
    out = io.BytesIO()
    pacsv.write_csv(pa.table(columns, names=table.column_names), out,
                    pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return out.getvalue()


def as_arrow(data: Any) -> Any:
    """An Arrow table from an Arrow table or a pandas DataFrame (without its index)."""
    if isinstance(data, pa.Table):
        return data
    return pa.Table.from_pandas(data, preserve_index=False)
