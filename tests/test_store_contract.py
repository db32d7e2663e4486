"""The store's contract, the same on a DuckDB file and on PostgreSQL: `write()` is one transaction,
`read()` only reads, errors are named, and bulk data moves as whole columns."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest

from tracking.errors import DatabaseError

MOMENT = datetime(2026, 11, 23, 12, 0, 0, 250000)  # naive UTC, as stored


def audit_count(store) -> int:
    with store.read() as con:
        return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def record(con, action: str = "test") -> None:
    con.execute("INSERT INTO audit_log (logged_at, actor, action) VALUES (?, ?, ?)", [MOMENT, "cli", action])


def test_a_write_is_committed_when_its_block_ends(store):
    with store.write() as con:
        record(con)
        record(con)
    assert audit_count(store) == 2


def test_a_write_that_fails_in_python_leaves_nothing_behind(store):
    with pytest.raises(ZeroDivisionError), store.write() as con:
        record(con)
        _ = 1 / 0
    assert audit_count(store) == 0


def test_a_write_that_fails_in_sql_is_a_database_error_and_leaves_nothing_behind(store):
    with pytest.raises(DatabaseError) as raised, store.write() as con:
        record(con)
        con.execute("INSERT INTO audit_log (logged_at, actor, action) VALUES (?, NULL, ?)", [MOMENT, "x"])
    assert "nothing was written" in str(raised.value)
    assert store.location in str(raised.value)
    assert audit_count(store) == 0


def test_a_read_cannot_write(store):
    with pytest.raises(DatabaseError), store.read() as con:
        record(con)
    assert audit_count(store) == 0


def test_rowcount_counts_the_rows_an_update_changed(store):
    with store.write() as con:
        for action in ("a", "b", "c"):
            record(con, action)
        assert con.execute("UPDATE audit_log SET actor = ? WHERE action <> ?", ["scheduler", "b"]).rowcount == 2
        assert con.execute("DELETE FROM audit_log WHERE action = ?", ["zzz"]).rowcount == 0


def test_question_marks_in_quoted_text_are_not_placeholders_and_percent_signs_stay(store):
    with store.write() as con:
        con.execute("INSERT INTO audit_log (logged_at, actor, action, client_id) VALUES (?, 'cli', 'why?', ?)",
                    [MOMENT, "100% sure"])
    with store.read() as con:
        rows = con.execute(
            "SELECT action, client_id FROM audit_log WHERE client_id LIKE '%\\%%' ESCAPE '\\' AND action = ?",
            ["why?"],
        ).fetchall()
    assert rows == [("why?", "100% sure")]


def test_json_comes_back_as_the_text_that_was_stored(store):
    detail = '{"rows": 3, "file": "a.csv"}'
    with store.write() as con:
        con.execute("INSERT INTO audit_log (logged_at, actor, action, detail) VALUES (?, 'cli', 'import', ?)",
                    [MOMENT, detail])
    with store.read() as con:
        assert con.execute("SELECT detail FROM audit_log").fetchone() == (detail,)


def test_a_list_parameter_is_an_array_to_unnest(store):
    with store.write() as con:
        for action in ("a", "b", "c"):
            record(con, action)
    with store.read() as con:
        rows = con.execute(
            "SELECT action FROM audit_log WHERE action IN (SELECT unnest(?::VARCHAR[])) ORDER BY action", [["a", "c"]]
        ).fetchall()
    assert rows == [("a",), ("c",)]


ROWS = pa.table({
    "rec": pa.array([0, 1, 2, 3], pa.int64()),
    "client_id": pa.array(["C1", 'a "quoted", name', "", None], pa.string()),
    "submitted_at": pa.array([MOMENT, MOMENT, MOMENT, None], pa.timestamp("us")),
    "answers": pa.array([[3, None, 10], [], None, [0]], pa.list_(pa.uint8())),
    "contact_request": pa.array([True, False, None, True], pa.bool_()),
    "note": pa.array(["two\nlines", "", None, "semi;colon"], pa.string()),
    "score": pa.array([1.5, None, float("nan"), 100.0], pa.float64()),
})


def test_a_relation_holds_arrow_rows_exactly_for_the_rest_of_the_unit_of_work(store):
    with store.write() as con, con.relation("incoming", ROWS) as name:
        rows = con.execute(
            f"SELECT rec, client_id, submitted_at, answers, answers[1]::INTEGER, contact_request, note, score "
            f"FROM {name} ORDER BY rec"
        ).fetchall()
    assert [row[:7] for row in rows] == [
        (0, "C1", MOMENT, [3, None, 10], 3, True, "two\nlines"),
        (1, 'a "quoted", name', MOMENT, [], None, False, ""),
        (2, "", MOMENT, None, None, None, None),
        (3, None, None, [0], 0, True, "semi;colon"),
    ]
    scores = [row[7] for row in rows]
    assert scores[0] == 1.5 and scores[1] is None and np.isnan(scores[2]) and scores[3] == 100.0


def test_a_relation_is_gone_after_its_block(store):
    with store.write() as con:
        with con.relation("incoming", ROWS):
            pass
        with pytest.raises(Exception):  # noqa: B017 - each database names the missing table its own way
            con.execute("SELECT count(*) FROM incoming").fetchall()


def test_load_appends_arrow_rows_to_a_table(store):
    rows = pa.table({
        "logged_at": pa.array([MOMENT, MOMENT], pa.timestamp("us")),
        "actor": ["cli", "scheduler"],
        "action": ["import", "remind"],
        "detail": ['{"rows": 2}', None],
    })
    with store.write() as con:
        assert con.load("audit_log", rows) == 2
    with store.read() as con:
        assert con.execute("SELECT actor, action, detail FROM audit_log ORDER BY id").fetchall() == [
            ("cli", "import", '{"rows": 2}'), ("scheduler", "remind", None)]


def test_arrow_reads_whole_columns_with_the_same_types_on_both_databases(store):
    with store.write() as con, con.relation("incoming", ROWS):
        table = con.arrow(
            "SELECT rec, client_id, submitted_at, extract(epoch FROM submitted_at)::FLOAT8 AS seconds, "
            "contact_request, score, answers[3]::SMALLINT AS third FROM incoming WHERE rec < ? ORDER BY rec",
            [3],
        )
    assert table.schema.names == ["rec", "client_id", "submitted_at", "seconds", "contact_request", "score", "third"]
    assert table.schema.field("rec").type == pa.int64()
    assert table.schema.field("submitted_at").type == pa.timestamp("us")
    assert table.schema.field("third").type == pa.int16()
    assert table.column("client_id").to_pylist() == ["C1", 'a "quoted", name', ""]
    assert table.column("seconds").to_pylist() == [MOMENT.replace(tzinfo=UTC).timestamp()] * 3
    assert table.column("contact_request").to_pylist() == [True, False, None]
    assert table.column("third").to_pylist() == [10, None, None]


def test_numpy_gives_masked_columns_where_there_are_nulls(store):
    with store.write() as con, con.relation("incoming", ROWS):
        data = con.numpy("SELECT rec, client_id, score, contact_request FROM incoming ORDER BY rec")
    assert data["rec"].tolist() == [0, 1, 2, 3]
    assert np.ma.getmaskarray(data["score"]).tolist() == [False, True, False, False]
    filled = np.ma.filled(np.ma.asarray(data["score"], dtype=np.float64), -1.0)
    assert filled[0] == 1.5 and filled[1] == -1.0 and np.isnan(filled[2])
    assert np.ma.getmaskarray(data["client_id"]).tolist() == [False, False, False, True]
    assert np.ma.getmaskarray(data["contact_request"]).tolist() == [False, False, True, False]


def test_an_empty_result_reads_as_empty_columns(store):
    with store.read() as con:
        table = con.arrow("SELECT id, actor FROM audit_log WHERE id < 0")
        data = con.numpy("SELECT id, actor FROM audit_log WHERE id < 0")
    assert table.num_rows == 0 and table.schema.names == ["id", "actor"]
    assert len(data["id"]) == 0


def test_a_long_result_keeps_its_rows_in_order_across_the_blocks_it_is_read_in(store, monkeypatch):
    from tracking.store import postgres

    monkeypatch.setattr(postgres, "CSV_BLOCK_ROWS", 3)
    with store.read() as con:
        table = con.arrow("SELECT x, 'r' || x::VARCHAR AS label FROM (SELECT unnest(?::INTEGER[]) AS x) AS xs "
                          "ORDER BY x DESC", [list(range(10))])
    assert table.column("x").to_pylist() == list(range(9, -1, -1))
    assert table.column("label").to_pylist() == [f"r{x}" for x in range(9, -1, -1)]


EVERY_TYPE = pa.table({
    "rec": pa.array([0, 1, 2, 3, 4], pa.int64()),
    "big": pa.array([-(2 ** 63), 2 ** 63 - 1, None, 0, -1], pa.int64()),
    "small": pa.array([-(2 ** 15), 2 ** 15 - 1, None, 0, 7], pa.int16()),
    "middle": pa.array([0, 65535, None, 1, 2], pa.uint16()),
    "score": pa.array([1.5, None, float("inf"), -0.0, 1e-300], pa.float64()),
    "flag": pa.array([True, False, None, True, False], pa.bool_()),
    "note": pa.array(['a "quoted", name\non two lines', "", None, "ünïcødé €", "\\N"], pa.string()),
    "kind": pa.DictionaryArray.from_arrays(pa.array([1, 0, None, 1, 1], pa.int32()), pa.array(["import", "link"])),
    "moment": pa.array([MOMENT, datetime(1999, 12, 31, 23, 59, 59, 999999), None, datetime(1970, 1, 1),
                        datetime(2100, 1, 1, 0, 0, 0, 1)], pa.timestamp("us")),
    "answers": pa.array([[3, None, 10], [None, None, None], [0, 0, 0], [10, 10, 10], [1, 2, 3]],
                        pa.list_(pa.uint8())),
})


@pytest.mark.parametrize("block_rows", [2, 65_536])
def test_rows_of_every_type_travel_exactly_also_across_blocks(store, monkeypatch, block_rows):
    """On PostgreSQL these go in PostgreSQL's binary format (every list as long as the others)."""
    from tracking.store import columnar, postgres

    monkeypatch.setattr(postgres, "COPY_BLOCK_ROWS", block_rows)
    blocks = []
    encode = columnar.binary_for_copy
    monkeypatch.setattr(columnar, "binary_for_copy", lambda table, oids: blocks.append(table.num_rows) or encode(
        table, oids))
    with store.write() as con, con.relation("incoming", EVERY_TYPE) as name:
        rows = con.execute(f"SELECT * FROM {name} ORDER BY rec").fetchall()
    assert blocks == ([] if store.dialect == "duckdb" else [2, 2, 1] if block_rows == 2 else [5])
    assert [row[:4] + row[5:] for row in rows] == [
        (0, -(2 ** 63), -(2 ** 15), 0, True, 'a "quoted", name\non two lines', "link", MOMENT, [3, None, 10]),
        (1, 2 ** 63 - 1, 2 ** 15 - 1, 65535, False, "", "import", datetime(1999, 12, 31, 23, 59, 59, 999999),
         [None, None, None]),
        (2, None, None, None, None, None, None, None, [0, 0, 0]),
        (3, 0, 0, 1, True, "ünïcødé €", "link", datetime(1970, 1, 1), [10, 10, 10]),
        (4, -1, 7, 2, False, "\\N", "link", datetime(2100, 1, 1, 0, 0, 0, 1), [1, 2, 3]),
    ]
    scores = [row[4] for row in rows]
    assert scores[0] == 1.5 and scores[1] is None and scores[2] == float("inf") and scores[4] == 1e-300
    assert scores[3] == 0.0 and np.copysign(1, scores[3]) == -1


