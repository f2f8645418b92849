"""§IV(2), DESIGN.md §2.4: ID numbers encrypted at rest (AES-GCM), found by a keyed hash (HMAC-SHA256).

The node's keys live in one JSON file (mode 0600) created by `sincerity init`; they are never
committed and never logged. Losing the file makes stored ID numbers unreadable: back it up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sincerity.kit.errors import ConfigurationError

_TEXT_AAD = b"sincerity:text:"  # + the purpose
_ID_AAD = b"sincerity:subject-number:v1"


@dataclass(frozen=True, repr=False)
class NodeKeys:
    """Secret key material; `repr` never shows it."""

    id_key: bytes  # AES-256-GCM for subject numbers
    lookup_key: bytes  # HMAC-SHA256 for finding a subject by number
    signing_key: bytes  # Ed25519 private key (raw 32 bytes) for signed batches and attestations

    def __repr__(self) -> str:
        return "NodeKeys(<secret>)"

    @classmethod
    def generate(cls) -> NodeKeys:
        return cls(id_key=os.urandom(32), lookup_key=os.urandom(32), signing_key=os.urandom(32))

    def to_json(self) -> str:
        b64 = base64.b64encode
        return json.dumps(
            {
                "format": 1,
                "id_key": b64(self.id_key).decode(),
                "lookup_key": b64(self.lookup_key).decode(),
                "signing_key": b64(self.signing_key).decode(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, *, source: str) -> NodeKeys:
        try:
            data = json.loads(text)
            keys = cls(
                id_key=base64.b64decode(data["id_key"], validate=True),
                lookup_key=base64.b64decode(data["lookup_key"], validate=True),
                signing_key=base64.b64decode(data["signing_key"], validate=True),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{source}: the key file is not readable ({type(exc).__name__})") from exc
        if any(len(k) != 32 for k in (keys.id_key, keys.lookup_key, keys.signing_key)):
            raise ConfigurationError(f"{source}: every key must be 32 bytes")
        return keys


def load_keys(path: Path) -> NodeKeys:
    if not path.exists():
        raise ConfigurationError(f"no key file at {path}: run `sincerity init` to create the node's keys")
    return NodeKeys.from_json(path.read_text(encoding="utf-8"), source=str(path))


def create_keys(path: Path) -> tuple[NodeKeys, bool]:
    """Create the key file if missing (never overwrite); return the keys and whether they are new."""
    if path.exists():
        return load_keys(path), False
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = NodeKeys.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(keys.to_json())
    return keys, True


class SubjectNumberVault:
    """Encrypts, decrypts and keys subject numbers; the only holder of the two ID keys."""

    def __init__(self, keys: NodeKeys) -> None:
        self._aead = AESGCM(keys.id_key)
        # HMAC (RFC 2104) with the key's inner and outer pads hashed once: each lookup then
        # costs two short hashes (≈ 1 µs) instead of setting up an HMAC context (≈ 3 µs), which
        # counts when a batch check hashes 10,000 numbers.
        block = keys.lookup_key.ljust(hashlib.sha256().block_size, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def lookup(self, number: str) -> bytes:
        """The keyed hash (HMAC-SHA256) that finds a subject without storing the number in clear."""
        inner = self._inner.copy()
        inner.update(number.encode("ascii"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def seal(self, number: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, number.encode("ascii"), _ID_AAD)

    def open(self, sealed: bytes) -> str:
        return self._aead.decrypt(sealed[:12], sealed[12:], _ID_AAD).decode("ascii")

    def seal_text(self, text: str, purpose: str) -> bytes:
        """Other personal data at rest (an email address, a signed letter): UTF-8, bound to its
        purpose, so that a sealed address can never be opened as a number or a letter."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, text.encode("utf-8"), _TEXT_AAD + purpose.encode("ascii"))

    def open_text(self, sealed: bytes, purpose: str) -> str:
        return self._aead.decrypt(sealed[:12], sealed[12:], _TEXT_AAD + purpose.encode("ascii")).decode("utf-8")
