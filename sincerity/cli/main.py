"""The `sincerity` command (DESIGN.md §4). Thin: parse, call one service, print."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sincerity.app import build_clock, init_node
from sincerity.cli import due, joint
from sincerity.cli.console import err, fail, node, out, print_json, settings
from sincerity.domain.institutions import Institution
from sincerity.kit.errors import SincerityError
from sincerity.services.catalogue import catalogue_view, load_catalogue_file
from sincerity.services.health import health
from sincerity.services.identity import check_numbers
from sincerity.services.ingest import submit_file
from sincerity.services.institutions import issue_credential, list_institutions, register_institution
from sincerity.store import files

# No pretty tracebacks: they print local variables, and those hold ID numbers and names.
app = typer.Typer(
    help="Sincerity: public personal credit information, under law.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)
catalog_app = typer.Typer(help="The catalogue of information items.", no_args_is_help=True)
institutions_app = typer.Typer(help="Institutions that submit, check and inquire.", no_args_is_help=True)
id_app = typer.Typer(help="Resident ID numbers and unified social credit codes.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(institutions_app, name="institutions")
app.add_typer(id_app, name="id")
app.add_typer(joint.lists_app, name="lists")
app.add_typer(joint.links_app, name="links")
app.add_typer(joint.measures_app, name="measures")
app.command("check")(joint.check)
app.add_typer(due.disputes_app, name="disputes")
app.add_typer(due.redress_app, name="redress")
app.add_typer(due.repairs_app, name="repairs")
app.add_typer(due.commitments_app, name="commitments")
app.add_typer(due.notices_app, name="notices")
app.command("expire")(due.expire)
app.command("subject-file")(due.file)


@app.command()
def init() -> None:
    """Create or upgrade the schema, load the shipped catalogue, list rules and measures, create the node's keys."""
    try:
        report = init_node(settings())
    except SincerityError as exc:
        raise fail(exc.message) from None
    out.print(f"database   {report.database}", highlight=False)
    out.print(f"keys       {'created' if report.keys_created else 'present'}")
    state = "loaded" if report.catalogue.new else "already loaded"
    out.print(f"catalogue  {report.catalogue.version} ({report.catalogue.items} items, {state})")
    for loaded in (report.rules, report.measures):
        out.print(f"{loaded.kind:<10} {loaded.version} ({'loaded' if loaded.new else 'already loaded'})")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            help="worker processes: on PostgreSQL one per core; on SQLite one is enough (a check is "
            "answered and recorded in one writing transaction, and SQLite has one writer at a time)"
        ),
    ] = 1,
) -> None:
    """Serve the API and the web pages."""
    import uvicorn

    with node() as services:  # fail here, clearly, if keys, schema or catalogue are missing
        health(services)
    uvicorn.run("sincerity.app:asgi", factory=True, host=host, port=port, workers=workers, log_level="info")


@app.command()
def demo(
    persons: Annotated[int, typer.Option(help="synthetic persons to create")] = 200,
    seed: Annotated[int, typer.Option(help="random seed: the same seed gives the same data")] = 1,
) -> None:
    """Load deterministic synthetic institutions, subjects and records through the real ingestion path."""
    from sincerity.synth import load_demo

    with node() as services:
        report = load_demo(services, persons=persons, seed=seed)
    out.print(
        f"demo seed {seed}: {report.institutions} institutions, {report.persons} persons, "
        f"{report.organisations} organisations; records {report.counts}"
    )


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines file of records")],
    provider: Annotated[str, typer.Option(help="code of the submitting institution")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the file name)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate and report; store nothing")] = False,
    all_or_nothing: Annotated[bool, typer.Option("--all-or-nothing", help="store nothing if any row is bad")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object with the counts")] = False,
) -> None:
    """Bulk ingestion. Exit 0: all rows stored; 1: some rejected (see FILE.rejects.csv); 2: unusable input."""
    rejects_path = file.with_name(file.name + ".rejects.csv")
    with node() as services:
        fmt_name = files.detect_format(file, fmt)
        scan = files.scan(file, fmt_name)
        with _progress(as_json) as progress:
            task = progress.add_task(file.name, total=max(scan.lines - (1 if fmt_name == "csv" else 0), 1))
            summary = submit_file(
                services,
                file,
                fmt=fmt_name,
                provider=provider,
                dry_run=dry_run,
                all_or_nothing=all_or_nothing,
                on_chunk=lambda n: progress.advance(task, n),
                scan=scan,
            )
    if summary.rejections:
        with rejects_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "ref", "reason"])
            writer.writerows((r.line, r.ref, r.reason) for r in sorted(summary.rejections, key=lambda r: r.line or 0))
    elif rejects_path.exists():
        rejects_path.unlink()  # a stale report from an earlier run would mislead
    result = {
        **summary.counts(),
        "batch_id": summary.batch_id,
        "dry_run": dry_run,
        "refused": summary.refused,
        "name_flags": summary.name_flags,
        "rejects_file": str(rejects_path) if summary.rejections else None,
    }
    if as_json:
        sys.stdout.write(orjson.dumps(result).decode() + "\n")
    else:
        table = Table(title=f"{file.name}{' (dry run)' if dry_run else ''}")
        for key in ("accepted", "corrected", "unchanged", "rejected"):
            table.add_column(key, justify="right")
        table.add_row(*(str(result[k]) for k in ("accepted", "corrected", "unchanged", "rejected")))
        out.print(table)
        if summary.refused:
            out.print(f"refused: {summary.refused}")
        if summary.name_flags:
            out.print(f"{summary.name_flags} name(s) disagree with the registered name: flagged for review")
        if summary.rejections:
            out.print(f"rejected rows and reasons: {rejects_path}", highlight=False)
    raise typer.Exit(1 if summary.rejected else 0)