def test_a_value_out_of_a_columns_range_is_refused_by_the_database_and_nothing_is_written(store):
    rows = pa.table({"checkin_id": pa.array([1], pa.int64()), "sleep": pa.array([70_000], pa.int64())})
    with pytest.raises(DatabaseError), store.write() as con:
        con.load("scores", rows)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM scores").fetchall() == [(0,)]


def test_a_row_the_table_refuses_mid_load_is_a_database_error_and_nothing_is_written(store, monkeypatch):
    from tracking.store import postgres

    monkeypatch.setattr(postgres, "COPY_BLOCK_ROWS", 2)
    rows = pa.table({"checkin_id": pa.array([1, 2, 3, None, 5], pa.int64()),
                     "context": pa.array([1.0, 2.0, 3.0, 4.0, 5.0], pa.float64())})
    with pytest.raises(DatabaseError), store.write() as con:
        con.load("scores", rows)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM scores").fetchall() == [(0,)]


ANSWER_LISTS = [[3, None, 10], [None, None, None], [0, 0, 0], [10, 9, 8]]


@pytest.mark.parametrize("csv", [False, True], ids=["binary", "csv"])
def test_answers_go_in_as_lists_and_read_back_one_item_at_a_time(store, monkeypatch, csv):
    """DuckDB keeps a list, PostgreSQL a byte per item; `answer_at` reads either, NULL where unanswered."""
    from tracking.store import columnar
    from tracking.store.dialect import answer_at

    if csv:  # the text form COPY takes when another column cannot go in the binary format
        monkeypatch.setattr(columnar, "binary_writable", lambda table, oids: False)
    rows = pa.table({
        "id": pa.array([1, 2, 3, 4], pa.int64()),
        "client_id": pa.array(["C1"] * 4),
        "submitted_at": pa.array([datetime(2026, 1, day) for day in (1, 2, 3, 4)], pa.timestamp("us")),
        "instrument_version": pa.array(["1"] * 4),
        "source": pa.array(["import"] * 4),
        "answers": pa.array(ANSWER_LISTS, pa.list_(pa.uint8())),
        "recorded_at": pa.array([MOMENT] * 4, pa.timestamp("us")),
    })
    with store.write() as con:
        con.load("checkins", rows)
        read = ", ".join(answer_at("answers", position, con.dialect) for position in (1, 2, 3))
        assert [list(row) for row in con.execute(f"SELECT {read} FROM checkins ORDER BY id").fetchall()] == ANSWER_LISTS
        con.execute("DELETE FROM checkins")


def test_a_list_kept_as_bytes_takes_only_values_a_byte_can_hold():
    from tracking.store.columnar import lists_as_bytes

    table = pa.table({"answers": pa.array([[1, None], None, [254, 0]], pa.list_(pa.int16()))})
    packed = lists_as_bytes(table, [17]).column("answers").to_pylist()
    assert packed == [bytes([1, 255]), None, bytes([254, 0])]
    assert lists_as_bytes(table, [1005]).equals(table)  # into an array column it stays a list
    for value in (255, -1):
        with pytest.raises(ValueError, match="0-254"):
            lists_as_bytes(pa.table({"answers": pa.array([[value]], pa.list_(pa.int16()))}), [17])
