"""Whole columns in and out of PostgreSQL as CSV, as Arrow tables: Koers reads score series and writes
imports in bulk, never a Python object per row.

Both directions use COPY's CSV format (reading, the server writes it in blocks of many rows; see
`PostgresConnection.arrow`), which Arrow's C++ reader and writer handle at memory speed:
an unquoted empty field is NULL and a quoted one ("") is the empty string, in both. A list column
(a check-in's answers) travels as PostgreSQL's array literal, `{3,NULL,10}`, or, into a BYTEA column,
as one byte per element (`lists_as_bytes`).
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tracking.store.dialect import NULL_ANSWER_BYTE

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
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "bytea"
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


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex_literals(column: Any) -> Any:
    """A binary column as BYTEA's text form (\\x and two hex digits per byte); a NULL stays NULL."""
    values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    values = values.cast(pa.binary())
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4)
    data = np.frombuffer(values.buffers()[2] or b"", dtype=np.uint8)[offsets[0]:offsets[-1]]
    digits = np.empty(data.size * 2, dtype=np.uint8)
    digits[0::2], digits[1::2] = _HEX_DIGITS[data >> 4], _HEX_DIGITS[data & 15]
    hexed = pa.BinaryArray.from_buffers(pa.binary(), len(values), [None, pa.py_buffer((offsets - offsets[0]) * 2),
                                                                   pa.py_buffer(digits)])
    return pc.if_else(values.is_null(), pa.scalar(None, pa.binary()), pc.binary_join_element_wise(b"\\x", hexed, b""))


def csv_for_copy(table: Any) -> bytes:
    """The table as `COPY ... FROM STDIN (FORMAT csv)` reads it: no header, columns in order."""
    columns = []
    for field, column in zip(table.schema, table.columns):
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type):
            column = _hex_literals(column)
        elif pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
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


# Writing in PostgreSQL's binary COPY format: no number printed and parsed again.

BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
BINARY_TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01, where PostgreSQL counts timestamps from
# Type oid of a column -> (NumPy big-endian type of its value, or None for text).
_BINARY_TYPES: dict[int, str | None] = {
    16: "u1",    # boolean
    20: ">i8",   # bigint
    21: ">i2",   # smallint
    23: ">i4",   # integer
    701: ">f8",  # double precision
    17: None,    # bytea: the bytes as they are
    25: None,    # text
    1043: None,  # varchar
    1114: ">i8",  # timestamp: microseconds since 2000
}
_ARRAY_ELEMENTS = {1005: 21, 1007: 23, 1016: 20}  # smallint[], integer[], bigint[] -> element oid


_EXACT = {16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 701: pa.float64()}


def _fits(arrow_type: Any, oid: int) -> bool:
    if pa.types.is_dictionary(arrow_type):
        return _fits(arrow_type.value_type, oid)
    if oid in (25, 1043):
        return bool(pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type))
    if oid == 17:
        return bool(pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type))
    if oid == 1114:
        return bool(pa.types.is_timestamp(arrow_type))
    if oid == 16:
        return bool(pa.types.is_boolean(arrow_type))
    if oid == 701:
        return bool(pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type))
    if oid in (20, 21, 23):
        return bool(pa.types.is_integer(arrow_type))
    if oid in _ARRAY_ELEMENTS:
        return bool(pa.types.is_list(arrow_type) and pa.types.is_integer(arrow_type.value_type))
    return False


