"""The per-process credential cache forgets within its time to live."""

from __future__ import annotations

from sincerity.domain.institutions import Institution
from sincerity.services.context import CredentialCache


def test_a_cached_credential_is_forgotten_after_its_time_to_live() -> None:
    airline = Institution("airline", "Airline", "implementing_agency", "110000")
    kept = CredentialCache(ttl=60)
    kept.put(b"h", airline)
    assert kept.get(b"h") == airline
    assert kept.get(b"other") is None
    expired = CredentialCache(ttl=-1)
    expired.put(b"h", airline)
    assert expired.get(b"h") is None
