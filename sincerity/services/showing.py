"""The showing index: which subjects a check could find anything about, kept in memory.

A batch check asks about up to 10,000 subjects, of whom a few percent hold anything its
action's measures read. Reading every subject's standing costs indexed probes for all of them;
the index answers "nothing here" for the rest from memory. It maps the first 8 bytes of a
subject's keyed number hash to bits for what the subject holds: the lists it is on, the items
of its entries, records of items that measures trigger on directly (no list places them), and
the same held by an organisation a person is linked to. The candidates it gives are then
looked up by their full hash, so a shared prefix costs a query, never a wrong subject.

Kept right by the change feed: every change to records, entries and links writes an event
naming its subject in the same transaction, and events are numbered in commit order (the
sequence row stays locked until commit). Before each use the index reads the events after the
last one it saw and looks again at the subjects they name; new rules, a recompute or a flood
of changes rebuild it. It only ever errs by holding too much (an entry since ended, a record
since withdrawn or held): the check's own reads decide, so such an error costs a query, never
a wrong answer. For the same reason a new day needs no rebuild (what it holds was read for an
earlier day and a later end); it is rebuilt weekly to shed what has ended, and at once when
asked about a day before the one it was built for.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sincerity.domain.lists import ListRules
from sincerity.domain.measures import Measure, MeasureSet, needs_links, needs_standing
from sincerity.store import showing as showing_store
from sincerity.store.engine import Driver

# More changes than this since the last look: rebuilding reads less than replaying them.
REBUILD_AFTER = 20_000
# Rebuilt this often to forget what has ended (holding it is harmless, merely slower).
REBUILD_EVERY = timedelta(days=7)
# Changes that can move many subjects at once, recorded without naming one.
_WIDE_CHANGES = ("lists:", "measures:", "catalogue:")


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a subject must hold for some of a set of measures to be able to apply to them."""

    holdings: frozenset[str]  # `list:CODE` and `item:CODE` keys
    linked: bool  # held by an organisation a person is linked to counts too


def wanted_by(measures: Sequence[Measure]) -> Wanted | None:
    """What the measures read; None when they may apply to subjects who hold nothing (tiers
    and spotless runs: every known subject has one), so that the index cannot narrow them."""
    if needs_standing(measures):
        return None
    keys = {f"list:{code}" for m in measures for code in m.trigger_lists}
    # An item is read from its entries (on whichever list) or, placed on none, from its records.
    keys.update(f"item:{code}" for m in measures for code in m.trigger_items)
    return Wanted(frozenset(keys), needs_links(measures))


def direct_items(measures: MeasureSet, rules: ListRules) -> tuple[str, ...]:
    """Items some measure triggers on that no list rule places: read as records, not entries."""
    return tuple(sorted({code for m in measures.measures for code in m.trigger_items} - set(rules.placements)))


def _prefix(number_hash: bytes) -> int:
    return int.from_bytes(number_hash[:8], "big")


class ShowingIndex:
    """Keyed number hash prefix → bits for what the subject holds, for subjects holding anything."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[int, int] = {}
        self._bits: dict[str, int] = {}
        self._shared: dict[int, int] = {}  # one object per distinct set of bits: there are few
        self._seq = -1
        self._day: date | None = None
        self._key: tuple[int | None, tuple[str, ...]] | None = None  # configuration generation, direct items
        self.rebuilds = 0  # for tests and the benchmark: how often the whole index was read

    def candidates(
        self,
        tx: Driver,
        hashes: Collection[bytes],
        wanted: Wanted,
        *,
        today: date,
        generation: int | None,
        direct: tuple[str, ...],
    ) -> list[bytes]:
        """Those of `hashes` whose subjects may hold what `wanted` asks, as of `tx`'s reads."""
        with self._lock:
            self._catch_up(tx, today, (generation, direct))
            mask = self._mask(wanted)
            held = self._held
        if not mask:
            return []
        get = held.get
        return [h for h in hashes if get(int.from_bytes(h[:8], "big"), 0) & mask]

    def refresh(self, tx: Driver, *, today: date, generation: int | None, direct: tuple[str, ...]) -> None:
        """Catch up with the change feed now (or build the index, the first time)."""
        with self._lock:
            self._catch_up(tx, today, (generation, direct))

    def __len__(self) -> int:
        return len(self._held)

    def _mask(self, wanted: Wanted) -> int:
        keys = list(wanted.holdings)
        if wanted.linked:
            keys += [showing_store.LINKED + key for key in keys]
        mask = 0
        for key in keys:
            mask |= self._bits.get(key, 0)  # what no one holds has no bit yet
        return mask

    def _catch_up(self, tx: Driver, today: date, key: tuple[int | None, tuple[str, ...]]) -> None:
        day = self._day
        if self._seq < 0 or self._key != key or day is None or today < day or today - day >= REBUILD_EVERY:
            self._rebuild(tx, today, key)
            return
        changes = showing_store.changes_after(tx, self._seq, REBUILD_AFTER + 1)
        if not changes:
            return
        if len(changes) > REBUILD_AFTER or any(
            subject is None and tag.startswith(_WIDE_CHANGES) for _, subject, tag in changes
        ):
            self._rebuild(tx, today, key)
            return
        subjects = sorted({subject for _, subject, _ in changes if subject is not None})
        if subjects:
            # Read for the day the index was built: it must hold what any day since may show.
            self._add(showing_store.holdings(tx, day, key[1], subjects), self._held)
        self._seq = changes[-1][0]

    def _rebuild(self, tx: Driver, today: date, key: tuple[int | None, tuple[str, ...]]) -> None:
        # The feed position first: a change committed while the holdings are read is read
        # again next time (holding too much is harmless; missing a change is not).
        seq = showing_store.last_change(tx)
        held: dict[int, int] = {}
        self._add(showing_store.holdings(tx, today, key[1]), held)
        # Swapped in whole: a failed read leaves the index as it was, still behind the feed.
        self._held, self._seq, self._day, self._key = held, seq, today, key
        self.rebuilds += 1

    def _add(self, found: list[showing_store.Holding], held: dict[int, int]) -> None:
        for holding in found:
            via = showing_store.LINKED if holding.linked else ""
            bits = self._bit(f"{via}item:{holding.item_code}")
            if holding.list_code is not None:
                bits |= self._bit(f"{via}list:{holding.list_code}")
            prefix = _prefix(holding.number_hash)
            combined = held.get(prefix, 0) | bits
            held[prefix] = self._shared.setdefault(combined, combined)

    def _bit(self, key: str) -> int:
        bit = self._bits.get(key)
        if bit is None:
            bit = self._bits[key] = 1 << len(self._bits)
        return bit
