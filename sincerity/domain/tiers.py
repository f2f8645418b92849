"""§VI(1), §VI(2): categorised-management tiers and "spotless for N consecutive years".

Both are computed when asked, from what may still be shown on that day: a record past its
display period or an entry past its end is not in the input, so it can neither keep a subject
in a tier nor break a spotless run. Each result says why, down to the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sincerity.domain.catalogue import Catalogue, Polarity
from sincerity.domain.lists import Entry, ListRules, Standing


@dataclass(frozen=True, slots=True)
class ShownRecord:
    """A current record version that may be shown and used on the day asked."""

    id: int
    version: int
    item_code: str
    decided_on: date
    display_until: date | None
    disputed: bool = False

    def reference(self) -> dict[str, Any]:
        found = {
            "id": self.id,
            "version": self.version,
            "item": self.item_code,
            "decided_on": self.decided_on.isoformat(),
        }
        if self.disputed:
            found["disputed"] = True
        return found


@dataclass(frozen=True, slots=True)
class SpotlessRun:
    """Consecutive whole years without negative information that may still be shown."""

    years: int
    since: date
    broken_by: ShownRecord | None  # the latest negative record shown; None: none is shown

    def explain(self) -> dict[str, Any]:
        why = (
            f"no negative information shown since the decision of {self.since.isoformat()}"
            if self.broken_by
            else f"no negative information shown since the platform's information begins ({self.since.isoformat()})"
        )
        return {
            "spotless_years": self.years,
            "since": self.since.isoformat(),
            "because": why,
            "record": self.broken_by.reference() if self.broken_by else None,
        }


@dataclass(frozen=True, slots=True)
class TierResult:
    name: str
    standing: Standing
    because: list[dict[str, Any]] = field(default_factory=list)

    def explain(self) -> dict[str, Any]:
        return {"tier": self.name, "standing": self.standing.value, "because": self.because}


def whole_years(since: date, day: date) -> int:
    if day < since:
        return 0
    return day.year - since.year - ((day.month, day.day) < (since.month, since.day))


def spotless_run(
    records: Iterable[ShownRecord], *, catalogue: Catalogue, known_since: date, today: date
) -> SpotlessRun:
    """How long the subject has been free of negative information shown today.

    The run starts when the platform's information about the subject begins (`known_since`:
    the earliest shown record or the subject's registration, whichever is earlier) or at the
    latest negative record still shown, whichever is later. Expired records are not in
    `records`, so a run is never broken by information that may no longer be used.
    """
    shown = list(records)
    start = min([known_since, *(r.decided_on for r in shown)])
    negatives = [r for r in shown if _polarity(catalogue, r.item_code) is Polarity.NEGATIVE]
    latest = max(negatives, key=lambda r: (r.decided_on, r.id), default=None)
    since = max(start, latest.decided_on) if latest else start
    return SpotlessRun(whole_years(since, today), since, latest)


def _polarity(catalogue: Catalogue, code: str) -> Polarity | None:
    item = catalogue.item(code)
    return item.polarity if item else None


def tier_of(
    rules: ListRules,
    *,
    entries: Sequence[Entry],
    records: Sequence[ShownRecord],
    spotless: SpotlessRun,
    catalogue: Catalogue,
    today: date,
) -> TierResult:
    """The first tier whose condition holds, with the entries, records or run that make it hold."""
    shown_entries = [e for e in entries if e.shown_on(today)]
    for tier in rules.tiers:
        when = tier.when
        because: list[dict[str, Any]] = []
        for entry in shown_entries:
            if entry.list_code in when.lists:
                because.append({"list": entry.list_code, "entry": entry.key, "record_id": entry.record_id})
        if when.negative_severities:
            for record in records:
                item = catalogue.item(record.item_code)
                if item and item.polarity is Polarity.NEGATIVE and item.severity in when.negative_severities:
                    because.append({"severity": item.severity.value, "record": record.reference()})
        if when.spotless_years is not None and spotless.years >= when.spotless_years:
            because.append(spotless.explain())
        if because:
            return TierResult(tier.name, tier.standing, because)
        if when.always:
            return TierResult(tier.name, tier.standing, [{"because": "no condition of an earlier tier holds"}])
    raise AssertionError("unreachable: ListRules requires the last tier to hold always")
