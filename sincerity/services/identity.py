"""§III(1) real-name basis: checking numbers as `sincerity id check` does."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sincerity.domain.identity import check_number
from sincerity.kit.clock import Clock, legal_today


def check_numbers(numbers: Iterable[str], *, clock: Clock) -> Iterator[dict[str, Any]]:
    """One verdict per input, in order: valid, kind, normalised number, reason, birth date, sex."""
    today = legal_today(clock.now())
    for raw in numbers:
        yield check_number(raw, today=today)