def lists_as_bytes(table: Any, oids: list[int]) -> Any:
    """`table` with each list column bound for a BYTEA column (oid 17) as one byte per element:
    whole numbers from 0 to 254, and `NULL_ANSWER_BYTE` for a NULL element; a NULL list stays NULL.
    This is how PostgreSQL keeps a check-in's answers (a fifth of the size of an array, and no
    element to parse on the way in)."""
    for index, (field, oid) in enumerate(zip(table.schema, oids)):
        if oid != 17 or not (pa.types.is_list(field.type) or pa.types.is_large_list(field.type)):
            continue
        lists = table.column(index).combine_chunks()
        flat = lists.flatten()  # the elements of the lists that are not NULL, in order
        if len(flat) and not pa.types.is_integer(flat.type):
            raise UnsupportedColumn(f"column {field.name}: only lists of whole numbers are kept as bytes")
        low_high = pc.min_max(flat)
        if low_high["min"].is_valid and (low_high["min"].as_py() < 0 or low_high["max"].as_py() >= NULL_ANSWER_BYTE):
            raise ValueError(f"column {field.name}: a value outside 0-{NULL_ANSWER_BYTE - 1} cannot be kept as a byte")
        values = np.asarray(pc.fill_null(flat, NULL_ANSWER_BYTE).to_numpy(zero_copy_only=False), dtype=np.uint8)
        lengths = pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False)
        offsets = np.zeros(len(lists) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        packed = pa.BinaryArray.from_buffers(pa.binary(), len(lists), [None, pa.py_buffer(offsets),
                                                                      pa.py_buffer(values)])
        if lists.null_count:
            packed = pc.if_else(lists.is_null(), pa.scalar(None, pa.binary()), packed)
        table = table.set_column(index, field.name, packed)
    return table


def binary_writable(table: Any, oids: list[int]) -> bool:
    """Whether `table` can go to columns of these type oids in the binary format: every column of a
    type it carries, and every list column's lists of one length and none NULL."""
    for column, oid in zip(table.columns, oids):
        if not _fits(column.type, oid):
            return False
        if oid in _ARRAY_ELEMENTS and len(column):
            lengths = pc.list_value_length(column)
            if column.null_count or pc.min(lengths).as_py() != pc.max(lengths).as_py():
                return False
            column = pc.list_flatten(column)
            oid = _ARRAY_ELEMENTS[oid]
        if oid in (20, 21, 23) and not _in_range(column, _EXACT[oid]):
            return False  # left to the server to refuse, with its own message
    return True


def _in_range(column: Any, target: Any) -> bool:
    extremes = pc.min_max(column)
    low, high = extremes["min"].as_py(), extremes["max"].as_py()
    bits = target.bit_width - 1
    return low is None or (-(2 ** bits) <= low and high < 2 ** bits)


class _Rows:
    """Binary rows being assembled, column after column: runs of fixed-width fields as one NumPy
    record array (a NULL value keeps its length, -1, and loses its bytes), text as Arrow columns."""

    def __init__(self, rows: int):
        self.rows = rows
        self._parts: list[Any] = []
        self._fields: list[tuple[str, Any]] = []  # (NumPy type, values or one value for all)
        self._nullable: dict[int, npt.NDArray[np.bool_]] = {}  # field -> where its value is present

    def raw(self, dtype: str, values: Any) -> None:
        self._fields.append((dtype, values))

    def value(self, dtype: str, values: Any, present: npt.NDArray[np.bool_] | None) -> None:
        """A field: its length (-1 for NULL) and its value's bytes."""
        width = np.dtype(dtype).itemsize
        self.raw(">i4", width if present is None else np.where(present, width, -1))
        if present is not None:
            self._nullable[len(self._fields)] = present
        self.raw(dtype, values)

    def text(self, column: Any) -> None:
        self._flush()
        self._parts.append(column)

    def _flush(self) -> None:
        if not self._fields:
            return
        record = np.dtype([(f"f{index}", dtype) for index, (dtype, _values) in enumerate(self._fields)])
        packed = np.empty(self.rows, dtype=record)
        for index, (_dtype, values) in enumerate(self._fields):
            packed[f"f{index}"] = values
        matrix = packed.view(np.uint8).reshape(self.rows, record.itemsize)
        offsets = np.zeros(self.rows + 1, dtype=np.int32)
        if not self._nullable:
            data = matrix.reshape(-1)
            offsets[1:] = np.arange(1, self.rows + 1, dtype=np.int32) * record.itemsize
        else:  # the NULL values' bytes are dropped, found by where they are rather than by a mask of every byte
            lengths = np.full(self.rows, record.itemsize, dtype=np.int32)
            places = record.fields
            assert places is not None
            dropped = []
            for index, present in self._nullable.items():
                start, width = places[f"f{index}"][1], np.dtype(self._fields[index][0]).itemsize
                absent = np.flatnonzero(~present)
                lengths[absent] -= width
                dropped.append(((absent * record.itemsize + start)[:, None] + np.arange(width)).reshape(-1))
            keep = np.ones(matrix.size, dtype=bool)
            keep[np.concatenate(dropped)] = False
            data = matrix.reshape(-1)[keep]
            np.cumsum(lengths, out=offsets[1:])
        self._parts.append(pa.BinaryArray.from_buffers(pa.binary(), self.rows,
                                                       [None, pa.py_buffer(offsets), pa.py_buffer(data)]))
        self._fields, self._nullable = [], {}

    def joined(self) -> Any:
        self._flush()
        return self._parts[0] if len(self._parts) == 1 else pc.binary_join_element_wise(*self._parts, b"")


def _numbers(column: Any, oid: int) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_] | None]:
    """A column's values as NumPy (zeros where NULL), and where they are present (None: everywhere)."""
    if oid in _EXACT:
        column = column.cast(_EXACT[oid])  # a value out of the column's range is refused, not wrapped
    present = None if not column.null_count else np.asarray(column.is_valid().to_numpy(zero_copy_only=False))
    if oid == 1114:
        micros = column.cast(pa.timestamp("us", column.type.tz), safe=False).cast(pa.int64())
        values = np.asarray(pc.fill_null(micros, 0).to_numpy(zero_copy_only=False)) - _PG_EPOCH_US
    else:
        values = np.asarray(pc.fill_null(column, False if oid == 16 else 0).to_numpy(zero_copy_only=False))
    return values, present


