"""Scoring of check-ins: strain per item and a 0-100 score per dynamic.

A `resource` item is reversed (strain = 10 - answer); a `strain` item counts as answered. A
dynamic's score is the mean strain of its answered items times 10, so 0-100 with higher meaning
more strain. With fewer than `MIN_ANSWERED_PER_DYNAMIC` of its items answered the score is missing
(NaN / None), never zero: an unanswered week is not a good week.

The rule exists in two forms kept equal by a property test: NumPy (`score_matrix`: a check-in from
the form, and a bulk import on PostgreSQL before it travels) and SQL (`score_sql`: a bulk import
inside DuckDB, where the rows already are).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tracking import validate
from tracking.instrument import CORE_INDICATORS, DYNAMICS, Instrument

MIN_ANSWERED_PER_DYNAMIC = 2


def strain_matrix(values: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Strain per item; `values` has one column per item in `instrument.items` order, NaN = unanswered."""
    strain = np.array(values, dtype=np.float64, order="F")
    for column, item in enumerate(instrument.items):
        if item.reversed:
            np.subtract(instrument.scale_max, strain[:, column], out=strain[:, column])
    return strain


def score_matrix(values: np.ndarray, instrument: Instrument) -> np.ndarray:
    """Scores per dynamic (columns in `DYNAMICS` order) for rows of item answers.

    Works column by column, so a million check-ins cost a few passes over memory, not copies."""
    values = np.asarray(values, dtype=np.float64)
    rows = values.shape[0]
    scores = np.full((rows, len(DYNAMICS)), np.nan)
    for column, dynamic in enumerate(DYNAMICS):
        total = np.zeros(rows)
        answered = np.zeros(rows)
        for index, item in enumerate(instrument.items):
            if item.dynamic != dynamic:
                continue
            answer = values[:, index]
            given = ~np.isnan(answer)
            strain = instrument.scale_max - answer if item.reversed else answer
            total += np.where(given, strain, 0.0)
            answered += given
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / answered
        scores[:, column] = np.where(answered >= MIN_ANSWERED_PER_DYNAMIC, mean * 10.0, np.nan)
    return scores


def score_sql(instrument: Instrument, answers: str = "answers") -> dict[str, str]:
    """The same rule as `score_matrix`, as SQL over a list of answers in the instrument's item order:
    dynamic id -> expression, and core indicator -> expression. Bulk writes score inside DuckDB with
    it; tests hold it equal to `score_matrix`."""
    expressions = {}
    for dynamic in DYNAMICS:
        strains, counts = [], []
        for position, item in enumerate(instrument.items, start=1):
            if item.dynamic != dynamic:
                continue
            value = f"{answers}[{position}]::INTEGER"
            strain = f"{instrument.scale_max} - {value}" if item.reversed else value
            strains.append(f"coalesce({strain}, 0)")
            counts.append(f"({answers}[{position}] IS NOT NULL)::INTEGER")
        answered = " + ".join(counts)
        expressions[dynamic] = (
            f"CASE WHEN {answered} >= {MIN_ANSWERED_PER_DYNAMIC} "
            f"THEN 10.0 * ({' + '.join(strains)}) / ({answered}) END"
        )
    for item_id in CORE_INDICATORS:
        expressions[item_id] = f"{answers}[{instrument.item_ids.index(item_id) + 1}]"
    return expressions


def answers_row(answers: Mapping[str, int | None], instrument: Instrument) -> np.ndarray:
    """One check-in's answers as a row in instrument order; unknown item ids and values that are not
    whole numbers on the scale are errors."""
    unknown = set(answers) - set(instrument.item_ids)
    if unknown:
        raise KeyError(f"unknown item ids: {', '.join(sorted(unknown))}")
    checked = {item_id: validate.answer(item_id, _plain(value), instrument) for item_id, value in answers.items()}
    return np.array(
        [[np.nan if (value := checked.get(item_id)) is None else float(value) for item_id in instrument.item_ids]]
    )


def _plain(value: object) -> object:
    """NumPy integers as Python ints, so the answer rule sees them as the whole numbers they are."""
    return int(value) if isinstance(value, np.integer) else value


def score_answers(answers: Mapping[str, int | None], instrument: Instrument) -> dict[str, float | None]:
    """Scores of one check-in: dynamic id -> 0-100, or None when too few items were answered."""
    row = score_matrix(answers_row(answers, instrument), instrument)[0]
    return {dynamic: (None if np.isnan(value) else float(value)) for dynamic, value in zip(DYNAMICS, row)}
