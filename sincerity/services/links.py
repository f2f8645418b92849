"""§VI(2) "implement joint punishment down to persons": organisation–person links.

A link says that a person holds a role (legal representative, principal person in charge, …)
in an organisation for a period. Links are submitted like records: by an institution whose
kind the role's rules name, idempotent per (provider, ref), corrected by a new version with the
old one closed, every change an event. A measure that reaches linked persons reads the links
in force on the day of the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection

from sincerity.domain.catalogue import SubjectKind
from sincerity.domain.identity import Identity, InvalidSubjectNumberError, normalise_name, parse_number
from sincerity.domain.lists import ListRules
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import ConfigurationError, NotFoundError
from sincerity.services.context import Services
from sincerity.services.ingest import refresh_statistics
from sincerity.store import events as event_store
from sincerity.store import institutions as institution_store
from sincerity.store import links as link_store
from sincerity.store import subjects as subject_store
from sincerity.store.bulk import instant_text
from sincerity.store.sequences import allocate

LINK_FIELDS = (
    "ref",
    "organisation_id",
    "organisation_name",
    "person_id",
    "person_name",
    "role",
    "valid_from",
    "valid_until",
)


@dataclass(frozen=True, slots=True)
class LinkResult:
    index: int
    ref: str
    outcome: str  # accepted, corrected, unchanged, rejected
    reason: str | None = None
    link_id: int | None = None
    version: int | None = None


@dataclass
class LinksSummary:
    accepted: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    results: list[LinkResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


@dataclass(frozen=True, slots=True)
class _Valid:
    index: int
    ref: str
    organisation: Identity
    organisation_name: str
    person: Identity
    person_name: str
    role: str
    valid_from: date
    valid_until: date | None


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _validate(index: int, row: Mapping[str, Any], *, rules: ListRules, provider_kind: str, today: date) -> _Valid:
    unknown = sorted(set(row) - set(LINK_FIELDS))
    if unknown:
        raise _Refused(f"unexpected field(s): {', '.join(unknown)}")
    missing = [f for f in LINK_FIELDS[:-1] if not isinstance(row.get(f), str) or not row[f].strip()]
    if missing:
        raise _Refused(f"missing or empty field(s): {', '.join(missing)}")
    role = next((r for r in rules.link_roles if r.code == row["role"]), None)
    if role is None:
        raise _Refused(f"unknown role {row['role']!r}: one of {', '.join(sorted(rules.role_codes))}")
    if provider_kind not in role.providers:
        raise _Refused(f"a {provider_kind} may not submit {role.code} links (legal basis: {role.legal_basis[0].law})")
    try:
        organisation = parse_number(row["organisation_id"], today=today)
        person = parse_number(row["person_id"], today=today)
    except InvalidSubjectNumberError as exc:
        raise _Refused(exc.message) from None
    if organisation.kind is not SubjectKind.ORGANISATION:
        raise _Refused("organisation_id must be a unified social credit code")
    if person.kind is not SubjectKind.PERSON:
        raise _Refused("person_id must be a resident ID number")
    try:
        valid_from = date.fromisoformat(row["valid_from"])
        until_text = row.get("valid_until")
        valid_until = date.fromisoformat(until_text) if isinstance(until_text, str) and until_text else None
    except ValueError:
        raise _Refused("valid_from and valid_until are ISO dates (YYYY-MM-DD)") from None
    if valid_from > today:
        raise _Refused("valid_from is in the future")
    if valid_until is not None and valid_until < valid_from:
        raise _Refused("valid_until comes before valid_from")
    return _Valid(
        index,
        row["ref"],
        organisation,
        normalise_name(row["organisation_name"]),
        person,
        normalise_name(row["person_name"]),
        role.code,
        valid_from,
        valid_until,
    )


def submit_links(services: Services, rows: Iterable[Mapping[str, Any]], *, provider: str) -> LinksSummary:
    """Validate and store links from `provider` in one transaction; a result per row."""
    now = services.clock.now()
    today = legal_today(now)
    summary = LinksSummary()
    with services.db.transaction() as conn:
        institution = institution_store.get(conn, provider)
        if institution is None:
            raise NotFoundError(f"no institution {provider!r}")
        rules = services.rules(conn)
        if rules is None:
            raise ConfigurationError("no list rules are loaded: run `sincerity init`")
        valid: list[_Valid] = []
        seen: set[str] = set()
        for index, row in enumerate(rows):
            ref = row.get("ref") if isinstance(row, Mapping) else None
            ref_text = ref if isinstance(ref, str) else ""
            try:
                if not isinstance(row, Mapping):
                    raise _Refused("each link is a JSON object")
                if ref_text in seen:
                    raise _Refused("this ref appears twice in one submission")
                valid.append(_validate(index, row, rules=rules, provider_kind=institution.kind, today=today))
                seen.add(ref_text)
            except _Refused as refused:
                summary.rejected += 1
                summary.results.append(LinkResult(index, ref_text, "rejected", refused.reason))
        if valid:
            _store(services, conn, valid, provider=provider, summary=summary)
    refresh_statistics(services, summary.accepted + summary.corrected, ("links", "subjects"))
    summary.results.sort(key=lambda r: r.index)
    return summary


def _store(services: Services, conn: Connection, valid: list[_Valid], *, provider: str, summary: LinksSummary) -> None:
    now = services.clock.now()
    ids = _subjects(services, conn, valid, provider=provider)
    current = link_store.current_by_refs(conn, provider, [v.ref for v in valid])
    fresh = [v for v in valid if v.ref not in current]
    next_id = allocate(conn, "links", len(fresh)) if fresh else 0
    at = instant_text(now, conn.dialect.name)
    rows: list[tuple[object, ...]] = []
    closed: list[tuple[int, int]] = []
    new_events: list[event_store.EventTuple] = []
    for v in valid:
        organisation_id, person_id = ids[v.organisation.number], ids[v.person.number]
        known = current.get(v.ref)
        content = (organisation_id, person_id, v.role, v.valid_from, v.valid_until)
        if known is None:
            link_id, version, outcome = next_id, 1, "accepted"
            next_id += 1
            summary.accepted += 1
        elif (known.organisation_id, known.person_id, known.role, known.valid_from, known.valid_until) == content:
            summary.unchanged += 1
            summary.results.append(LinkResult(v.index, v.ref, "unchanged", None, known.id, known.version))
            continue
        else:
            link_id, version, outcome = known.id, known.version + 1, "corrected"
            closed.append((known.id, known.version))
            summary.corrected += 1
            if known.person_id != person_id:
                new_events.append(("links:link:moved_away", known.person_id, link_id, {"version": version}))
        data = {"role": v.role, "organisation_id": organisation_id, "version": version}
        new_events.append(
            (f"links:link:{'created' if outcome == 'accepted' else 'corrected'}", person_id, link_id, data)
        )
        rows.append(
            (
                link_id,
                version,
                provider,
                v.ref,
                organisation_id,
                person_id,
                v.role,
                v.valid_from.isoformat(),
                v.valid_until.isoformat() if v.valid_until else None,
                at,
            )
        )
        summary.results.append(LinkResult(v.index, v.ref, outcome, None, link_id, version))
    link_store.close_versions(conn, closed, now=now)
    link_store.insert_many(conn, rows)
    event_store.append(conn, new_events, now=now)


def _subjects(services: Services, conn: Connection, valid: list[_Valid], *, provider: str) -> dict[str, int]:
    """Subject id per number, registering those not yet known; a disagreeing name is flagged
    for review, never overwritten (as in record ingestion)."""
    names: dict[str, tuple[Identity, str, str]] = {}
    for v in valid:
        names.setdefault(v.organisation.number, (v.organisation, v.organisation_name, v.ref))
        names.setdefault(v.person.number, (v.person, v.person_name, v.ref))
    hashes = {number: services.vault.lookup(number) for number in names}
    existing = subject_store.find_by_hashes(conn, hashes.values())
    missing = [n for n in names if hashes[n] not in existing]
    next_id = allocate(conn, "subjects", len(missing)) if missing else 0
    created = []
    ids: dict[str, int] = {}
    new_events: list[event_store.EventTuple] = []
    for number in missing:
        identity, name, _ = names[number]
        created.append(
            subject_store.NewSubject(
                next_id, identity.kind.value, hashes[number], services.vault.seal(number), identity.masked(), name
            )
        )
        new_events.append(("subjects:subject:registered", next_id, next_id, {"kind": identity.kind.value}))
        ids[number] = next_id
        next_id += 1
    now = services.clock.now()
    subject_store.insert_many(conn, created, now=now)
    flags = []
    for number, h in hashes.items():
        if number in ids:
            continue
        subject_id, registered = existing[h]
        ids[number] = subject_id
        _, submitted, ref = names[number]
        if submitted != registered and not subject_store.open_flags(conn, [(subject_id, submitted)]):
            flags.append(
                {
                    "subject_id": subject_id,
                    "provider_code": provider,
                    "ref": ref,
                    "registered_name": registered,
                    "submitted_name": submitted,
                }
            )
            new_events.append(("subjects:name:flagged", subject_id, subject_id, {"source": "links"}))
    subject_store.add_flags(conn, flags, now=now)
    event_store.append(conn, new_events, now=now)
    return ids
