"""`sincerity expire`: record, as events, what the clock has already decided.

Every read path filters by the clock itself, so nothing expired is shown or used whether or
not this runs. The sweep only writes the events that the subject's inbox, federation and
supervision read: display ended (`records:record:expired`), list entries ended
(`lists:entry:expired`), display ending soon (`records:record:expiring`, DESIGN.md §3b-1),
repair now possible (`repairs:record:repairable`), disputes escalated
(`disputes:dispute:escalated`) and repair steps late (`repairs:repair:late`). It covers the
days since the last sweep, so running it twice, or daily from cron, records each event once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from sincerity.domain.catalogue import Polarity
from sincerity.kit.clock import legal_today
from sincerity.services.context import Services
from sincerity.store import events as event_store
from sincerity.store import sweeps as sweep_store
from sincerity.store.events import NewEvent

SWEEP = "expire"
EXPIRY_NOTICE = timedelta(days=30)  # how long before display ends the subject is told
_CHUNK = 5000


@dataclass
class SweepReport:
    after: date
    through: date
    counts: dict[str, int] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {
            "from": (self.after + timedelta(days=1)).isoformat(),
            "through": self.through.isoformat(),
            **self.counts,
        }


def expire(services: Services) -> SweepReport:
    """Record the events of every day since the last sweep, up to today, in one transaction."""
    now = services.clock.now()
    today = legal_today(now)
    with services.db.transaction() as conn:
        after = sweep_store.through(conn, SWEEP)
        report = SweepReport(after, today)
        if after >= today:
            return report
        writer = _Writer(conn, now, report)
        for record_id, version, subject_id, item, until in sweep_store.records_ending(conn, after, today, today):
            writer.add(
                "records:record:expired", subject_id, record_id, {"version": version, "item": item, "until": until}
            )
        for list_code, record_id, subject_id, ends_on in sweep_store.entries_ending(conn, after, today):
            writer.add("lists:entry:expired", subject_id, record_id, {"list": list_code, "until": ends_on})
        # Told once, thirty days ahead; a first sweep tells only about display not yet ended.
        for record_id, version, subject_id, item, until in sweep_store.records_ending(
            conn, max(after + EXPIRY_NOTICE, today), today + EXPIRY_NOTICE, today
        ):
            writer.add(
                "records:record:expiring", subject_id, record_id, {"version": version, "item": item, "until": until}
            )
        _repair_possible(services, conn, writer, after, today)
        for dispute_id, record_id, subject_id, due, suspends in sweep_store.disputes_late(conn, after, today):
            data = {"record": record_id, "answer_due": due, "suspended": suspends}
            writer.add("disputes:dispute:escalated", subject_id, dispute_id, data)
        for repair_id, subject_id, step, due in sweep_store.repairs_late(conn, after, today):
            writer.add("repairs:repair:late", subject_id, repair_id, {"step": step, "due": due})
        writer.flush()
        sweep_store.advance(conn, SWEEP, today)
    return report


def _repair_possible(services: Services, conn: Connection, writer: _Writer, after: date, today: date) -> None:
    """Records whose earliest repair day fell in (after, today]: decided in the same span, one
    waiting period earlier (per item; months clamp at month ends as everywhere)."""
    catalogue = services.catalogue(conn)
    by_wait: dict[Any, list[str]] = {}
    for item in catalogue.items:
        if item.polarity is Polarity.NEGATIVE and item.repairable and item.earliest_repair is not None:
            by_wait.setdefault(item.earliest_repair, []).append(item.code)
    for wait, items in by_wait.items():
        first = after if after == sweep_store.FIRST_DAY else wait.before(after)
        for record_id, subject_id, item_code, decided_on in sweep_store.records_decided_between(
            conn, items, first, wait.before(today), today
        ):
            assert isinstance(decided_on, date)  # noqa: S101  # a Date column
            writer.add(
                "repairs:record:repairable",
                subject_id,
                record_id,
                {"item": item_code, "from": wait.after(decided_on)},
            )


class _Writer:
    """Events in chunks, dates as ISO text, counted per tag."""

    def __init__(self, conn: Connection, now: Any, report: SweepReport) -> None:
        self.conn, self.now, self.report = conn, now, report
        self.pending: list[NewEvent] = []

    def add(self, tag: str, subject_id: Any, entity_id: Any, data: dict[str, Any]) -> None:
        clean = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
        self.pending.append(NewEvent(tag, int(subject_id), int(entity_id), clean))
        self.report.counts[tag] = self.report.counts.get(tag, 0) + 1
        if len(self.pending) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        event_store.append(self.conn, self.pending, now=self.now)
        self.pending = []
