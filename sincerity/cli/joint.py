"""`sincerity lists …`, `sincerity measures …` and `sincerity check` (DESIGN.md §4)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sincerity.cli.console import fail, node, out, print_json
from sincerity.domain.institutions import Institution
from sincerity.kit.errors import NotFoundError
from sincerity.services.checks import check_subject, lift_measure
from sincerity.services.context import Services
from sincerity.services.institutions import get_institution
from sincerity.services.links import LINK_FIELDS, submit_links
from sincerity.services.lists import (
    lists_view,
    load_measures_file,
    load_rules_file,
    measures_view,
    recompute_lists,
)
from sincerity.store import files

links_app = typer.Typer(help="Organisation–person links (legal representative, …).", no_args_is_help=True)
lists_app = typer.Typer(help="Red, black and focus-supervision lists, derived from records.", no_args_is_help=True)
measures_app = typer.Typer(help="Joint reward and punishment measures.", no_args_is_help=True)


@lists_app.command("list")
def lists_list(
    as_json: Annotated[bool, typer.Option("--json", help="print the lists as a JSON array")] = False,
) -> None:
    """The lists in force, their rules and how many are on each today."""
    with node() as services:
        view = lists_view(services)
    if as_json:
        print_json(view["lists"])
        return
    table = Table(title=f"List rules {view['version']}")
    for column in ("code", "kind", "title", "rules", "entries", "subjects"):
        table.add_column(column)
    for entry in view["lists"]:
        rules = ", ".join(f"{r['id']} v{r['version']}" for r in entry["rules"])
        table.add_row(
            entry["code"], entry["kind"], entry["title"], rules, str(entry["entries"]), str(entry["subjects"])
        )
    out.print(table)


@lists_app.command("load")
def lists_load(file: Annotated[Path, typer.Argument(help="list rules YAML file")]) -> None:
    """Validate list rules against the catalogue, put them in force and rebuild the entries."""
    with node() as services:
        loaded = load_rules_file(services, file)
    out.print(f"list rules {loaded.version} ({'loaded' if loaded.new else 'already loaded'})")
    if loaded.recompute:
        _print_changes(loaded.recompute.added, loaded.recompute.removed, loaded.recompute.changed)


@lists_app.command("recompute")
def lists_recompute(as_json: Annotated[bool, typer.Option("--json", help="print the changes as JSON")] = False) -> None:
    """Rebuild every list entry from the records and the rules in force; report what changed."""
    with node() as services:
        report = recompute_lists(services)
    if as_json:
        print_json(
            {"entries": report.entries, "added": report.added, "removed": report.removed, "changed": report.changed}
        )
        return
    out.print(f"{report.entries} entries; {report.total_changes} changed")
    _print_changes(report.added, report.removed, report.changed)


def _print_changes(added: dict[str, int], removed: dict[str, int], changed: dict[str, int]) -> None:
    for code in sorted({*added, *removed, *changed}):
        out.print(f"  {code}: +{added.get(code, 0)} -{removed.get(code, 0)} ~{changed.get(code, 0)}", highlight=False)


@measures_app.command("list")
def measures_list(
    as_json: Annotated[bool, typer.Option("--json", help="print the measures as a JSON array")] = False,
) -> None:
    """The measures in force: kind, actions, triggers, reach, legal basis."""
    with node() as services:
        view = measures_view(services)
    if as_json:
        print_json(view["measures"])
        return
    table = Table(title=f"Measures {view['version']}")
    for column in ("code", "kind", "actions", "triggers", "reaches persons"):
        table.add_column(column)
    for m in view["measures"]:
        triggers = ", ".join(f"{k}:{v}" for t in m["triggers"] for k, v in t.items())
        table.add_row(
            m["code"], m["kind"], ", ".join(m["actions"]), triggers, "yes" if m["reaches_linked_persons"] else ""
        )
    out.print(table)


@measures_app.command("load")
def measures_load(file: Annotated[Path, typer.Argument(help="measures YAML file")]) -> None:
    """Validate measures against the catalogue and list rules, and put them in force."""
    with node() as services:
        loaded = load_measures_file(services, file)
    out.print(f"measures {loaded.version} ({'loaded' if loaded.new else 'already loaded'})")


@measures_app.command("lift")
def measures_lift(
    code: Annotated[str, typer.Argument(help="the subject's resident ID number or credit code")],
    measure: Annotated[str, typer.Option(help="the measure to lift")],
    record: Annotated[int, typer.Option(help="the record id the lifted reasons rest on")],
    reason: Annotated[str, typer.Option(help="why (e.g. security given, creditor's consent)")],
    institution: Annotated[str | None, typer.Option(help="the issuing institution's code")] = None,
) -> None:
    """Lift one measure for the reasons resting on one record; the record and its entries stay."""
    with node() as services:
        asker = _institution(services, institution)
        lifted = lift_measure(services, code, measure=measure, record_id=record, reason=reason, institution=asker)
    print_json(lifted)


def check(
    code: Annotated[str, typer.Argument(help="resident ID number or unified social credit code")],
    action: Annotated[str, typer.Option(help="the action about to be taken, e.g. air_travel")],
    institution: Annotated[str | None, typer.Option(help="the asking institution's code")] = None,
) -> None:
    """The point-of-service check, as JSON. Exit 0 with an answer; 2 for an invalid number or action."""
    with node() as services:
        asker = _institution(services, institution)
        answer = check_subject(services, code, action=action, institution=asker)
    print_json(answer)


def _institution(services: Services, code: str | None) -> Institution | None:
    if code is None:
        return None
    try:
        return get_institution(services, code)
    except NotFoundError as exc:
        raise fail(exc.message) from None


@links_app.command("import")
def links_import(
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines file of links")],
    provider: Annotated[str, typer.Option(help="code of the submitting institution")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the file name)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object with the counts")] = False,
) -> None:
    """Bulk links, like `sincerity import`: exit 0 all stored, 1 some rejected (FILE.rejects.csv), 2 unusable."""
    rejects_path = file.with_name(file.name + ".rejects.csv")
    totals = {"accepted": 0, "corrected": 0, "unchanged": 0, "rejected": 0}
    rejects: list[tuple[int, str, str]] = []
    with node() as services:
        rows = files.read_rows(
            files_path(file), files.detect_format(file, fmt), fields=LINK_FIELDS, required=LINK_FIELDS[:-1]
        )
        for batch in _batches(rows, 10_000):
            good = [(line, row) for line, row in batch if isinstance(row, dict)]
            for line, reason in batch:
                if isinstance(reason, str):
                    rejects.append((line, "", reason))
            summary = submit_links(services, [row for _, row in good], provider=provider)
            for key, value in summary.counts().items():
                totals[key] += value
            for result in summary.results:
                if result.outcome == "rejected":
                    rejects.append((good[result.index][0], result.ref, result.reason or ""))
    totals["rejected"] = len(rejects)
    if rejects:
        with rejects_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "ref", "reason"])
            writer.writerows(sorted(rejects))
    elif rejects_path.exists():
        rejects_path.unlink()
    if as_json:
        print_json({**totals, "rejects_file": str(rejects_path) if rejects else None})
    else:
        out.print(", ".join(f"{k} {v}" for k, v in totals.items()), highlight=False)
        if rejects:
            out.print(f"rejected rows and reasons: {rejects_path}", highlight=False)
    raise typer.Exit(1 if rejects else 0)


def files_path(path: Path) -> Path:
    if not path.is_file():
        raise fail(f"{path}: no such file")
    return path


def _batches(
    rows: Iterator[tuple[int, dict[str, Any] | str]], size: int
) -> Iterator[list[tuple[int, dict[str, Any] | str]]]:
    batch: list[tuple[int, dict[str, Any] | str]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
