"""Finding subjects by keyed hash on both stores: the packed lookup finds what a plain IN finds."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from sincerity.services.context import Services
from sincerity.store import subjects as subject_store
from sincerity.store._sql import among, among_same_width
from sincerity.store.tables import subjects
from tests.factories import person_number


def _stored(services: Services, count: int) -> list[bytes]:
    """`count` subjects stored; their lookup hashes."""
    numbers = [person_number(serial=i) for i in range(count)]
    new = [
        subject_store.NewSubject(
            id=i + 1,
            kind="person",
            number_hash=services.vault.lookup(number),
            number_sealed=services.vault.seal(number),
            number_masked=number[:2] + "*" * 16,
            name=f"名{i}",
        )
        for i, number in enumerate(numbers)
    ]
    with services.db.transaction() as conn:
        subject_store.insert_many(conn, new, now=services.clock.now())
    return [s.number_hash for s in new]


def test_the_packed_lookup_finds_exactly_what_in_finds(services: Services) -> None:
    stored = _stored(services, 120)
    absent = [hashlib.sha256(f"absent-{i}".encode()).digest() for i in range(80)]
    wanted = stored[::2] + absent + stored[:3]  # found, not found, and asked twice
    with services.db.transaction(write=False) as conn:
        dialect = conn.dialect.name
        found = subject_store.find_by_hashes(conn, wanted)
        packed = {
            bytes(h)
            for h in conn.execute(
                select(subjects.c.number_hash).where(among_same_width(subjects.c.number_hash, wanted, dialect))
            ).scalars()
        }
        plain = {
            bytes(h)
            for h in conn.execute(
                select(subjects.c.number_hash).where(among(subjects.c.number_hash, wanted, dialect))
            ).scalars()
        }
        assert set(found) == packed == plain == set(stored[::2]) | set(stored[:3])
        assert found[stored[0]] == (1, "名0")
        assert subject_store.find_by_hashes(conn, []) == {}
        # Values of different widths take the plain path and still find what is there.
        mixed = [stored[1], b"short"]
        assert set(subject_store.find_by_hashes(conn, mixed)) == {stored[1]}
