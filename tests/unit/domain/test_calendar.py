"""REFERENCE.md §7: working days and the deadlines counted in them.

Deadlines across weekends, Spring Festival and National Day, make-up Saturdays, unannounced
years (provisional) and operator files; every refusal of a bad calendar file names file, path
and reason; properties of the count; and a day-by-day cross-check with the `holidays` package.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sincerity.domain.calendar import (
    DayUnit,
    Deadline,
    WorkingCalendar,
    calendar_deadline,
    default_calendar,
    load_calendar,
)
from sincerity.kit.errors import DataFileError

CAL = default_calendar()

# A made-up 2027, shaped like a real notice: only for testing how operator files are laid over
# the shipped calendar. It is not the State Council's schedule.
OPERATOR_2027 = """\
version: "ops.2027.1"
years:
  - year: 2027
    source: "test fixture, not a real notice"
    days_off:
      - {name: "New Year's Day", from: 2027-01-01, to: 2027-01-03}
      - {name: "Spring Festival", from: 2027-02-05, to: 2027-02-13}
    working_weekends: [2027-02-20]
"""


def write(tmp_path: Path, text: str, name: str = "calendar.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_shipped_calendar_announces_2025_and_2026_only() -> None:
    assert CAL.announced(2025)
    assert CAL.announced(2026)
    assert not CAL.announced(2024)
    assert not CAL.announced(2027)


def test_default_calendar_is_loaded_once() -> None:
    assert default_calendar() is default_calendar()


def test_a_deadline_skips_the_weekend() -> None:
    friday = date(2025, 3, 7)
    assert CAL.deadline(friday, 1).day == date(2025, 3, 10)
    assert CAL.deadline(friday, 5).day == date(2025, 3, 14)
    assert CAL.deadline(date(2025, 3, 8), 1).day == date(2025, 3, 10)  # from a Saturday


def test_a_deadline_runs_across_spring_festival_2026_and_counts_both_make_up_saturdays() -> None:
    deadline = CAL.deadline(date(2026, 2, 10), 10)
    # 11, 12, 13 Feb; Sat 14 Feb (make-up); 15–23 Feb off; 24–27 Feb; Sat 28 Feb (make-up); Mon 2 Mar.
    assert deadline.day == date(2026, 3, 2)
    assert deadline.holidays == ("Spring Festival 春节",)
    assert not deadline.provisional


def test_a_deadline_runs_across_national_day_2025() -> None:
    friday = date(2025, 9, 26)
    assert CAL.deadline(friday, 1).day == date(2025, 9, 28)  # Sunday, a make-up working day
    assert CAL.deadline(friday, 3).day == date(2025, 9, 30)
    assert CAL.deadline(friday, 4).day == date(2025, 10, 9)  # 1–8 October off
    assert CAL.deadline(friday, 6).day == date(2025, 10, 11)  # Saturday, a make-up working day


def test_a_deadline_runs_across_mid_autumn_and_national_day_2026() -> None:
    deadline = CAL.deadline(date(2026, 9, 24), 4)
    # 25–27 Sep off; 28, 29, 30 Sep; 1–7 Oct off; Thu 8 Oct.
    assert deadline.day == date(2026, 10, 8)
    assert deadline.holidays == ("Mid-Autumn Festival 中秋节", "National Day 国庆节")
    assert CAL.deadline(date(2026, 9, 18), 1).day == date(2026, 9, 20)  # Sunday, a make-up working day
    assert CAL.deadline(date(2026, 10, 8), 2).day == date(2026, 10, 10)  # Saturday, a make-up working day


def test_a_deadline_that_starts_on_a_holiday_counts_from_the_first_working_day_after() -> None:
    assert CAL.deadline(date(2026, 2, 16), 1).day == date(2026, 2, 24)
    assert CAL.deadline(date(2025, 10, 1), 1).day == date(2025, 10, 9)
    assert CAL.deadline(date(2025, 1, 1), 1).day == date(2025, 1, 2)


def test_a_make_up_saturday_is_a_working_day_and_an_ordinary_saturday_is_not() -> None:
    assert CAL.is_working_day(date(2026, 2, 14))
    assert not CAL.is_working_day(date(2026, 2, 21))
    assert CAL.deadline(date(2026, 2, 13), 1).day == date(2026, 2, 14)
    assert CAL.is_working_day(date(2025, 9, 28))
    assert not CAL.is_working_day(date(2025, 10, 3))  # a Friday, but National Day


def test_zero_working_days_is_the_start_itself() -> None:
    holiday = date(2026, 2, 16)
    deadline = CAL.deadline(holiday, 0)
    assert (deadline.day, deadline.provisional, deadline.working_days) == (holiday, False, 0)
    assert CAL.deadline(date(2027, 3, 1), 0).provisional  # the start's year is not announced


def test_a_deadline_reaching_into_2027_is_provisional_and_says_why() -> None:
    deadline = CAL.deadline(date(2026, 12, 28), 10)
    # 29–31 Dec, then Mon–Fri of 2027 (1 Jan not yet announced as a day off).
    assert deadline.day == date(2027, 1, 11)
    assert deadline.provisional
    assert deadline.unannounced_years == (2027,)
    assert "Provisional" in deadline.explain()
    assert "2027" in deadline.explain()


def test_a_deadline_inside_announced_years_is_not_provisional() -> None:
    deadline = CAL.deadline(date(2025, 12, 20), 5)
    assert not deadline.provisional
    assert deadline.unannounced_years == ()
    assert "Provisional" not in deadline.explain()


def test_an_unannounced_year_counts_monday_to_friday() -> None:
    assert CAL.is_working_day(date(2027, 1, 1))  # a Friday; not guessed as a day off
    assert not CAL.is_working_day(date(2027, 1, 2))
    assert CAL.deadline(date(2024, 12, 31), 1).provisional  # 2024 is not in the shipped file either


def test_an_operator_file_adding_2027_makes_the_deadline_final(tmp_path: Path) -> None:
    merged = CAL.merged(load_calendar(write(tmp_path, OPERATOR_2027)))
    deadline = merged.deadline(date(2026, 12, 28), 10)
    # 29–31 Dec; 1–3 Jan off; 4–8 Jan; 11, 12 Jan.
    assert deadline.day == date(2027, 1, 12)
    assert not deadline.provisional
    assert deadline.calendar_version == "2026.1+ops.2027.1"
    assert merged.is_working_day(date(2027, 2, 20))
    assert merged.deadline(date(2026, 2, 10), 10).day == date(2026, 3, 2)  # shipped years kept


def test_an_operator_year_replaces_the_shipped_year_wholesale(tmp_path: Path) -> None:
    only_new_year = """\
        version: "ops.2026.9"
        years:
          - year: 2026
            source: "test fixture"
            days_off: [2026-01-01]
        """
    merged = CAL.merged(load_calendar(write(tmp_path, only_new_year)))
    assert merged.is_working_day(date(2026, 2, 16))  # the shipped Spring Festival is gone
    assert not merged.is_working_day(date(2026, 2, 14))  # and so are its make-up Saturdays
    assert not merged.is_working_day(date(2026, 1, 1))
    assert [s.year for s in merged.years] == [2025, 2026]


def test_working_days_between_counts_after_the_first_day_up_to_the_second() -> None:
    assert CAL.working_days_between(date(2026, 2, 10), date(2026, 3, 2)) == 10
    assert CAL.working_days_between(date(2026, 2, 15), date(2026, 2, 23)) == 0
    assert CAL.working_days_between(date(2026, 3, 2), date(2026, 3, 2)) == 0
    assert CAL.working_days_between(date(2026, 3, 3), date(2026, 3, 2)) == 0


def test_a_calendar_day_period_ignores_holidays_and_is_never_provisional() -> None:
    deadline = calendar_deadline(date(2026, 2, 10), 20)  # Credit Reporting Regulation Art. 25
    assert deadline == Deadline(start=date(2026, 2, 10), days=20, unit=DayUnit.CALENDAR, day=date(2026, 3, 2))
    assert deadline.working_days is None
    assert not calendar_deadline(date(2026, 12, 28), 20).provisional
    assert calendar_deadline(date(2026, 12, 28), 0).day == date(2026, 12, 28)
    assert "20 calendar days after 2026-02-10" in deadline.explain()


def test_explain_names_the_count_the_day_and_the_holidays() -> None:
    text = CAL.deadline(date(2026, 2, 10), 10).explain()
    assert text.startswith("10 working days after 2026-02-10, that day not counted")
    assert "2026-03-02" in text
    assert "Spring Festival" in text
    assert "calendar 2026.1" in text
    assert CAL.deadline(date(2026, 3, 2), 1).explain().startswith("1 working day after")


def test_in_time_includes_the_deadline_day() -> None:
    deadline = CAL.deadline(date(2026, 2, 10), 10)
    assert deadline.in_time(date(2026, 3, 2))
    assert not deadline.in_time(date(2026, 3, 3))


def test_negative_periods_and_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.deadline(date(2026, 1, 5), -1)
    with pytest.raises(ValueError, match="negative"):
        calendar_deadline(date(2026, 1, 5), -1)
    with pytest.raises(TypeError, match="not a datetime"):
        CAL.is_working_day(datetime(2026, 1, 1, 12, 0))  # noqa: DTZ001 - the naive value is the point
    with pytest.raises(TypeError, match="not a datetime"):
        CAL.deadline(datetime(2026, 1, 1, 12, 0), 1)  # noqa: DTZ001 - the naive value is the point


def test_a_bare_date_and_a_run_without_to_are_single_days(tmp_path: Path) -> None:
    text = """\
        version: "t.1"
        years:
          - year: 2026
            source: "test fixture"
            days_off: [2026-01-01, "2026-01-02", {from: 2026-02-16}]
        """
    loaded = load_calendar(write(tmp_path, text))
    assert [(r.first, r.last) for r in loaded.years[0].days_off] == [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 1, 2), date(2026, 1, 2)),
        (date(2026, 2, 16), date(2026, 2, 16)),
    ]
    assert loaded.holiday_names[date(2026, 1, 2)] == "2026-01-02"  # unnamed runs show their dates


# Each bad file: its year 2026 block (indented under `years:`), the path and a piece of the reason.
YEAR_HEAD = '  - year: 2026\n    source: "test fixture"\n'
REFUSALS = [
    pytest.param(
        YEAR_HEAD + "    days_off: [{name: Spring, from: 2026-02-15, to: 2026-02-23}]\n"
        "    working_weekends: [2026-02-15]\n",
        "years[0] (2026).working_weekends[0]",
        "both a make-up working day and a day off (days_off[0])",
        id="day-both-off-and-make-up",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [2026-01-01]\n    working_weekends: [2026-03-02]\n",
        "years[0] (2026).working_weekends[0]",
        "2026-03-02 is a Monday: make-up working days are Saturdays or Sundays",
        id="make-up-on-a-weekday",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [2026-01-01, {name: Eve, from: 2026-12-31, to: 2027-01-01}]\n",
        "years[0] (2026).days_off[1] (Eve)",
        "2026-12-31…2027-01-01 is not in 2026",
        id="day-off-outside-its-year",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [2026-01-01]\n    working_weekends: [2025-12-28]\n",
        "years[0] (2026).working_weekends[0]",
        "2025-12-28 is not in 2026",
        id="make-up-outside-its-year",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [{name: Spring, from: 2026-02-23, to: 2026-02-15}]\n",
        "years[0] (2026).days_off[0] (Spring)",
        "the run ends (2026-02-15) before it starts (2026-02-23)",
        id="range-reversed",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [{from: 2026-10-01, to: 2026-10-07}, 2026-01-01]\n",
        "years[0] (2026).days_off[1]",
        "2026-01-01 does not follow 2026-10-01…2026-10-07",
        id="ranges-out-of-order",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [{from: 2026-10-01, to: 2026-10-07}, {from: 2026-10-05, to: 2026-10-08}]\n",
        "years[0] (2026).days_off[1]",
        "without overlap",
        id="ranges-overlap",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [2026-01-01]\n    working_weekends: [2026-02-28, 2026-02-14]\n",
        "years[0] (2026).working_weekends[1]",
        "in order, each once",
        id="make-up-days-out-of-order",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [2026-01-01]\n" + YEAR_HEAD + "    days_off: [2026-01-01]\n",
        "years[1] (2026)",
        "year 2026 is listed twice (also years[0])",
        id="year-twice",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [2026-01-01]\n    make_up: [2026-02-14]\n",
        "years[0] (2026).make_up",
        "Extra inputs are not permitted",
        id="unknown-key",
    ),
    pytest.param(
        YEAR_HEAD + '    days_off: ["2026-13-01"]\n',
        "years[0] (2026).days_off[0].from",
        "month must be in 1..12",
        id="impossible-date",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [20260101]\n",
        "years[0] (2026).days_off[0]",
        "expected a date (YYYY-MM-DD) or a run {name, from, to}, got 20260101",
        id="number-for-a-date",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: [2026-01-01 09:00:00]\n",
        "years[0] (2026).days_off[0].from",
        "not a date and time",
        id="datetime-for-a-date",
    ),
    pytest.param(
        "  - year: 2026\n    days_off: [2026-01-01]\n",
        "years[0] (2026).source",
        "Field required",
        id="no-source",
    ),
    pytest.param(
        YEAR_HEAD + "    days_off: []\n",
        "years[0] (2026).days_off",
        "at least 1 item",
        id="no-days-off",
    ),
]


@pytest.mark.parametrize(("year_block", "where", "reason"), REFUSALS)
def test_a_bad_calendar_file_is_refused_with_file_path_and_reason(
    tmp_path: Path, year_block: str, where: str, reason: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text('version: "t.1"\nyears:\n' + year_block, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_calendar(path)
    assert caught.value.file == str(path)
    assert caught.value.path == where
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{path}: {where}: ")


def test_a_bad_version_and_an_empty_file_are_refused(tmp_path: Path) -> None:
    bad_version = write(tmp_path, 'version: "a b"\nyears: [{year: 2026, source: "x y", days_off: [2026-01-01]}]\n')
    with pytest.raises(DataFileError, match=r"calendar\.yaml: version: String should match pattern"):
        load_calendar(bad_version)
    with pytest.raises(DataFileError, match=r": \(document\): "):
        load_calendar(write(tmp_path, "", name="empty.yaml"))


def test_an_unreadable_calendar_file_is_refused_before_validation(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="file not found"):
        load_calendar(tmp_path / "missing.yaml")
    # PyYAML raises ValueError (not YAMLError) for an impossible unquoted date.
    impossible = write(tmp_path, 'version: "t.1"\nyears: [{year: 2026, source: "x y", days_off: [2026-02-30]}]\n')
    with pytest.raises(DataFileError, match="not readable YAML"):
        load_calendar(impossible)
    with pytest.raises(DataFileError, match="not readable YAML"):
        load_calendar(write(tmp_path, "years: [", name="broken.yaml"))


def test_a_calendar_built_in_code_is_validated_too() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        WorkingCalendar.model_validate(
            {"version": "t.1", "years": [{"year": 2026, "source": "x y", "days_off": ["2026-01-01"]}] * 2}
        )


# Hypothesis: any start from mid-2024 to 2028 (announced and unannounced years), any short period.
starts = st.dates(min_value=date(2024, 6, 1), max_value=date(2028, 12, 31))
periods = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(start=starts, n=periods)
def test_a_deadline_is_the_first_day_with_n_working_days_behind_it(start: date, n: int) -> None:
    deadline = CAL.deadline(start, n)
    assert deadline.day >= start
    if n >= 1:
        assert CAL.is_working_day(deadline.day)
        assert CAL.working_days_between(start, deadline.day) == n
        assert CAL.working_days_between(start, deadline.day - timedelta(days=1)) == n - 1
    else:
        assert deadline.day == start
    assert CAL.deadline(start, n + 1).day > deadline.day
    touched = range(start.year, deadline.day.year + 1)
    assert deadline.provisional == any(year not in (2025, 2026) for year in touched)


@settings(max_examples=200, deadline=None)
@given(a=starts, b=starts)
def test_working_days_between_adds_up_over_any_midpoint(a: date, b: date) -> None:
    low, high = min(a, b), max(a, b)
    mid = low + timedelta(days=(high - low).days // 2)
    assert CAL.working_days_between(low, high) == CAL.working_days_between(low, mid) + CAL.working_days_between(
        mid, high
    )
    assert CAL.working_days_between(high, low) == 0


def test_our_data_agrees_with_the_holidays_package_on_every_day_of_2025_and_2026() -> None:
    holidays = pytest.importorskip("holidays")
    china = holidays.China(years=(2025, 2026))
    day, disagreements = date(2025, 1, 1), []
    while day.year <= 2026:
        if CAL.is_working_day(day) != china.is_working_day(day):
            disagreements.append((day, CAL.is_working_day(day), china.get(day)))
        day += timedelta(days=1)
    assert disagreements == []
    assert {d for d in china.weekend_workdays if d.year in (2025, 2026)} == set(CAL.make_up_days)
    # Same count as the package's own n-th working day (which does not count the start either).
    for start in (date(2025, 1, 24), date(2025, 9, 26), date(2026, 2, 10), date(2026, 9, 18)):
        for n in (1, 5, 10, 20):
            assert CAL.deadline(start, n).day == china.get_nth_working_day(start, n)
