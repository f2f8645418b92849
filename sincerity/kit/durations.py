"""ISO 8601 calendar durations (`P3M`, `P1Y`, `P2Y6M`, `P10D`) and date arithmetic on them.

Legal periods are counted in calendar years, months and days; there is no time-of-day part.
Adding months clamps to the month's last day (31 Jan + P1M = 28/29 Feb), as Chinese courts
count a month that has no matching day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERN = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True, order=True)
class Duration:
    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse `PnYnMnWnD`; raise ValueError naming the problem."""
        match = _PATTERN.match(text) if isinstance(text, str) else None
        if match is None or text == "P":
            raise ValueError(f"{text!r} is not an ISO 8601 duration of years, months, weeks or days")
        years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
        return cls(years=years, months=months, days=days + 7 * weeks)

    def iso(self) -> str:
        parts = [f"{n}{unit}" for n, unit in ((self.years, "Y"), (self.months, "M"), (self.days, "D")) if n]
        return "P" + ("".join(parts) or "0D")

    def after(self, start: date) -> date:
        """The date this duration after `start`."""
        total_months = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + total_months // 12, total_months % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(days=self.days)

    def before(self, end: date) -> date:
        """The date this duration before `end` (days first, then months, mirroring `after`)."""
        start = end - timedelta(days=self.days)
        total_months = start.month - 1 - self.months - 12 * self.years
        year, month = start.year + total_months // 12, total_months % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)

    def times(self, n: int) -> Duration:
        return Duration(self.years * n, self.months * n, self.days * n)

    def approx_days(self) -> int:
        """Length in days for ordering durations (`P1Y` > `P11M`); not for arithmetic."""
        return self.years * 365 + self.months * 30 + self.days

    def __str__(self) -> str:
        return self.iso()
