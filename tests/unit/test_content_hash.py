"""The content hash of a record: stored with every version and compared on every later
submission, so its digests must never change."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sincerity.services.validation import content_hasher


@given(key=st.binary(min_size=1, max_size=64), contents=st.lists(st.binary(max_size=600), max_size=5))
def test_the_hash_is_keyed_blake2b_of_sixteen_bytes_for_every_row(key: bytes, contents: list[bytes]) -> None:
    digest = content_hasher(key)
    for content in contents:  # one hasher serves many rows: no state carries over
        assert digest(content) == hashlib.blake2b(content, digest_size=16, key=key).digest()


def test_a_known_digest() -> None:
    """Pinned: a digest stored by an earlier version still matches the same content."""
    digest = content_hasher(b"k" * 32)
    assert digest(b"130602200310180862\x1fpenalty.minor").hex() == "3f4d207c77f214023f2d7219e264fcbb"
