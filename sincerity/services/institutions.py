"""Institutions: registration, item grants (the provider side of the legal-basis gate), credentials."""

from __future__ import annotations

import hashlib
import secrets

from sincerity.domain.institutions import Institution, validate_institution
from sincerity.kit.errors import AuthenticationError, NotFoundError
from sincerity.services.context import Services
from sincerity.store import checkpath
from sincerity.store import events as event_store
from sincerity.store import institutions as institution_store
from sincerity.store.engine import Driver


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def register_institution(services: Services, institution: Institution) -> Institution:
    """Create or update an institution; every grant is checked against the catalogue."""
    now = services.clock.now()
    with services.db.transaction() as conn:
        valid = validate_institution(institution, services.catalogue(conn))
        new = institution_store.upsert(conn, valid, now=now)
        event_store.append(
            conn,
            [
                event_store.NewEvent(
                    "institutions:institution:registered" if new else "institutions:institution:updated",
                    data={"code": valid.code, "kind": valid.kind, "items": list(valid.items)},
                )
            ],
            now=now,
        )
    return valid


def list_institutions(services: Services) -> list[Institution]:
    with services.db.transaction(write=False) as conn:
        return institution_store.all_institutions(conn)


def issue_credential(services: Services, code: str) -> str:
    """A new API token for an institution; only its hash is kept, so it is shown once."""
    token = f"snc_{code}_{secrets.token_urlsafe(24)}"
    now = services.clock.now()
    with services.db.transaction() as conn:
        if institution_store.get(conn, code) is None:
            raise NotFoundError(f"no institution {code!r}")
        institution_store.add_credential(conn, code, _token_hash(token), now=now)
        event_store.append(conn, [event_store.NewEvent("institutions:credential:issued", data={"code": code})], now=now)
    return token


def authenticate(services: Services, token: str) -> Institution:
    """The institution a bearer token belongs to, or AuthenticationError.

    Answers are kept for `CREDENTIAL_TTL` seconds per process: a check must cost little more
    than a static answer, and a token looked up on every request would cost as much as the
    check. So a revoked credential stops working within that many seconds in every worker.
    Grants (`items`) are not loaded here: ingestion reads them where it uses them."""
    token_hash = _token_hash(token)
    cached = services.credentials.get(token_hash)
    if cached is not None:
        return cached
    with services.db.transaction(write=False) as conn:
        found = checkpath.institution_for_token(Driver.of(conn), token_hash)
    if found is None:
        raise AuthenticationError("the credential is unknown or revoked")
    institution = Institution(code=found[0], name=found[1], kind=found[2], locality=found[3])
    services.credentials.put(token_hash, institution)
    return institution


def get_institution(services: Services, code: str) -> Institution:
    with services.db.transaction(write=False) as conn:
        found = institution_store.get(conn, code)
    if found is None:
        raise NotFoundError(f"no institution {code!r}")
    return found
