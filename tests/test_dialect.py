"""DuckDB's `?` placeholders as psycopg's `%s`: only outside quoted text, names and comments; every
literal `%` doubled, because psycopg reads the whole text."""

from __future__ import annotations

import pytest

from tracking.store.dialect import to_pyformat


@pytest.mark.parametrize("written, sent", [
    ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
    ("SELECT unnest(?::VARCHAR[])", "SELECT unnest(%s::VARCHAR[])"),
    ("SELECT 'why?' , ?", "SELECT 'why?' , %s"),
    ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', %s"),
    ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = %s'),
    ("SELECT 1 -- really?\nWHERE a = ?", "SELECT 1 -- really?\nWHERE a = %s"),
    ("SELECT /* maybe? */ ?", "SELECT /* maybe? */ %s"),
    ("SELECT $$body ? here$$, ?", "SELECT $$body ? here$$, %s"),
    ("SELECT $q$body ? here$q$, ?", "SELECT $q$body ? here$q$, %s"),
    ("SELECT name LIKE '%' || ? || '%'", "SELECT name LIKE '%%' || %s || '%%'"),
    ("SELECT 10 % 3, ?", "SELECT 10 %% 3, %s"),
    ("SELECT 'unterminated ?", "SELECT 'unterminated ?"),
])
def test_placeholders_become_pyformat_and_percent_signs_are_doubled(written, sent):
    assert to_pyformat(written) == sent