def _progress(quiet: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeRemainingColumn(),
        console=err,
        disable=quiet,
        transient=False,
    )


@id_app.command("check")
def id_check(
    numbers: Annotated[list[str] | None, typer.Argument(help="numbers; one per line on stdin if none")] = None,
) -> None:
    """Validate resident ID numbers and USCCs: one JSON object per line; exit 0 when all are valid."""
    clock = build_clock(settings())
    source = numbers if numbers else (line.rstrip("\r\n") for line in sys.stdin if line.strip())
    all_valid = True
    for verdict in check_numbers(source, clock=clock):
        all_valid = all_valid and bool(verdict["valid"])
        sys.stdout.write(orjson.dumps(verdict).decode() + "\n")
    raise typer.Exit(0 if all_valid else 1)


@catalog_app.command("list")
def catalog_list(
    as_json: Annotated[bool, typer.Option("--json", help="print the items as a JSON array")] = False,
) -> None:
    """The catalogue items in force."""
    with node() as services:
        view = catalogue_view(services)
    if as_json:
        print_json(view["items"])
        return
    table = Table(title=f"Catalogue {view['version']}: {len(view['items'])} items in force")
    for column in ("code", "title", "subject", "polarity", "severity", "display", "disclosure"):
        table.add_column(column)
    for i in view["items"]:
        table.add_row(
            i["code"],
            i["title"],
            i["subject_kind"],
            i["polarity"],
            i["severity"] or "",
            i["display_period"] or "until deleted",
            i["disclosure"],
        )
    out.print(table)


@catalog_app.command("load")
def catalog_load(file: Annotated[Path, typer.Argument(help="catalogue YAML file")]) -> None:
    """Validate a catalogue file and put its version in force."""
    with node() as services:
        loaded = load_catalogue_file(services, file)
    out.print(f"catalogue {loaded.version}: {loaded.items} items ({'loaded' if loaded.new else 'already loaded'})")


@institutions_app.command("list")
def institutions_list(as_json: Annotated[bool, typer.Option("--json", help="print a JSON array")] = False) -> None:
    """The registered institutions and the items each may submit."""
    with node() as services:
        found = list_institutions(services)
    if as_json:
        print_json(
            [
                {"code": i.code, "name": i.name, "kind": i.kind, "locality": i.locality, "items": list(i.items)}
                for i in found
            ]
        )
        return
    table = Table(title=f"{len(found)} institutions")
    for column in ("code", "name", "kind", "locality", "items"):
        table.add_column(column)
    for i in found:
        table.add_row(i.code, i.name, i.kind, i.locality, str(len(i.items)))
    out.print(table)


@institutions_app.command("add")
def institutions_add(
    code: Annotated[str, typer.Argument(help="the institution's code")],
    name: Annotated[str, typer.Option(help="full name")],
    kind: Annotated[str, typer.Option(help="department, court, school, sector_association, licensing_body, …")],
    locality: Annotated[str, typer.Option(help="6-digit administrative division code")],
    items: Annotated[str, typer.Option(help="comma-separated catalogue codes it may submit")] = "",
    token: Annotated[bool, typer.Option("--token", help="issue an API token (shown once)")] = False,
) -> None:
    """Register an institution (or update it) with the catalogue items it may submit."""
    wanted = tuple(c.strip() for c in items.split(",") if c.strip())
    with node() as services:
        saved = register_institution(
            services, Institution(code=code, name=name, kind=kind, locality=locality, items=wanted)
        )
        issued = issue_credential(services, saved.code) if token else None
    out.print(f"institution {saved.code}: {saved.kind}, {len(saved.items)} item(s)", highlight=False)
    if issued:
        out.print(f"token (shown once; keep it secret): {issued}", highlight=False)


INTERNAL_ERROR = 3  # exit code for a fault of ours (0, 1, 2 are the contract's)


def main() -> None:
    """Console entry point: a fault of ours ends with one line and exit code 3, never a traceback."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - the last line of defence; the message names no data
        err.print(
            f"sincerity: internal error ({type(exc).__name__}); whatever was committed before it is whole",
            markup=False,
            highlight=False,
        )
        sys.exit(INTERNAL_ERROR)
