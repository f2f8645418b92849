"""REFERENCE.md §7: working days, and the legal deadlines counted in them.

A working day is Monday–Friday not announced as a day off, or an announced make-up working day
(State Council holiday measures as revised in November 2024; the General Office's yearly
notices). Credit repair (NDRC Order No. 36 Arts. 16, 18, 20) and the court list (SPC
Provisions Arts. 9, 10) count working days; the Credit Reporting Regulation (Art. 25, objections
answered within 20 days) counts calendar days. Periods start the day after the event (Civil
Code Art. 201: the first day is not counted), and a deadline is the last day on which the act
is still in time.

A year the State Council has not announced is counted Monday–Friday, never guessed, and every
deadline touching it is marked provisional; operators add the year by data file once the notice
is out. The calendar is data (`sincerity/data/calendar.yaml`) validated at load; days are
parameters, never read from the clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, NoReturn

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from sincerity.kit.errors import DataFileError

SHIPPED_CALENDAR = Path(__file__).resolve().parent.parent / "data" / "calendar.yaml"

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ONE_DAY = timedelta(days=1)


def _iso_day(value: Any) -> Any:
    """YAML gives dates for bare `2025-01-01`, strings when quoted; accept both, nothing else."""
    if isinstance(value, datetime):  # a time of day would hide which legal day is meant
        raise ValueError(f"expected a date (YYYY-MM-DD), not a date and time: {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        return date.fromisoformat(value)  # ValueError for 2025-02-30 names the problem
    raise ValueError(f"expected a date (YYYY-MM-DD), got {value!r}")


_Day = Annotated[date, BeforeValidator(_iso_day)]


def _fail(at: tuple[str | int, ...], reason: str) -> NoReturn:
    """Refuse with a location below the model's own (the loader appends `at` to the path)."""
    raise PydanticCustomError("calendar", "{reason}", {"reason": reason, "at": at})


def _reject_datetime(*days: date) -> None:
    # datetime is a date subclass but never equal to one: it would slip past every lookup.
    for day in days:
        if isinstance(day, datetime):
            raise TypeError(f"pass the legal day as a date, not a datetime: {day!r}")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DaysOff(_Frozen):
    """One run of consecutive days off, `from` to `to` inclusive; a bare date is a run of one."""

    name: str | None = Field(default=None, min_length=1, max_length=80)
    first: _Day = Field(alias="from")
    last: _Day = Field(alias="to")

    @model_validator(mode="before")
    @classmethod
    def _single_day(cls, data: Any) -> Any:
        if isinstance(data, date | str):
            return {"from": data, "to": data}
        if not isinstance(data, dict):
            raise ValueError(f"expected a date (YYYY-MM-DD) or a run {{name, from, to}}, got {data!r}")
        if "from" in data and "to" not in data:
            return {**data, "to": data["from"]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> DaysOff:
        if self.last < self.first:
            raise ValueError(f"the run ends ({self.last}) before it starts ({self.first}): from must not follow to")
        return self

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += _ONE_DAY

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}…{self.last}"


class YearSchedule(_Frozen):
    """One announced year: its days off and its make-up working days, as the notice gives them."""

    year: int = Field(ge=1950, le=2200)
    source: str = Field(min_length=3, description="the notice that announced the year")
    days_off: tuple[DaysOff, ...] = Field(min_length=1)
    working_weekends: tuple[_Day, ...] = ()

    @model_validator(mode="after")
    def _check_year(self) -> YearSchedule:
        off: dict[date, int] = {}
        for i, run in enumerate(self.days_off):
            if run.first.year != self.year or run.last.year != self.year:
                _fail(("days_off", i), f"{run} is not in {self.year}: list each day under its own year")
            if i and run.first <= self.days_off[i - 1].last:
                _fail(
                    ("days_off", i),
                    f"{run} does not follow {self.days_off[i - 1]}: list runs in order, without overlap",
                )
            off.update(dict.fromkeys(run.days(), i))
        for j, day in enumerate(self.working_weekends):
            if day.year != self.year:
                _fail(("working_weekends", j), f"{day} is not in {self.year}: list each day under its own year")
            if day.weekday() < 5:
                _fail(
                    ("working_weekends", j),
                    f"{day} is a {day:%A}: make-up working days are Saturdays or Sundays",
                )
            if day in off:
                _fail(
                    ("working_weekends", j),
                    f"{day} is both a make-up working day and a day off (days_off[{off[day]}])",
                )
            if j and day <= self.working_weekends[j - 1]:
                _fail(("working_weekends", j), f"{day}: list make-up working days in order, each once")
        return self


