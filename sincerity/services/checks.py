"""§VI(2), DESIGN.md §3b-5: the point-of-service check, its feedback, and lifting one measure.

A check answers, for one action only, whether each measure governing it applies to a subject,
with the chain measure ← list entry ← record (version) ← catalogue item ← legal basis; never
the dossier. Only what may be shown today is read (entries and records filtered by the clock),
and every check is written, with the versions it used, in the same transaction as it is made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from sincerity.domain.identity import InvalidSubjectNumberError, parse_number
from sincerity.domain.institutions import Institution
from sincerity.domain.lists import Entry
from sincerity.domain.measures import (
    Lift,
    LinkedOrganisation,
    Measure,
    Situation,
    decide,
    needs_links,
    needs_standing,
    records_needed,
)
from sincerity.domain.tiers import ShownRecord, spotless_run, tier_of
from sincerity.kit.clock import legal_today
from sincerity.kit.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    SincerityError,
)
from sincerity.services.context import InForce, Services
from sincerity.services.showing import direct_items, wanted_by
from sincerity.store import checkpath
from sincerity.store import checks as check_store
from sincerity.store import events as event_store
from sincerity.store.engine import Driver

MAX_BATCH = 10_000


class UnknownActionError(InvalidInputError):
    code = "unknown_action"


def _governing(in_force: InForce, action: str, today: date, institution: Institution | None) -> list[Measure]:
    """The measures governing `action`; the asker must implement at least one of them (a check
    is bound to the asker's duty: an airline asks about flights, not about hiring)."""
    if action not in in_force.measures.action_codes:
        raise UnknownActionError(
            f"unknown action {action!r}: see GET /api/v1/measures for the actions measures govern",
            details={"action": action},
        )
    measures = in_force.measures.governing(action, today)
    if institution is not None and not any(institution.kind in m.implementers for m in measures):
        raise PermissionDeniedError(
            f"a {institution.kind} implements no measure governing {action!r}",
            details={"action": action, "kind": institution.kind},
        )
    return measures


def _read(
    tx: Driver, hashes: list[bytes], measures: Sequence[Measure], today: date, placed: Collection[str]
) -> checkpath.SubjectsRead:
    """What these subjects show today, as far as these measures read it."""
    return checkpath.read_subjects(
        tx, hashes, today, links=needs_links(measures), records=records_needed(measures, placed)
    )


def _standings(
    read: checkpath.SubjectsRead,
) -> tuple[dict[int, checkpath.Standing], dict[int, dict[tuple[str, int], Lift]]]:
    """Each subject's standing (with the organisations a person is linked to) and the lifts
    that concern them. Only subjects that show something get a standing (most show nothing);
    `_empty` makes one for the rest."""
    ids = {s.id: s for s in read.known.values()}
    links: dict[int, list[checkpath.Link]] = defaultdict(list)
    for person_id, link in read.roles:
        links[person_id].append(link)
    entries: dict[int, list[Entry]] = defaultdict(list)
    for entry in read.entries:
        entries[entry.subject_id].append(entry)
    records: dict[int, list[ShownRecord]] = defaultdict(list)
    for subject_id, record in read.records:
        records[subject_id].append(record)
    standings: dict[int, checkpath.Standing] = {}
    for subject_id in {*entries, *records, *links}.intersection(ids):
        standing = standings[subject_id] = _empty(ids[subject_id])
        standing.entries = entries.get(subject_id, [])
        standing.records = records.get(subject_id, [])
        standing.links = links.get(subject_id, [])
        for link in standing.links:
            standing.linked_entries[link.link_id] = entries.get(link.organisation_id, [])
            standing.linked_records[link.link_id] = records.get(link.organisation_id, [])
    return standings, _lifts_by_subject(read.lifts)


def _empty(subject: checkpath.Known) -> checkpath.Standing:
    return checkpath.Standing(subject.id, subject.kind, subject.masked, subject.created_at)


def _unknown_answers(measures: Sequence[Measure]) -> list[dict[str, Any]]:
    """Nothing is held about the subject: no measure applies, and none can be explained."""
    return [
        {
            "code": m.code,
            "kind": m.kind.value,
            "applies": False,
            "until": None,
            "because": [],
            "not_counted": [],
            "legal_basis": m.basis_view,
        }
        for m in measures
    ]


def check_subject(services: Services, number: str, *, action: str, institution: Institution | None) -> dict[str, Any]:
    """Answer whether each measure governing `action` applies to the subject; record the check.

    `institution` None is the platform's operator at the console. The answer and its record
    are written in one transaction: no answer is given that was not recorded."""
    [found] = check_subjects(services, [(number, action, institution)])
    if isinstance(found, Exception):
        raise found
    return found


def check_subjects(
    services: Services, asks: Sequence[tuple[str, str, Institution | None]]
) -> list[dict[str, Any] | Exception]:
    """Several single checks answered and recorded in one transaction (group commit: one
    commit instead of one per check, and the subjects read together, as a batch is). Each
    answer, or the error that refused its request, in order; an answer is returned only once
    the transaction that records it has committed. A fault of the store fails the whole group:
    nothing is answered that was not recorded."""
    found: list[dict[str, Any] | Exception] = []
    ready: list[tuple[int, _Asked]] = []
    for index, (number, action, institution) in enumerate(asks):
        try:
            ready.append((index, _ask(services, number, action, institution)))
            found.append({})
        except SincerityError as exc:
            found.append(exc)
    if ready:
        by_day: dict[date, list[tuple[int, _Asked]]] = defaultdict(list)
        for index, asked in ready:  # a group that spans midnight reads each check on its own day
            by_day[asked.today].append((index, asked))
        with services.db.driver_transaction() as tx:
            for day in by_day.values():
                for (index, _), result in zip(day, _answer_group(services, tx, [a for _, a in day]), strict=True):
                    found[index] = result
    return found


def _answer_group(services: Services, tx: Driver, group: list[_Asked]) -> list[dict[str, Any] | Exception]:
    """The checks of one day inside an open transaction: every subject's standing read with a
    few statements for all, each check decided on its own (on what a check of its own would
    read), all recorded with one insert. A check that fails to be decided fails alone and
    leaves no row; a fault of the store fails them all."""
    in_force = group[0].in_force
    today = group[0].today
    hashes = list({asked.number_hash for asked in group})
    everything = _measures_of_group(group)
    read = _read(tx, hashes, everything, today, in_force.rules.placements)
    if read.generation != in_force.generation or any(asked.in_force is not in_force for asked in group):
        # The rules changed since this process last looked (or while the group gathered).
        in_force = services.reload_in_force()
        regrouped: list[_Asked] = []
        for asked in group:
            try:
                measures = _governing(in_force, asked.action, asked.today, asked.institution)
            except SincerityError as exc:
                regrouped.append(replace(asked, in_force=in_force, refused=exc))
                continue
            regrouped.append(replace(asked, in_force=in_force, measures=measures))
        group = regrouped
        everything = _measures_of_group(group)
        read = _read(tx, hashes, everything, today, in_force.rules.placements)
    placed = in_force.rules.placements
    known = read.known
    standings, lifts = _standings(read)
    # What each check's measures read, worked out once per set of measures (a group mostly
    # asks about one action), against what the group read for all of them.
    read_for_all = records_needed(everything, placed)
    needed: dict[tuple[str, ...], bool | tuple[str, ...]] = {}
    answers: list[dict[str, Any] | Exception] = []
    rows: list[checkpath.CheckRow] = []
    for asked in group:
        if asked.refused is not None:
            answers.append(asked.refused)
            continue
        subject = known.get(asked.number_hash)
        if subject is None:
            measures_view = _unknown_answers(asked.measures)
            masked = asked.masked
        else:
            try:
                codes = tuple(m.code for m in asked.measures)
                if codes not in needed:
                    needed[codes] = records_needed(asked.measures, placed)
                standing = standings.get(subject.id) or _empty(subject)
                if needed[codes] != read_for_all:
                    standing = _as_read_for(standing, needed[codes])
                situation = _situation_of(standing, asked.measures, in_force, today)
                situation.lifts = _lifts_for(subject.id, [link.organisation_id for link in standing.links], lifts)
                measures_view = [decide(m, situation, catalogue=in_force.catalogue).view() for m in asked.measures]
            except Exception as exc:  # noqa: BLE001  # a fault deciding one check fails that check only
                answers.append(exc)
                continue
            masked = subject.masked
        answer: dict[str, Any] = {
            "action": asked.action,
            "at": asked.now.isoformat(),
            "subject": masked,
            "known": subject is not None,
            "measures": measures_view,
            "versions": in_force.versions,
        }
        answers.append(answer)
        rows.append(
            checkpath.CheckRow(
                asked.now,
                asked.institution.code if asked.institution else None,
                asked.action,
                subject.id if subject else None,
                sum(1 for m in measures_view if m["applies"]),
                orjson.dumps(answer).decode(),
                in_force.versions,
                asked=checkpath.asked_key(asked.number_hash),
            )
        )
    ids = iter(checkpath.record_checks(tx, rows))
    return [a if isinstance(a, Exception) else {"check_id": next(ids), **a} for a in answers]


def _measures_of_group(group: list[_Asked]) -> list[Measure]:
    """Every measure some check of the group asks about, once (what the group's read must cover)."""
    return list({m.code: m for asked in group for m in asked.measures}.values())


def _as_read_for(standing: checkpath.Standing, wanted: bool | tuple[str, ...]) -> checkpath.Standing:
    """The standing as a check alone reads it, given which records its measures read
    (`records_needed`): the group read records for all its checks' measures, and a check's
    answer must not depend on its neighbours."""
    if wanted is True:
        return standing
    keep = set(wanted) if wanted else set()
    return replace(
        standing,
        records=[r for r in standing.records if r.item_code in keep],
        linked_records={k: [r for r in v if r.item_code in keep] for k, v in standing.linked_records.items()},
    )


@dataclass(frozen=True, slots=True)
class _Asked:
    """A check request, validated: what can be refused is refused before any transaction."""

    now: datetime
    today: date
    masked: str
    number_hash: bytes
    action: str
    institution: Institution | None
    in_force: InForce
    measures: list[Measure]
    refused: SincerityError | None = None  # by rules that came into force meanwhile


def _ask(services: Services, number: str, action: str, institution: Institution | None) -> _Asked:
    now = services.clock.now()
    today = legal_today(now)
    identity = parse_number(number, today=today)
    in_force = services.last_in_force()
    measures = _governing(in_force, action, today, institution)
    return _Asked(
        now, today, identity.masked(), services.vault.lookup(identity.number), action, institution, in_force, measures
    )


def _situation_of(found: checkpath.Standing, measures: Sequence[Measure], in_force: InForce, today: date) -> Situation:
    linked = [
        LinkedOrganisation(
            link.organisation_id,
            link.masked,
            link.role,
            link.link_id,
            found.linked_entries.get(link.link_id, ()),
            found.linked_records.get(link.link_id, ()),
        )
        for link in found.links
    ]
    situation = Situation(today=today, entries=found.entries, records=found.records, linked=linked)
    if needs_standing(measures):
        situation.spotless = spotless_run(
            found.records, catalogue=in_force.catalogue, known_since=found.registered_on, today=today
        )
        situation.tier = tier_of(
            in_force.rules,
            entries=found.entries,
            records=found.records,
            spotless=situation.spotless,
            catalogue=in_force.catalogue,
            today=today,
        )
    return situation


def _lifts_by_subject(found: list[tuple[int, Lift]]) -> dict[int, dict[tuple[str, int], Lift]]:
    by_subject: dict[int, dict[tuple[str, int], Lift]] = defaultdict(dict)
    for subject_id, lift in found:
        by_subject[subject_id][(lift.measure_code, lift.record_id)] = lift
    return by_subject


def _lifts_for(
    subject_id: int, organisation_ids: Sequence[int], lifts: dict[int, dict[tuple[str, int], Lift]]
) -> dict[tuple[str, int], Lift]:
    """A lift recorded for the subject counts for them; one recorded for an organisation counts
    for every person its measures reach."""
    merged = dict(lifts.get(subject_id, {}))
    for organisation_id in organisation_ids:
        merged.update(lifts.get(organisation_id, {}))
    return merged


def check_batch(
    services: Services, numbers: Sequence[str], *, action: str, institution: Institution | None
) -> dict[str, Any]:
    """Many subjects, one action, one recorded check. Each subject gets `applies` and the codes
    of the measures that apply; those that apply carry their full explanation.

    Only the subjects the showing index says may hold what the action's measures read are
    looked up (a few percent, at the realistic rate); the rest are answered from memory. The
    check row keeps the keyed hash of every valid number asked about."""
    if len(numbers) > MAX_BATCH:
        raise InvalidInputError(f"at most {MAX_BATCH} subjects per batch; split the request")
    now = services.clock.now()
    today = legal_today(now)
    results: list[dict[str, Any]] = []
    hashes: dict[int, bytes] = {}
    lookup = services.vault.lookup
    for index, raw in enumerate(numbers):
        if not isinstance(raw, str):
            results.append({"index": index, "error": "a subject number is text"})
            continue
        try:
            identity = parse_number(raw, today=today)
        except InvalidSubjectNumberError as exc:
            results.append({"index": index, "error": exc.message})
            continue
        hashes[index] = lookup(identity.number)
        results.append({"index": index, "subject": identity.masked(), "applies": False, "measures": []})
    with services.db.transaction(serialise=False) as conn:
        in_force = services.in_force(conn)
        measures = _governing(in_force, action, today, institution)
        tx = Driver.of(conn)
        asked = list(dict.fromkeys(hashes.values()))
        wanted = wanted_by(measures)
        if wanted is not None:
            asked = services.showing.candidates(
                tx,
                asked,
                wanted,
                today=today,
                generation=in_force.generation,
                direct=direct_items(in_force.measures, in_force.rules),
            )
        read = _read(tx, asked, measures, today, in_force.rules.placements)
        found = read.known
        standings, lifts = _standings(read)
        every_subject = wanted is None  # tiers and spotless runs hold for anyone known
        applying: list[dict[str, Any]] = []
        for index, number_hash in hashes.items():
            subject = found.get(number_hash)
            if subject is None:
                continue
            standing = standings.get(subject.id)
            if standing is None:
                if not every_subject:
                    continue  # nothing shown about them or their organisations: no measure can apply
                standing = _empty(subject)
            situation = _situation_of(standing, measures, in_force, today)
            situation.lifts = _lifts_for(subject.id, [link.organisation_id for link in standing.links], lifts)
            answers = [decide(m, situation, catalogue=in_force.catalogue) for m in measures]
            applied = [a for a in answers if a.applies]
            if applied:
                result = results[index]
                result["applies"] = True
                result["measures"] = [a.view() for a in applied]
                # The records the answer named, so that a withdrawal later reaches this asker.
                told = sorted({r["record"]["id"] for a in applied for r in a.because if r.get("record")})
                applying.append({"subject_id": subject.id, "measures": [a.code for a in applied], "records": told})
        answer = {
            "action": action,
            "governing": [m.code for m in measures],
            "invalid": len(numbers) - len(hashes),
            # subjects whose standing was read (the others hold nothing it reads)
            "read": len({s.id for s in found.values()}),
            "applying": applying,
        }
        [check_id] = checkpath.record_checks(
            tx,
            [
                checkpath.CheckRow(
                    now,
                    institution.code if institution else None,
                    action,
                    None,
                    len(applying),
                    orjson.dumps(answer).decode(),
                    in_force.versions,
                    subjects=len(numbers),
                    asked=b"".join(checkpath.asked_key(h) for h in hashes.values()),
                )
            ],
        )
    return {
        "check_id": check_id,
        "action": action,
        "at": now.isoformat(),
        "subjects": len(numbers),
        "applying": len(applying),
        "results": results,
        "versions": in_force.versions,
    }


def prepare_batches(services: Services) -> None:
    """Build the showing index now rather than in the first batch check (a serving process
    calls this in the background at start-up: on a node of a million subjects it takes
    seconds, and batches arriving meanwhile wait for it)."""
    today = legal_today(services.clock.now())
    with services.db.transaction(write=False, serialise=False) as conn:
        in_force = services.in_force(conn)
        services.showing.refresh(
            Driver.of(conn),
            today=today,
            generation=in_force.generation,
            direct=direct_items(in_force.measures, in_force.rules),
        )


# --- feedback and lifting ---------------------------------------------------------------------


class FeedbackInvalidError(InvalidInputError):
    code = "feedback_invalid"


def give_feedback(
    services: Services,
    check_id: int,
    *,
    institution: Institution,
    measure: str,
    outcome: str,
    reason: str | None,
    subject: str | None = None,
) -> dict[str, Any]:
    """The implementing institution reports what it did with a check's answer (kept for
    supervision, §VII(1)). Only the institution that asked may answer for its check."""
    if outcome not in ("applied", "not_applied"):
        raise FeedbackInvalidError("outcome is `applied` or `not_applied`")
    if outcome == "not_applied" and not (reason and reason.strip()):
        raise FeedbackInvalidError("say why a measure was not applied (reason)")
    now = services.clock.now()
    with services.db.transaction() as conn:
        check = check_store.get(conn, check_id)
        if check is None or check.institution_code != institution.code:
            # The same answer for a check of another institution: ids must not reveal checks.
            raise NotFoundError(f"no check {check_id} made by {institution.code}")
        subject_id = check.subject_id
        if check.subjects > 1 or subject is not None:
            subject_id = _subject_of_feedback(services, conn, check, subject)
        codes = _measures_of(check)
        if measure not in codes:
            raise FeedbackInvalidError(
                f"measure {measure!r} was not part of check {check_id}'s answer", details={"measures": sorted(codes)}
            )
        feedback_id = check_store.add_feedback(
            conn,
            check_id=check_id,
            institution=institution.code,
            measure=measure,
            subject_id=subject_id,
            outcome=outcome,
            reason=reason,
            at=now,
        )
        event_store.append(
            conn,
            [
                event_store.NewEvent(
                    "checks:feedback:given",
                    subject_id,
                    feedback_id,
                    {"check": check_id, "measure": measure, "outcome": outcome, "institution": institution.code},
                )
            ],
            now=now,
        )
    return {"feedback_id": feedback_id, "check_id": check_id, "measure": measure, "outcome": outcome}


def _measures_of(check: check_store.StoredCheck) -> set[str]:
    if check.subjects == 1 and "measures" in check.answer:
        return {m["code"] for m in check.answer["measures"]}
    return {code for hit in check.answer.get("applying", []) for code in hit["measures"]} | set(
        check.answer.get("governing", [])
    )


def _subject_of_feedback(
    services: Services, conn: Connection, check: check_store.StoredCheck, subject: str | None
) -> int:
    if subject is None:
        raise FeedbackInvalidError("feedback on a batch check names the subject (subject)")
    identity = parse_number(subject, today=legal_today(services.clock.now()))
    number_hash = services.vault.lookup(identity.number)
    found = checkpath.subjects_by_hashes(Driver.of(conn), [number_hash]).get(number_hash)
    # Checks recorded before the keyed hashes were kept name the subjects they read by id.
    earlier = check.answer.get("asked", [check.subject_id]) if not check.asked else []
    if found is None or not (check.asked_about(number_hash) or found.id in earlier):
        raise FeedbackInvalidError("that subject was not part of the check")
    return found.id


def lift_measure(
    services: Services,
    number: str,
    *,
    measure: str,
    record_id: int,
    reason: str,
    institution: Institution | None,
    lifted_on: date | None = None,
) -> dict[str, Any]:
    """Lift one measure for the reasons resting on one record while the record and its list
    entries stay (DESIGN.md §3b-7; e.g. SPC Provisions 2015 Art. 9: security given)."""
    if not reason.strip():
        raise InvalidInputError("a lift needs a reason")
    now = services.clock.now()
    today = legal_today(now)
    identity = parse_number(number, today=today)
    number_hash = services.vault.lookup(identity.number)
    with services.db.transaction() as conn:
        in_force = services.in_force(conn)
        found_measure = next((m for m in in_force.measures.measures if m.code == measure), None)
        if found_measure is None:
            raise NotFoundError(f"no measure {measure!r}")
        if not found_measure.liftable:
            raise ConflictError(f"measure {measure} may not be lifted on its own: its basis lifts it with the entry")
        if institution is not None and institution.kind not in found_measure.issuers:
            raise PermissionDeniedError(f"a {institution.kind} does not issue measure {measure}")
        tx = Driver.of(conn)
        read = _read(tx, [number_hash], [found_measure], today, in_force.rules.placements)
        subject = read.known.get(number_hash)
        if subject is None:
            raise NotFoundError("no information is held about that subject")
        standings, lifts = _standings(read)
        standing = standings.get(subject.id) or _empty(subject)
        situation = _situation_of(standing, [found_measure], in_force, today)
        situation.lifts = _lifts_for(subject.id, [link.organisation_id for link in standing.links], lifts)
        answer = decide(found_measure, situation, catalogue=in_force.catalogue)
        if any(r.get("record", {}).get("id") == record_id and "lifted" in r for r in answer.not_counted):
            raise ConflictError(f"measure {measure} is already lifted for record {record_id}")
        resting = {r["record"]["id"] for r in [*answer.because, *answer.not_counted] if r.get("record")}
        if record_id not in resting:
            raise ConflictError(f"measure {measure} does not rest on record {record_id} for that subject today")
        on = lifted_on or today
        lift_id = check_store.add_lift(
            conn,
            measure=measure,
            subject_id=subject.id,
            record_id=record_id,
            lifted_on=on,
            institution=institution.code if institution else None,
            reason=reason,
            at=now,
        )
        event_store.append(
            conn,
            [
                event_store.NewEvent(
                    "measures:measure:lifted", subject.id, lift_id, {"measure": measure, "record": record_id}
                )
            ],
            now=now,
        )
    return {"lift_id": lift_id, "measure": measure, "record_id": record_id, "lifted_on": on.isoformat()}
