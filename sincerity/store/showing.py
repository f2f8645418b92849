"""Which subjects a check could find anything about, and the change feed that keeps that known.

A batch check asks about thousands of subjects of whom a few show anything; the showing index
(`services/showing.py`) keeps, per process, the keyed hashes of the subjects that might, so
that the others cost no query. These statements build it and keep it up to date. What they
return is a superset: a hold, a later start or the clock may still hide what they find, and
the check's own reads (`checkpath`) decide.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from sincerity.store.checkpath import fetch, for_each
from sincerity.store.engine import Driver

LINKED = "@linked:"  # prefixes what a person holds through an organisation they are linked to

# Each statement selects (keyed hash, list code or NULL, item code); `{scope}` narrows it to some
# subjects (`{ids}` is where `column IN (…)` goes) and `{p}` marks the day and then the items,
# as `checkpath.for_each` takes them.
_ENTRIES = (
    "SELECT s.number_hash, e.list_code, e.item_code FROM (SELECT DISTINCT subject_id, list_code, item_code "
    "FROM list_entries WHERE {scope}(ends_on IS NULL OR ends_on > {p})) e JOIN subjects s ON s.id = e.subject_id"
)
_RECORDS = (
    "SELECT s.number_hash, NULL, r.item_code FROM (SELECT DISTINCT subject_id, item_code FROM records "
    "WHERE {scope}superseded_at IS NULL AND (display_until IS NULL OR display_until > {p}) "
    "AND item_code IN ({items})) r JOIN subjects s ON s.id = r.subject_id"
)
# What organisations hold, for the persons linked to them today.
_LINKS_TODAY = (
    "(SELECT person_id, organisation_id FROM links WHERE {scope}superseded_at IS NULL "
    "AND (valid_until IS NULL OR valid_until >= {p})) l"
)
_LINKED_ENTRIES = (
    "SELECT s.number_hash, x.list_code, x.item_code FROM (SELECT DISTINCT l.person_id, e.list_code, e.item_code "
    "FROM {links} JOIN list_entries e ON e.subject_id = l.organisation_id "
    "AND (e.ends_on IS NULL OR e.ends_on > {p})) x JOIN subjects s ON s.id = x.person_id"
)
_LINKED_RECORDS = (
    "SELECT s.number_hash, NULL, x.item_code FROM (SELECT DISTINCT l.person_id, r.item_code "
    "FROM {links} JOIN records r ON r.subject_id = l.organisation_id AND r.superseded_at IS NULL "
    "AND (r.display_until IS NULL OR r.display_until > {p}) AND r.item_code IN ({items})) x "
    "JOIN subjects s ON s.id = x.person_id"
)


class Holding(NamedTuple):
    number_hash: bytes
    linked: bool  # held by an organisation the subject (a person) is linked to today
    list_code: str | None  # None: a record of an item no list places
    item_code: str


def holdings(
    tx: Driver, day: date, direct_items: tuple[str, ...], subject_ids: list[int] | None = None
) -> list[Holding]:
    """What subjects hold on `day` or later: list entries (their list and item), current
    records of `direct_items`, and the same held by organisations persons are linked to today.
    Every subject when `subject_ids` is None; else these subjects and the persons linked to
    them (an organisation's new entry reaches its legal representative)."""
    value: Any = day if tx.dialect == "postgresql" else day.isoformat()
    items = ", ".join("{p}" for _ in direct_items)
    # (linked?, column the scope narrows, statement, parameters after the scope's ids)
    statements: list[tuple[bool, str, str, list[Any]]] = [(False, "subject_id", _ENTRIES, [value])]
    if direct_items:
        statements.append((False, "subject_id", _RECORDS.replace("{items}", items), [value, *direct_items]))
    # A person's own links, and the links of organisations whose holdings changed.
    for column in ("person_id", "organisation_id"):
        statements.append((True, column, _LINKED_ENTRIES, [value, value]))
        if direct_items:
            linked_records = _LINKED_RECORDS.replace("{items}", items)
            statements.append((True, column, linked_records, [value, value, *direct_items]))
        if subject_ids is None:
            break  # every link at once
    out: list[Holding] = []
    for linked, column, sql, params in statements:
        sql = sql.replace("{links}", _LINKS_TODAY)
        if subject_ids is None:
            text, named = _named(sql.replace("{scope}", ""), params)
            rows = fetch(tx, text, named, prepare=False)
        else:
            rows = for_each(tx, sql.replace("{scope}", f"{column} {{ids}} AND "), subject_ids, params)
        out.extend(Holding(bytes(r[0]), linked, r[1], r[2]) for r in rows)
    return out


def _named(sql: str, params: list[Any]) -> tuple[str, dict[str, Any]]:
    """`{p}` placeholders in order as `:p0, :p1, …` (for `fetch`)."""
    parts = sql.split("{p}")
    text = parts[0] + "".join(f":p{n}{part}" for n, part in enumerate(parts[1:]))
    return text, {f"p{n}": value for n, value in enumerate(params)}


def changes_after(tx: Driver, seq: int, limit: int) -> list[tuple[int, int | None, str]]:
    """(seq, subject id, tag) of the events after `seq`, in order, at most `limit`."""
    rows = fetch(
        tx,
        "SELECT seq, subject_id, tag FROM events WHERE seq > :seq ORDER BY seq LIMIT :limit",
        {"seq": seq, "limit": limit},
    )
    return [(int(r[0]), r[1], str(r[2])) for r in rows]


def last_change(tx: Driver) -> int:
    rows = fetch(tx, "SELECT max(seq) FROM events", {})
    return int(rows[0][0] or 0)
