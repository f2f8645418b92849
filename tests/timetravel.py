"""The shared time-travel helper: move the clock, then ask every read path whether it shows or
uses a record. A read path added later (reports, public search, exports, federation) joins
`READ_PATHS` and every time-travel test covers it at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from typing import Any

from sincerity.kit.clock import CHINA_TZ, FixedClock, legal_today
from sincerity.services.checks import check_batch, check_subject
from sincerity.services.context import Services
from sincerity.services.lists import lists_view
from sincerity.services.repairs import repair_eligibility
from sincerity.store import checkpath
from sincerity.store import lists as list_store
from sincerity.store import records as record_store
from sincerity.store.engine import Driver


def travel(services: Services, day: date) -> None:
    """Move the node's clock to 10:00 Beijing time on `day`."""
    services.clock = FixedClock(datetime.combine(day, time(10), CHINA_TZ))


def record_ids_in(answer: Any) -> Iterator[int]:
    """Every record id an answer names, however deep (`{"record": {"id": …}}`)."""
    if isinstance(answer, dict):
        found = answer.get("record")
        if isinstance(found, dict) and isinstance(found.get("id"), int):
            yield found["id"]
        for value in answer.values():
            yield from record_ids_in(value)
    elif isinstance(answer, list):
        for value in answer:
            yield from record_ids_in(value)


def _actions(services: Services) -> list[str]:
    return sorted(services.last_in_force().measures.action_codes)


def _checks(services: Services, number: str, record_id: int, subject_id: int) -> bool:
    return any(
        record_id in set(record_ids_in(check_subject(services, number, action=a, institution=None)))
        for a in _actions(services)
    )


def _batches(services: Services, number: str, record_id: int, subject_id: int) -> bool:
    return any(
        record_id in set(record_ids_in(check_batch(services, [number], action=a, institution=None)))
        for a in _actions(services)
    )


def _entries(services: Services, number: str, record_id: int, subject_id: int) -> bool:
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        shown = checkpath.entries_of(Driver.of(conn), [subject_id], today)
    return any(e.record_id == record_id for e in shown)


def _list_counts(services: Services, number: str, record_id: int, subject_id: int) -> bool:
    # The count of entries of this subject's lists: another subject's entries would count too,
    # so the tests using the helper hold one subject only.
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        counted = sum(c.entries for c in list_store.counts(conn, today).values())
    return counted > 0 and any(entry["entries"] for entry in lists_view(services)["lists"])


def _shown_records(services: Services, number: str, record_id: int, subject_id: int) -> bool:
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False) as conn:
        return any(r.id == record_id for r in record_store.shown_of_subject(conn, subject_id, today))


def _repairable(services: Services, number: str, record_id: int, subject_id: int) -> bool:
    """Repair can only be asked about a record that is shown."""
    try:
        repair_eligibility(services, number, record_id=record_id)
    except Exception:  # noqa: BLE001  # the path refuses: it does not show the record
        return False
    return True


READ_PATHS: dict[str, Callable[[Services, str, int, int], bool]] = {
    "check": _checks,
    "batch check": _batches,
    "list entries": _entries,
    "list counts": _list_counts,
    "shown records": _shown_records,
    "repair eligibility": _repairable,
}


def paths_using(services: Services, number: str, record_id: int, subject_id: int) -> set[str]:
    """The read paths that show or use the record on the clock's day."""
    return {name for name, uses in READ_PATHS.items() if uses(services, number, record_id, subject_id)}
