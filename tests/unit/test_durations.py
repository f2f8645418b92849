"""ISO 8601 durations and the display-window arithmetic that rests on them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sincerity.kit.durations import Duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P3M", Duration(months=3)),
        ("P1Y", Duration(years=1)),
        ("P2Y6M", Duration(years=2, months=6)),
        ("P10D", Duration(days=10)),
        ("P2W", Duration(days=14)),
        ("P0D", Duration()),
    ],
)
def test_durations_parse(text: str, expected: Duration) -> None:
    assert Duration.parse(text) == expected


@pytest.mark.parametrize("text", ["", "P", "3M", "P1H", "PT1H", "P-1Y", "P1.5Y", "p1y"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        Duration.parse(text)


def test_a_month_after_the_31st_of_january_is_the_last_day_of_february() -> None:
    assert Duration(months=1).after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Duration(months=1).after(date(2028, 1, 31)) == date(2028, 2, 29)


def test_a_year_after_a_leap_day_is_the_28th_of_february() -> None:
    assert Duration(years=1).after(date(2028, 2, 29)) == date(2029, 2, 28)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 5), st.integers(0, 11))
def test_a_window_never_ends_before_it_starts_and_grows_with_its_period(start: date, years: int, months: int) -> None:
    shorter = Duration(years=years, months=months)
    longer = Duration(years=years, months=months + 1)
    assert start <= shorter.after(start) <= longer.after(start)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 5), st.integers(0, 11))
def test_years_and_months_add_like_months(start: date, years: int, months: int) -> None:
    assert Duration(years=years, months=months).after(start) == Duration(months=12 * years + months).after(start)


@given(st.integers(0, 40), st.integers(0, 30), st.integers(0, 400))
def test_iso_text_round_trips(years: int, months: int, days: int) -> None:
    duration = Duration(years=years, months=months, days=days)
    assert Duration.parse(duration.iso()) == duration


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)), st.integers(0, 5), st.integers(0, 11))
def test_before_undoes_after_except_where_a_month_end_was_clamped(start: date, years: int, months: int) -> None:
    period = Duration(years=years, months=months)
    back = period.before(period.after(start))
    assert back <= start
    assert back == start or start.day > 28  # only a clamped month end (31 Jan + P1M = 28 Feb) moves
    assert (start - back).days < 4


def test_before_counts_days_then_months() -> None:
    assert Duration(months=3).before(date(2027, 1, 1)) == date(2026, 10, 1)
    assert Duration(days=10).before(date(2026, 3, 5)) == date(2026, 2, 23)
    assert Duration(years=1).before(date(2029, 2, 28)) == date(2028, 2, 28)
    assert Duration(months=1).times(3) == Duration(months=3)
