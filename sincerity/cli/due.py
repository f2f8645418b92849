"""Due process at the operator's console: `sincerity disputes|redress|repairs|commitments …`
and `sincerity expire` (DESIGN.md §4). The console acts for the platform; `--institution CODE`
acts as a registered institution instead (the provider answering, the body deciding). Every
command prints the resulting state as JSON."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from sincerity.cli.console import fail, node, out, print_json
from sincerity.domain.institutions import Institution
from sincerity.services.commitments import report_breach, sign_commitment
from sincerity.services.context import Services
from sincerity.services.disputes import answer_dispute, get_dispute, list_disputes, open_dispute, withdraw_dispute
from sincerity.services.due_process import subject_file
from sincerity.services.institutions import get_institution
from sincerity.services.notices import inbox, send_notices, set_contact
from sincerity.services.redress import report_redress
from sincerity.services.repairs import (
    accept_repair,
    apply_for_repair,
    ask_for_materials,
    decide_repair,
    extend_repair,
    get_repair,
    list_repairs,
    repair_eligibility,
    supplement_repair,
    withdraw_repair,
)
from sincerity.services.sweeps import expire as sweep

disputes_app = typer.Typer(help="Disputes (objections) to records.", no_args_is_help=True)
redress_app = typer.Typer(help="Reconsideration and litigation outcomes.", no_args_is_help=True)
repairs_app = typer.Typer(help="Credit repair applications.", no_args_is_help=True)
commitments_app = typer.Typer(help="Credit commitment letters and their breaches.", no_args_is_help=True)
notices_app = typer.Typer(help="Notices to subjects: the inbox, contact addresses, sending.", no_args_is_help=True)

Acting = Annotated[str | None, typer.Option("--institution", help="act as this registered institution")]
EvidenceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--evidence",
        help="a document as FILE (fingerprinted here, never stored) or NAME:SHA256; repairs add :PROVES",
    ),
]


def _as(services: Services, code: str | None) -> Institution | None:
    return get_institution(services, code) if code else None


def _evidence(pieces: list[str] | None, *, proves: bool) -> list[dict[str, Any]]:
    found = []
    for piece in pieces or []:
        parts = piece.split(":")
        path = Path(parts[0])
        if path.is_file():
            entry: dict[str, Any] = {"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
            rest = parts[1:]
        elif len(parts) >= 2:
            entry = {"name": parts[0], "sha256": parts[1].lower()}
            rest = parts[2:]
        else:
            raise fail(f"--evidence {piece!r}: give a file or NAME:SHA256")
        if proves:
            if not rest:
                raise fail(f"--evidence {piece!r}: add what it proves, e.g. :obligations_performed")
            entry["proves"] = rest[0]
        found.append(entry)
    return found


# --- disputes ------------------------------------------------------------------------------------


@disputes_app.command("open")
def disputes_open(
    subject: Annotated[str, typer.Argument(help="the subject's number")],
    record: Annotated[int, typer.Option(help="the record disputed")],
    reason: Annotated[str, typer.Option(help="why the record is wrong")],
    evidence: EvidenceOption = None,
    institution: Acting = None,
) -> None:
    """Open a dispute for the subject: marked disputed at once, suspended where the item says so."""
    with node() as services:
        print_json(
            open_dispute(
                services,
                subject,
                record_id=record,
                reason=reason,
                evidence=_evidence(evidence, proves=False),
                institution=_as(services, institution),
            )
        )


@disputes_app.command("answer")
def disputes_answer(
    dispute: Annotated[int, typer.Argument()],
    outcome: Annotated[str, typer.Option(help="upheld, corrected or removed")],
    answer: Annotated[str, typer.Option(help="the written answer with its reasons")],
    institution: Acting = None,
) -> None:
    """Answer a dispute (the provider; the platform once it is overdue)."""
    with node() as services:
        print_json(
            answer_dispute(services, dispute, outcome=outcome, answer=answer, institution=_as(services, institution))
        )


@disputes_app.command("withdraw")
def disputes_withdraw(
    dispute: Annotated[int, typer.Argument()],
    subject: Annotated[str, typer.Option(help="the subject's number")],
) -> None:
    """Withdraw a dispute for the subject."""
    with node() as services:
        print_json(withdraw_dispute(services, dispute, number=subject))


@disputes_app.command("list")
def disputes_list(
    status: Annotated[str | None, typer.Option(help="open, upheld, corrected, removed, withdrawn")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only open disputes past their deadline")] = False,
    institution: Acting = None,
) -> None:
    """Disputes (as JSON), oldest first."""
    with node() as services:
        print_json(list_disputes(services, institution=_as(services, institution), status=status, overdue=overdue))


@disputes_app.command("show")
def disputes_show(dispute: Annotated[int, typer.Argument()]) -> None:
    """One dispute with its whole history."""
    with node() as services:
        print_json(get_dispute(services, dispute))


# --- redress -------------------------------------------------------------------------------------


@redress_app.command("report")
def redress_report(
    subject: Annotated[str, typer.Argument(help="the subject's number")],
    record: Annotated[int, typer.Option(help="the record whose decision was challenged")],
    proceeding: Annotated[str, typer.Option(help="reconsideration or litigation")],
    outcome: Annotated[str, typer.Option(help="filed, enforcement_suspended, upheld, changed or revoked")],
    authority: Annotated[str, typer.Option(help="the body that decided")],
    document_no: Annotated[str, typer.Option(help="the decision's or judgment's number")],
    decided_on: Annotated[str, typer.Option(help="ISO date of the decision")],
    note: Annotated[str | None, typer.Option()] = None,
    institution: Acting = None,
) -> None:
    """Record a redress step; a revocation withdraws the record and everything resting on it."""
    with node() as services:
        print_json(
            report_redress(
                services,
                subject,
                record_id=record,
                proceeding=proceeding,
                outcome=outcome,
                authority=authority,
                document_no=document_no,
                decided_on=decided_on,
                note=note,
                institution=_as(services, institution),
            )
        )


# --- repairs -------------------------------------------------------------------------------------


@repairs_app.command("eligibility")
def repairs_eligibility(
    subject: Annotated[str, typer.Argument(help="the subject's number")],
    record: Annotated[int, typer.Option(help="the record to repair")],
    act: Annotated[list[str] | None, typer.Option("--act", help="a positive act the subject can document")] = None,
) -> None:
    """Whether, from when and on which conditions the record can be repaired; exit 1 if not now."""
    with node() as services:
        found = repair_eligibility(services, subject, record_id=record, positive_acts=act or [])
    print_json(found)
    if not found["eligible"]:
        raise typer.Exit(1)


@repairs_app.command("apply")
def repairs_apply(
    subject: Annotated[str, typer.Argument(help="the subject's number")],
    record: Annotated[int, typer.Option(help="the record to repair")],
    evidence: EvidenceOption = None,
) -> None:
    """Apply for the subject; refused with every unmet condition when it cannot succeed yet."""
    with node() as services:
        print_json(apply_for_repair(services, subject, record_id=record, evidence=_evidence(evidence, proves=True)))


@repairs_app.command("accept")
def repairs_accept(repair: Annotated[int, typer.Argument()], institution: Acting = None) -> None:
    """The designating body accepts: the decision is due within 7 working days."""
    with node() as services:
        print_json(accept_repair(services, repair, institution=_as(services, institution)))


@repairs_app.command("materials")
def repairs_materials(
    repair: Annotated[int, typer.Argument()],
    missing: Annotated[str, typer.Option(help="everything missing, in one notice")],
    institution: Acting = None,
) -> None:
    """Ask, once, for the missing materials."""
    with node() as services:
        print_json(ask_for_materials(services, repair, missing=missing, institution=_as(services, institution)))


@repairs_app.command("supplement")
def repairs_supplement(
    repair: Annotated[int, typer.Argument()],
    subject: Annotated[str, typer.Option(help="the subject's number")],
    evidence: EvidenceOption = None,
) -> None:
    """Supply what was asked, for the subject."""
    with node() as services:
        print_json(supplement_repair(services, repair, number=subject, evidence=_evidence(evidence, proves=True)))


@repairs_app.command("extend")
def repairs_extend(
    repair: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option()],
    institution: Acting = None,
) -> None:
    """Extend the decision once by 10 working days."""
    with node() as services:
        print_json(extend_repair(services, repair, reason=reason, institution=_as(services, institution)))


@repairs_app.command("decide")
def repairs_decide(
    repair: Annotated[int, typer.Argument()],
    reasons: Annotated[str, typer.Option(help="the statement of reasons")],
    grant: Annotated[bool, typer.Option("--grant/--refuse", help="grant or refuse")],
    institution: Acting = None,
) -> None:
    """Grant (the record's display and use end at once) or refuse, with reasons."""
    with node() as services:
        print_json(
            decide_repair(services, repair, granted=grant, reasons=reasons, institution=_as(services, institution))
        )


@repairs_app.command("withdraw")
def repairs_withdraw(
    repair: Annotated[int, typer.Argument()], subject: Annotated[str, typer.Option(help="the subject's number")]
) -> None:
    """Withdraw an application for the subject."""
    with node() as services:
        print_json(withdraw_repair(services, repair, number=subject))


@repairs_app.command("list")
def repairs_list(
    status: Annotated[str | None, typer.Option()] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only applications with a deadline passed")] = False,
    institution: Acting = None,
) -> None:
    """Repair applications (as JSON), oldest first."""
    with node() as services:
        print_json(list_repairs(services, institution=_as(services, institution), status=status, overdue=overdue))


@repairs_app.command("show")
def repairs_show(repair: Annotated[int, typer.Argument()]) -> None:
    """One application with its whole history."""
    with node() as services:
        print_json(get_repair(services, repair))


# --- commitments ---------------------------------------------------------------------------------


@commitments_app.command("sign")
def commitments_sign(
    subject: Annotated[str, typer.Argument(help="the subject's number")],
    name: Annotated[str, typer.Option(help="the subject's name")],
    kind: Annotated[str, typer.Option("--type", help="credit_repair, job_entry, licence_application, …")],
    addressee: Annotated[str, typer.Option(help="the body the commitment is made to")],
    text_file: Annotated[Path, typer.Option("--text", help="a UTF-8 file with the signed text")],
    institution: Annotated[str, typer.Option(help="the institution where it is signed (a platform)")],
    record: Annotated[list[int] | None, typer.Option("--record", help="a record it is made for")] = None,
    valid_until: Annotated[str | None, typer.Option(help="ISO date the commitment runs to")] = None,
) -> None:
    """Record a commitment letter signed at the institution; its text stays on this node."""
    try:
        text = text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{text_file}: cannot be read as UTF-8 text ({exc})") from None
    with node() as services:
        print_json(
            sign_commitment(
                services,
                subject,
                name=name,
                commitment_type=kind,
                addressee=addressee,
                text=text,
                records=record or [],
                valid_until=valid_until,
                institution=get_institution(services, institution),
            )
        )


@commitments_app.command("breach")
def commitments_breach(
    commitment: Annotated[int, typer.Argument()],
    kind: Annotated[str, typer.Option(help="broken_commitment or false_repair_materials")],
    finding: Annotated[str, typer.Option()],
    authority: Annotated[str, typer.Option()],
    institution: Annotated[str, typer.Option(help="the institution that found it")],
) -> None:
    """Record a broken commitment (Order No. 36 Art. 25)."""
    with node() as services:
        print_json(
            report_breach(
                services,
                commitment,
                kind=kind,
                finding=finding,
                authority=authority,
                institution=get_institution(services, institution),
            )
        )


@notices_app.command("inbox")
def notices_inbox(
    subject: Annotated[str, typer.Argument(help="the subject's number")],
    after: Annotated[int, typer.Option(help="only notices after this event number")] = 0,
) -> None:
    """The subject's notices, oldest first (read at the counter, with the subject)."""
    with node() as services:
        print_json(inbox(services, subject, after_seq=after))


@notices_app.command("contact")
def notices_contact(
    subject: Annotated[str, typer.Argument(help="the subject's number")],
    email: Annotated[str, typer.Option(help="where the subject wants notices")],
) -> None:
    """Register the subject's address (sealed at rest); notices are sent from now on."""
    with node() as services:
        print_json(set_contact(services, subject, email))


@notices_app.command("send")
def notices_send(as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False) -> None:
    """Send every subject with an address a digest of what is new (run at least every working
    day: notices are due within one); exit 1 if some delivery failed (kept for the next run)."""
    with node() as services:
        report = send_notices(services)
    if as_json:
        print_json(report.view())
    else:
        view = report.view()
        counts = f"{view['notices']} notice(s) to {view['subjects']} subject(s)"
        out.print(f"{counts}; {view['late']} late; {view['failed']} failed")
    if report.failed:
        raise typer.Exit(1)


def file(subject: Annotated[str, typer.Argument(help="the subject's number")]) -> None:
    """Every dispute, repair, redress step and commitment about the subject, with its history."""
    with node() as services:
        print_json(subject_file(services, subject))


def expire(as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False) -> None:
    """Record the events of the days since the last sweep: display ended or ending, entries
    ended, repair possible, disputes escalated, repair steps late. Reads never wait for this:
    they filter by the clock."""
    with node() as services:
        report = sweep(services)
    if as_json:
        print_json(report.view())
        return
    view = report.view()
    out.print(f"swept {view['from']} … {view['through']}")
    for tag, count in sorted(report.counts.items()):
        out.print(f"  {tag:<28} {count:>8}")