def _add_field(rows: _Rows, column: Any, oid: int) -> None:
    if oid in _ARRAY_ELEMENTS:
        _add_array(rows, column, _ARRAY_ELEMENTS[oid])
        return
    dtype = _BINARY_TYPES[oid]
    if dtype is None:
        text = column.cast(pa.binary())
        rows.raw(">i4", pc.fill_null(pc.binary_length(text), -1).to_numpy(zero_copy_only=False))
        rows.text(pc.fill_null(text, b"") if text.null_count else text)
        return
    rows.value(dtype, *_numbers(column, oid))


def _add_array(rows: _Rows, column: Any, element_oid: int) -> None:
    """A list column as one-dimensional arrays (each of the same length, `binary_writable`)."""
    count = rows.rows
    element = _BINARY_TYPES[element_oid]
    assert element is not None  # the elements are numbers (`_ARRAY_ELEMENTS`)
    width = np.dtype(element).itemsize
    flat = pc.list_flatten(column).cast(_EXACT[element_oid])
    size = len(flat) // count  # every list is as long (`binary_writable`)
    values = np.asarray(pc.fill_null(flat, 0).to_numpy(zero_copy_only=False)).reshape(count, size)
    present = (None if not flat.null_count
               else np.asarray(flat.is_valid().to_numpy(zero_copy_only=False)).reshape(count, size))
    nulls = 0 if present is None else size - present.sum(axis=1)
    rows.raw(">i4", 20 + size * (4 + width) - width * nulls)  # the array's length
    for header in (1, 0 if present is None else nulls > 0, element_oid, size, 1):  # dimensions, has NULLs, type,
        rows.raw(">i4", header)                                                  # length and lower bound
    for position in range(size):
        rows.value(element, values[:, position], None if present is None else present[:, position])


def binary_for_copy(table: Any, oids: list[int]) -> Any:
    """The rows of `table` as `COPY ... FROM STDIN (FORMAT binary)` reads them, for columns of the
    given type oids, without the format's header and trailer (`BINARY_HEADER`, `BINARY_TRAILER`)."""
    count = table.num_rows
    if not count:
        return b""
    rows = _Rows(count)
    rows.raw(">i2", len(oids))  # fields in the row
    for column, oid in zip(table.columns, oids):
        whole = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        _add_field(rows, whole.cast(whole.type.value_type) if pa.types.is_dictionary(whole.type) else whole, oid)
    joined = rows.joined()
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32, count=count + 1, offset=joined.offset * 4)
    return memoryview(joined.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0])))
