"""The one place that reads the wall clock (DESIGN.md §2.2: time is explicit).

Domain code takes `now` as a parameter; services get it from a `Clock` handed down by the
composition root. Tests and demos use `FixedClock` to move time across display windows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

# Display windows and deadlines are legal days in China; a day boundary is Beijing midnight.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests, demos and `SINCERITY_NOW`."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta


def legal_today(now: datetime) -> date:
    """The calendar date in China at instant `now`: the day legal periods count in."""
    return now.astimezone(CHINA_TZ).date()