class DayUnit(StrEnum):
    WORKING = "working"
    CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day on which an act is in time, with what the count rested on."""

    start: date
    days: int
    unit: DayUnit
    day: date
    provisional: bool = False
    unannounced_years: tuple[int, ...] = ()
    holidays: tuple[str, ...] = ()  # runs of days off the count passed over, for the explanation
    calendar_version: str | None = None

    @property
    def working_days(self) -> int | None:
        return self.days if self.unit is DayUnit.WORKING else None

    def in_time(self, day: date) -> bool:
        return day <= self.day

    def explain(self) -> str:
        """One or two sentences for the person who has to act (and for the audit trail)."""
        text = (
            f"{self.days} {self.unit.value} day{'s' if self.days != 1 else ''} after {self.start}, "
            f"that day not counted: in time up to and including {self.day}"
        )
        notes = []
        if self.holidays:
            notes.append("skips " + ", ".join(self.holidays))
        if self.calendar_version:
            notes.append(f"calendar {self.calendar_version}")
        text += f" ({'; '.join(notes)})." if notes else "."
        if self.provisional:
            years = ", ".join(str(y) for y in self.unannounced_years)
            text += (
                f" Provisional: the days off for {years} are not yet announced; "
                "the day may move when the State Council announces them."
            )
        return text


class WorkingCalendar(_Frozen):
    """The announced years; any other year counts Monday–Friday and makes deadlines provisional."""

    version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._+-]{0,99}$")
    years: tuple[YearSchedule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _years_once(self) -> WorkingCalendar:
        seen: dict[int, int] = {}
        for i, schedule in enumerate(self.years):
            if schedule.year in seen:
                _fail(("years", i), f"year {schedule.year} is listed twice (also years[{seen[schedule.year]}])")
            seen[schedule.year] = i
        return self

    @cached_property
    def holiday_names(self) -> dict[date, str]:
        """Every day off, with the name of its run (or its dates when the file gives no name)."""
        return {day: run.name or str(run) for s in self.years for run in s.days_off for day in run.days()}

    @cached_property
    def make_up_days(self) -> frozenset[date]:
        return frozenset(day for s in self.years for day in s.working_weekends)

    @cached_property
    def announced_years(self) -> frozenset[int]:
        return frozenset(s.year for s in self.years)

    def announced(self, year: int) -> bool:
        return year in self.announced_years

    def is_working_day(self, day: date) -> bool:
        _reject_datetime(day)
        return self._works(day)

    def _works(self, day: date) -> bool:
        if day.weekday() >= 5:
            return day in self.make_up_days
        return day not in self.holiday_names

    def deadline(self, start: date, working_days: int) -> Deadline:
        """The `working_days`-th working day after `start` (which is not counted)."""
        _reject_datetime(start)
        if working_days < 0:
            raise ValueError(f"a period cannot be negative: {working_days} working days")
        day, counted = start, 0
        passed: dict[str, None] = {}  # holiday names in first-seen order
        while counted < working_days:
            day += _ONE_DAY
            if self._works(day):
                counted += 1
            elif day in self.holiday_names:
                passed[self.holiday_names[day]] = None
        unannounced = tuple(y for y in range(start.year, day.year + 1) if not self.announced(y))
        return Deadline(
            start=start,
            days=working_days,
            unit=DayUnit.WORKING,
            day=day,
            provisional=bool(unannounced),
            unannounced_years=unannounced,
            holidays=tuple(passed),
            calendar_version=self.version,
        )

    def working_days_between(self, a: date, b: date) -> int:
        """Working days after `a` up to and including `b` (0 when `b` is not after `a`)."""
        _reject_datetime(a, b)
        return sum(self._works(a + timedelta(days=n)) for n in range(1, (b - a).days + 1))

    def merged(self, other: WorkingCalendar) -> WorkingCalendar:
        """This calendar with `other`'s years added; a year in both is `other`'s, wholesale."""
        years = {s.year: s for s in self.years} | {s.year: s for s in other.years}
        return WorkingCalendar(
            version=f"{self.version}+{other.version}",
            years=tuple(years[y] for y in sorted(years)),
        )


def calendar_deadline(start: date, days: int) -> Deadline:
    """A period in calendar days (Credit Reporting Regulation Art. 25): never provisional."""
    _reject_datetime(start)
    if days < 0:
        raise ValueError(f"a period cannot be negative: {days} days")
    return Deadline(start=start, days=days, unit=DayUnit.CALENDAR, day=start + timedelta(days=days))


def load_calendar(path: Path) -> WorkingCalendar:
    """Load and validate a calendar file; fail with file, path and reason.

    An operator's file has the shipped file's shape; lay it over the shipped calendar with
    `default_calendar().merged(load_calendar(path))`.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except FileNotFoundError:
        raise DataFileError(str(path), "-", "file not found") from None
    except OSError as exc:
        raise DataFileError(str(path), "-", f"cannot be read: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:  # ValueError: `2025-02-30` in YAML
        raise DataFileError(str(path), "-", f"not readable YAML: {exc}") from None
    try:
        return WorkingCalendar.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        at = (first.get("ctx") or {}).get("at", ())
        raise DataFileError(str(path), _locate(document, (*first["loc"], *at)), first["msg"]) from None


@cache
def default_calendar() -> WorkingCalendar:
    """The shipped calendar, loaded once (it is frozen, so sharing it is safe)."""
    return load_calendar(SHIPPED_CALENDAR)


def _locate(document: Any, loc: tuple[Any, ...]) -> str:
    """`years[1] (2026).working_weekends[2]` from a pydantic error location."""
    parts: list[str] = []
    node = document
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            try:
                node = node[key]
            except (IndexError, KeyError, TypeError):
                node = None
            if isinstance(node, dict):
                tag = node.get("year", node.get("name"))
                label += f" ({tag})" if tag is not None else ""
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(document)"
