"""Dates, times, numbers, plurals and lists in both languages, through Babel: what every page, email,
report and chart writes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracking.i18n import formats, long_moment, t_count

# Monday 30 November 2026, 08:00 UTC: 09:00 in Amsterdam (winter time).
MOMENT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 7, 30, tzinfo=UTC)  # 09:30 in Amsterdam (summer time)
AMS = "Europe/Amsterdam"


@pytest.mark.parametrize("lang,expected", [
    ("nl", "ma 30 nov 2026, 09:00"),
    ("en", "Mon, 30 Nov 2026, 09:00"),
])
def test_a_moment_in_a_list_has_the_weekday_day_month_year_and_local_time(lang, expected):
    assert formats.moment(MOMENT, lang, AMS) == expected


@pytest.mark.parametrize("lang,expected", [("nl", "ma 30 nov, 09:00"), ("en", "Mon 30 Nov, 09:00")])
def test_a_moment_close_to_now_leaves_the_year_out(lang, expected):
    assert formats.short_moment(MOMENT, lang, AMS) == expected


@pytest.mark.parametrize("lang,day,weekday_day", [
    ("nl", "30 nov 2026", "ma 30 nov 2026"),
    ("en", "30 Nov 2026", "Mon, 30 Nov 2026"),
])
def test_days_are_written_day_before_month_in_both_languages(lang, day, weekday_day):
    assert formats.day(MOMENT, lang, AMS) == day
    assert formats.weekday_day(MOMENT, lang, AMS) == weekday_day


@pytest.mark.parametrize("lang,expected", [
    ("nl", "woensdag 1 juli om 09:30"),
    ("en", "Wednesday 1 July at 09:30"),
])
def test_a_letter_spells_the_weekday_and_month_out_in_the_readers_time_zone(lang, expected):
    assert long_moment(SUMMER, lang, AMS) == expected
    assert formats.long_day(date(2026, 7, 1), lang) == expected.rpartition(" ")[0].rpartition(" ")[0]


def test_the_time_zone_moves_the_day():
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert formats.day(late, "nl", AMS) == "1 dec 2026"
    assert formats.day(late, "nl", "America/New_York") == "30 nov 2026"


@pytest.mark.parametrize("lang,expected", [("nl", "1 jul"), ("en", "1 Jul")])
def test_a_clients_own_trend_names_the_month_so_no_date_reads_the_wrong_way_round(lang, expected):
    assert formats.day_month(SUMMER, lang, AMS) == expected


@pytest.mark.parametrize("lang,half,whole,big", [("nl", "42,5", "42", "1.250"), ("en", "42.5", "42", "1,250")])
def test_numbers_use_the_languages_decimal_and_grouping_marks(lang, half, whole, big):
    assert formats.number(42.5, lang) == half
    assert formats.number(42.0, lang) == whole
    assert formats.number(42.46, lang, 0) == whole
    assert formats.count(1250, lang) == big


@pytest.mark.parametrize("lang,three,two_or", [("nl", "a, b en c", "a of b"), ("en", "a, b and c", "a or b")])
def test_lists_are_joined_as_a_sentence_says_them(lang, three, two_or):
    assert formats.items(["a", "b", "c"], lang) == three
    assert formats.items(["a", "b"], lang, "or") == two_or


@pytest.mark.parametrize("lang,one,many", [
    ("nl", "1 cliënt vraagt om contact", "1.250 cliënten vragen om contact"),
    ("en", "1 client asks for contact", "1,250 clients ask for contact"),
])
def test_counts_choose_singular_or_plural_by_the_languages_rules(lang, one, many):
    assert t_count("caseload.count.contact_request", lang, 1) == one
    assert t_count("caseload.count.contact_request", lang, 1250) == many
    assert formats.plural(0, lang) == "other"


def test_weekday_names_come_from_cldr():
    assert [formats.weekday_name(day, "nl") for day in (0, 6)] == ["maandag", "zondag"]
    assert formats.weekday_name(2, "en") == "Wednesday"


@pytest.mark.parametrize("lang,may,decimal,date_format", [
    ("nl", "mei", ",", "%-d-%-m-%Y"), ("en", "May", ".", "%d/%m/%Y"),
])
def test_charts_get_month_names_and_marks_in_the_language(lang, may, decimal, date_format):
    config = formats.plotly_config(lang, {"displaylogo": False})
    [(code, entry)] = config["locales"].items()
    assert config["locale"] == code and config["displaylogo"] is False
    assert entry["format"]["shortMonths"][4] == may
    assert entry["format"]["days"][0] in ("zondag", "Sunday")  # Plotly's weeks start on Sunday
    assert entry["format"]["decimal"] == decimal and entry["format"]["date"] == date_format
    assert formats.separators(lang)[0] == decimal


def test_an_unknown_language_is_written_in_dutch():
    assert formats.day(MOMENT, "fr", AMS) == "30 nov 2026"
