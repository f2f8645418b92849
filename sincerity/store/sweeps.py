"""What the clock-driven sweep finds: records and entries whose window closed, deadlines that
passed, display ending soon and repair becoming possible — each between two days, so a sweep
covers exactly the days since the last one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, and_, insert, or_, select, update

from sincerity.store.holds import held
from sincerity.store.tables import disputes, list_entries, records, repairs, sweeps

FIRST_DAY = date(1900, 1, 1)
_FETCH = 10_000


def through(conn: Connection, name: str) -> date:
    """The last day a sweep has covered (FIRST_DAY if it never ran)."""
    found = conn.execute(select(sweeps.c.through).where(sweeps.c.name == name)).scalar()
    return found if found is not None else FIRST_DAY


def advance(conn: Connection, name: str, day: date) -> None:
    if conn.execute(update(sweeps).where(sweeps.c.name == name).values(through=day)).rowcount == 0:
        conn.execute(insert(sweeps).values(name=name, through=day))


def _rows(conn: Connection, query: Select[Any]) -> Iterator[tuple[object, ...]]:
    """Rows streamed in blocks (a first sweep can meet many); the option stays on this statement."""
    for row in conn.execute(query.execution_options(yield_per=_FETCH)):
        yield tuple(row)


def records_ending(conn: Connection, after: date, upto: date, today: date) -> Iterator[tuple[object, ...]]:
    """(record id, version, subject id, item, display_until) of current records whose display
    ends (exclusive end) on a day in (after, upto], unless withdrawn already (repaired,
    revoked, removed: that was its end, and said so then)."""
    return _rows(
        conn,
        select(records.c.id, records.c.version, records.c.subject_id, records.c.item_code, records.c.display_until)
        .where(
            records.c.superseded_at.is_(None),
            records.c.display_until > after,
            records.c.display_until <= upto,
            ~held(records.c.id, min(today, upto), shown_only=True),
        )
        .order_by(records.c.display_until, records.c.id),
    )


def entries_ending(conn: Connection, after: date, upto: date) -> Iterator[tuple[object, ...]]:
    """(list, record id, subject id, ends_on) of entries whose window ends in (after, upto]."""
    return _rows(
        conn,
        select(list_entries.c.list_code, list_entries.c.record_id, list_entries.c.subject_id, list_entries.c.ends_on)
        .where(
            list_entries.c.ends_on > after,
            list_entries.c.ends_on <= upto,
            ~held(list_entries.c.record_id, upto, shown_only=True),
        )
        .order_by(list_entries.c.ends_on, list_entries.c.record_id),
    )


def records_decided_between(
    conn: Connection, items: list[str], after: date, upto: date, today: date
) -> Iterator[tuple[object, ...]]:
    """(record id, subject id, item, decided_on) of current records of `items` decided in
    (after, upto] that are still shown today (repair of what is gone is not offered)."""
    return _rows(
        conn,
        select(records.c.id, records.c.subject_id, records.c.item_code, records.c.decided_on)
        .where(
            records.c.superseded_at.is_(None),
            records.c.item_code.in_(items),
            records.c.decided_on > after,
            records.c.decided_on <= upto,
            or_(records.c.display_until.is_(None), records.c.display_until > today),
            ~held(records.c.id, today, shown_only=True),
        )
        .order_by(records.c.decided_on, records.c.id),
    )


def disputes_late(conn: Connection, after: date, upto: date) -> list[tuple[int, int, int, date, bool]]:
    """(dispute, record, subject, due, whether the record is suspended) of open disputes whose
    deadline passed: due in [after, upto)."""
    rows = conn.execute(
        select(
            disputes.c.id, disputes.c.record_id, disputes.c.subject_id, disputes.c.answer_due, disputes.c.suspends_from
        )
        .where(disputes.c.status == "open", disputes.c.answer_due >= after, disputes.c.answer_due < upto)
        .order_by(disputes.c.id)
    )
    return [(r[0], r[1], r[2], r[3], r[4] is not None) for r in rows]


def repairs_late(conn: Connection, after: date, upto: date) -> list[tuple[int, int, str, date]]:
    """(repair, subject, which deadline, due) for open applications whose step is late."""
    rows = conn.execute(
        select(repairs.c.id, repairs.c.subject_id, repairs.c.status, repairs.c.accept_due, repairs.c.decide_due).where(
            or_(
                and_(repairs.c.status == "applied", repairs.c.accept_due >= after, repairs.c.accept_due < upto),
                and_(repairs.c.status == "accepted", repairs.c.decide_due >= after, repairs.c.decide_due < upto),
            )
        )
    )
    return [
        (r[0], r[1], "accept" if r[2] == "applied" else "decide", r[3] if r[2] == "applied" else r[4]) for r in rows
    ]
