"""The vault's keyed hash is HMAC-SHA256 exactly (stored hashes must keep finding subjects),
and sealing round-trips only for the purpose it was sealed for."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from sincerity.kit.crypto import NodeKeys, SubjectNumberVault

numbers = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=0, max_size=40)
keys = st.binary(min_size=32, max_size=32)


@given(key=keys, number=numbers)
def test_the_lookup_hash_is_hmac_sha256(key: bytes, number: str) -> None:
    vault = SubjectNumberVault(NodeKeys(id_key=bytes(32), lookup_key=key, signing_key=bytes(32)))
    assert vault.lookup(number) == hmac.digest(key, number.encode("ascii"), hashlib.sha256)


def test_lookups_do_not_disturb_each_other() -> None:
    vault = SubjectNumberVault(NodeKeys.generate())
    first = vault.lookup("110105194912310029")
    vault.lookup("91110000100000000L")
    assert vault.lookup("110105194912310029") == first


def test_a_sealed_number_opens_and_a_sealed_text_keeps_its_purpose() -> None:
    vault = SubjectNumberVault(NodeKeys.generate())
    assert vault.open(vault.seal("110105194912310029")) == "110105194912310029"
    sealed = vault.seal_text("someone@example.org", "contact")
    assert vault.open_text(sealed, "contact") == "someone@example.org"
    with pytest.raises(InvalidTag):
        vault.open_text(sealed, "commitment")
