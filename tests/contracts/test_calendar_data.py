"""The shipped working-day calendar is exactly the announced schedule (REFERENCE.md §7), and ships.

Pins `sincerity/data/calendar.yaml` day by day to the State Council General Office notices of
12 Nov 2024 (2025) and 4 Nov 2025 (2026): a changed day must be a deliberate change here too.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

from sincerity.domain.calendar import SHIPPED_CALENDAR, WorkingCalendar, load_calendar
from sincerity.store import files

ROOT = Path(__file__).resolve().parents[2]

# REFERENCE.md §7, as (first, last) runs of days off and make-up working days.
DAYS_OFF = {
    2025: [
        ("2025-01-01", "2025-01-01"),
        ("2025-01-28", "2025-02-04"),
        ("2025-04-04", "2025-04-06"),
        ("2025-05-01", "2025-05-05"),
        ("2025-05-31", "2025-06-02"),
        ("2025-10-01", "2025-10-08"),
    ],
    2026: [
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ],
}
MAKE_UP = {
    2025: ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"],
    2026: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
}


def _days(first: str, last: str) -> set[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return {start + timedelta(days=n) for n in range((end - start).days + 1)}


def test_the_shipped_calendar_is_the_announced_schedule_day_by_day() -> None:
    calendar = load_calendar(SHIPPED_CALENDAR)
    assert sorted(calendar.announced_years) == [2025, 2026]  # 2027 is not announced yet
    expected_off = {day for runs in DAYS_OFF.values() for run in runs for day in _days(*run)}
    assert set(calendar.holiday_names) == expected_off
    assert calendar.make_up_days == {date.fromisoformat(d) for days in MAKE_UP.values() for d in days}
    for schedule in calendar.years:
        assert [(str(r.first), str(r.last)) for r in schedule.days_off] == DAYS_OFF[schedule.year]
        assert all(r.name for r in schedule.days_off), "every shipped run names its holiday"


def test_the_shipped_calendar_cites_its_sources() -> None:
    calendar = load_calendar(SHIPPED_CALENDAR)
    assert "12 Nov 2024" in calendar.years[0].source
    assert "4 Nov 2025" in calendar.years[1].source
    header = SHIPPED_CALENDAR.read_text(encoding="utf-8").split("\nversion:")[0]
    for citation in ("revised in November 2024", "12 Nov 2024", "4 Nov 2025", "全国年节及纪念日放假办法"):
        assert citation in header


def test_the_calendar_loads_through_the_common_data_file_loader_too() -> None:
    # So that it can sit in tests/contracts/test_data_files.py's MODELS like every shipped file.
    loaded, _ = files.load_model(files.shipped("calendar.yaml"), WorkingCalendar)
    assert loaded == load_calendar(SHIPPED_CALENDAR)


def test_the_calendar_is_package_data() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "data/*.yaml" in project["tool"]["setuptools"]["package-data"]["sincerity"]
    assert files.shipped("calendar.yaml") == SHIPPED_CALENDAR  # matched by that glob
