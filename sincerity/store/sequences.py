"""Node-local identifiers, allocated in blocks inside the writing transaction.

The row lock on a sequence is held until commit, so numbers are handed out in commit order:
a reader of the change feed that has seen event N never later meets an event below N.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from sincerity.store.tables import sequences


def allocate(conn: Connection, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers of sequence `name`; return the first."""
    if count < 1:
        raise ValueError("count must be at least 1")
    last = conn.execute(
        update(sequences)
        .where(sequences.c.name == name)
        .values(value=sequences.c.value + count)
        .returning(sequences.c.value)
    ).scalar_one()
    return int(last) - count + 1
