"""Each rule for a value is written once: where the importer checks a file inside DuckDB, the SQL is
generated from the same rule as the Python check, and here they are proven to agree."""

from __future__ import annotations

import re
import unicodedata

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracking import validate
from tracking.errors import InvalidValue, InvalidValues
from tracking.instrument import load_instrument

INSTRUMENT = load_instrument()
CELLS = st.one_of(
    st.none(),
    st.text(alphabet=" \t+-.,0123456789e٥x", max_size=5),
    st.integers(-20, 120).map(str),
    st.text(max_size=6),
)


@pytest.fixture(scope="module")
def con():
    with duckdb.connect() as connection:
        yield connection


def _sql_says_ok(con, sql: str, value) -> bool:
    return bool(con.execute(f"SELECT {sql} FROM (SELECT ?::VARCHAR AS cell)", [value]).fetchone()[0])


@settings(max_examples=400, deadline=None)
@given(cell=CELLS)
def test_the_answer_rule_says_the_same_in_python_and_in_duckdb(con, cell):
    python_ok = validate.answer_text_problem(cell, INSTRUMENT) is None
    assert _sql_says_ok(con, validate.answers_text_sql(["cell"], INSTRUMENT), cell) is python_ok


@settings(max_examples=400, deadline=None)
@given(cells=st.lists(st.one_of(CELLS, st.sampled_from(["5", "", None, "1,2", ",", " 7 ", "\t+3"])),
                      min_size=2, max_size=4))
def test_a_row_of_answers_is_checked_at_once_as_each_cell_alone(con, cells):
    python_ok = all(validate.answer_text_problem(cell, INSTRUMENT) is None for cell in cells)
    names = [f"c{i}" for i in range(len(cells))]
    sql = validate.answers_text_sql(names, INSTRUMENT)
    row = ", ".join(f"?::VARCHAR AS {name}" for name in names)
    assert bool(con.execute(f"SELECT {sql} FROM (SELECT {row})", cells).fetchone()[0]) is python_ok


# Look-alikes and reversals: zero-width, joiners, direction marks and overrides, odd spaces, fillers,
# variation selectors, tags, private use; and ordinary letters from far planes that must stay allowed.
TRICKY = ("\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202e\u2066\u2069\u061c\u00a0\u2007"
          "\u3000\u3164\u115f\u2800\ufe0f\U000e0041\U000e0100\ue000\U0010fffd\u2028"
          "é漢𝔄😀ß")


@settings(max_examples=600, deadline=None)
@given(cell=st.one_of(st.text(max_size=70), st.text(alphabet=" \t\nM-0123\x00\x1f", max_size=8),
                      st.text(alphabet="M-201 " + TRICKY, max_size=8)))
def test_the_client_id_rule_says_the_same_in_python_and_in_duckdb(con, cell):
    python_ok = validate.client_id_problem(cell) is None
    assert _sql_says_ok(con, validate.client_id_sql("cell"), cell) is python_ok


@pytest.mark.parametrize("ch", list(TRICKY[:-5]))
def test_an_invisible_or_direction_character_is_refused_in_ids_and_names(ch):
    code = f"U+{ord(ch):04X}"
    assert code in validate.client_id_problem(f"M-201{ch}")
    with pytest.raises(InvalidValue, match=re.escape(f"invisible or text-direction character ({code})")):
        validate.name(f"Eve{ch}Adams")


@pytest.mark.parametrize("text", ["Zoë", "漢字", "𝔄da", "Ana-María O'Neil", "Ömer 😀", "M-201"])
def test_letters_of_any_script_stay_allowed(text):
    assert validate.invisible_character(text) is None
    assert validate.name(text) == text


def test_the_list_of_invisible_characters_covers_every_one_in_unicode():
    """Every control, format, separator, private-use and surrogate character, and every space but the
    ordinary one, by this Python's Unicode data."""
    missed = [f"U+{cp:04X}" for cp in range(0x110000)
              if (unicodedata.category(chr(cp)) in {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"}
                  or (unicodedata.category(chr(cp)) == "Zs" and cp != 0x20))
              and validate.invisible_character(chr(cp)) is None]
    assert not missed


@pytest.mark.parametrize(("cell", "problem"), [
    ("5", None), (" 7 ", None), ("+3", None), ("", None), (None, None),
    ("11", "out of range"), ("-1", "out of range"), ("2.5", "a fraction"), ("2,5", "a fraction"),
    ("veel", "not a number"), ("٥", "not a number"), ("7.", "a fraction"), (".5", "a fraction"),
    ("1e1", "not a number written with digits"), ("1_0", "not a number written with digits"),
    ("nan", "not a number written with digits"), ("inf", "not a number written with digits"),
])
def test_a_bad_answer_in_a_file_is_named_for_what_is_wrong(cell, problem):
    found = validate.answer_text_problem(cell, INSTRUMENT)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize("value", [11, -1, 2.5, True, "5"])
def test_a_form_answer_that_is_not_a_whole_number_on_the_scale_is_refused(value):
    with pytest.raises(InvalidValue) as refused:
        validate.answers({"sleep": value}, INSTRUMENT)
    assert refused.value.field == "item"


def test_a_coach_needs_a_name():
    with pytest.raises(InvalidValue, match="is empty"):
        validate.required_name("   ")
    assert validate.required_name(" Ada ") == "Ada"


def test_several_problems_are_reported_at_once():
    with pytest.raises(InvalidValues) as refused:
        validate.collect({"email": lambda: validate.email("nope"), "time": lambda: validate.clock_time("25:00"),
                          "lang": lambda: validate.lang("nl")})
    assert [problem.field for problem in refused.value.problems] == ["email", "time"]


def test_the_sql_that_takes_spaces_off_takes_only_spaces_as_python_does():
    texts = ["", " ", "   ", "K-1", " K-1", "K-1  ", "  K 1  ", "\tK-1", "K-1\u00a0", " \u3000x\u3000 ", " \t ", None]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, x VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    got = [row[0] for row in con.execute(f"SELECT {validate.spaces_trimmed_sql('x')} FROM t ORDER BY i").fetchall()]
    assert got == [None if text is None else text.strip(" ") for text in texts]
