"""Scoring: strain per item, 0-100 per dynamic, missing (not zero) with fewer than two answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracking.instrument import DYNAMICS, load_instrument
from tracking.scoring import score_answers, score_matrix

INSTRUMENT = load_instrument()
PHYSIOLOGICAL = ("sleep", "energy", "concentration", "physical_exhaustion")  # 3 resource, 1 strain
RELATIONAL = ("reactivity", "feedback_as_rejection", "boundary_risk", "guilt_at_rest")  # all strain


@pytest.mark.parametrize("given_answers,dynamic,expected", [
    # resource items are reversed, strain items count as answered
    ({"sleep": 10, "energy": 10, "concentration": 10, "physical_exhaustion": 0}, "physiological", 0.0),
    ({"sleep": 0, "energy": 0, "concentration": 0, "physical_exhaustion": 10}, "physiological", 100.0),
    ({"sleep": 2, "energy": 3, "concentration": 4, "physical_exhaustion": 9}, "physiological", 75.0),
    ({"reactivity": 8, "feedback_as_rejection": 6, "boundary_risk": 4, "guilt_at_rest": 2}, "relational", 50.0),
    ({"meaning": 1, "worth_from_performance": 9, "idle_threat": 8, "self_apart_from_work": 2}, "identity", 85.0),
    ({"work_safety": 5, "predictability": 5, "autonomy_support": 5, "alert_at_rest": 5}, "context", 50.0),
    # two of four answered: scored from those two
    ({"sleep": 4, "physical_exhaustion": 8}, "physiological", 70.0),
    ({"reactivity": 10, "guilt_at_rest": 0}, "relational", 50.0),
    # one of four answered: missing, not zero
    ({"sleep": 0}, "physiological", None),
    ({}, "context", None),
])
def test_dynamic_scores(given_answers, dynamic, expected):
    assert score_answers(given_answers, INSTRUMENT)[dynamic] == expected


def test_each_dynamic_is_scored_from_its_own_items_only():
    scores = score_answers({"reactivity": 10, "feedback_as_rejection": 10, "sleep": 10, "energy": 10}, INSTRUMENT)
    assert scores == {"context": None, "relational": 100.0, "physiological": 0.0, "identity": None}


def test_unknown_items_are_refused():
    with pytest.raises(KeyError, match="mood"):
        score_answers({"mood": 3}, INSTRUMENT)


answer = st.one_of(st.none(), st.integers(min_value=0, max_value=10))
full_answers = st.fixed_dictionaries({item_id: answer for item_id in INSTRUMENT.item_ids})


@given(full_answers)
def test_scores_stay_within_0_and_100_or_are_missing(given_answers):
    for dynamic, value in score_answers(given_answers, INSTRUMENT).items():
        answered = sum(given_answers[i.id] is not None for i in INSTRUMENT.items_of(dynamic))
        if answered < 2:
            assert value is None
        else:
            assert 0.0 <= value <= 100.0


@given(full_answers, st.randoms())
def test_item_order_does_not_matter(given_answers, random):
    keys = list(given_answers)
    random.shuffle(keys)
    shuffled = {key: given_answers[key] for key in keys}
    assert score_answers(shuffled, INSTRUMENT) == score_answers(given_answers, INSTRUMENT)


@given(st.lists(full_answers, min_size=1, max_size=20))
def test_the_matrix_form_agrees_with_one_checkin_at_a_time(rows):
    values = np.array([[np.nan if r[i] is None else r[i] for i in INSTRUMENT.item_ids] for r in rows], dtype=float)
    matrix = score_matrix(values, INSTRUMENT)
    for row, given_answers in zip(matrix, rows):
        single = score_answers(given_answers, INSTRUMENT)
        for column, dynamic in enumerate(DYNAMICS):
            expected = single[dynamic]
            assert (math.isnan(row[column]) and expected is None) or row[column] == pytest.approx(expected)


@given(st.integers(min_value=0, max_value=10))
def test_more_strain_on_a_strain_item_never_lowers_the_score(value):
    base = {"reactivity": 5, "feedback_as_rejection": 5, "boundary_risk": 5, "guilt_at_rest": value}
    higher = {**base, "guilt_at_rest": min(value + 1, 10)}
    assert score_answers(higher, INSTRUMENT)["relational"] >= score_answers(base, INSTRUMENT)["relational"]


@given(st.lists(full_answers, min_size=1, max_size=30))
def test_the_sql_form_agrees_with_the_numpy_form(rows):
    import duckdb

    from tracking.scoring import score_sql

    con = duckdb.connect()
    lists = [[r[i] for i in INSTRUMENT.item_ids] for r in rows]
    expressions = score_sql(INSTRUMENT)
    con.execute("CREATE TABLE t AS SELECT unnest(?::UTINYINT[][]) AS answers", [lists])
    got = con.execute(f"SELECT {', '.join(expressions[d] for d in DYNAMICS)} FROM t").fetchall()
    values = np.array([[np.nan if v is None else v for v in row] for row in lists], dtype=float)
    expected = score_matrix(values, INSTRUMENT)
    for sql_row, numpy_row in zip(got, expected):
        for sql_value, numpy_value in zip(sql_row, numpy_row):
            assert (sql_value is None and math.isnan(numpy_value)) or sql_value == pytest.approx(numpy_value)
