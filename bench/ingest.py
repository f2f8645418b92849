"""Ingestion throughput against the store's raw insert limit: same rows, same tables, same run.

For each store and scenario (into an empty store; appended onto a store that already holds
BASE records) it
1. prepares a database A (empty, or filled with BASE records through the real file path),
2. writes a CSV of ROWS synthetic records (`sincerity.synth`) and imports it into a clone of A
   through the real path (`services.ingest.submit_file`: UTF-8 scan, validating processes,
   full validation, keyed hashing, sealing, idempotency lookups, events),
3. reads back exactly the rows that import wrote (subjects, record versions, events) and
   inserts them into another clone of A with the raw bulk path (executemany on SQLite, COPY on
   PostgreSQL),
4. repeats 2 and 3 (`--repeat`, each time on fresh clones), and reports the best time of each,
   every time measured, and their ratio in BENCHMARKS.md.

Run: `make bench` or `python -m bench.ingest --rows 1000000 --base 10000000`.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bench.report import commit, machine, write_section
from sincerity.domain.institutions import Institution
from sincerity.domain.records import RawRecord
from sincerity.kit.clock import FixedClock, legal_today
from sincerity.kit.crypto import NodeKeys, SubjectNumberVault
from sincerity.kit.settings import Environment, Settings
from sincerity.services.catalogue import current_catalogue, load_catalogue_file
from sincerity.services.context import Services
from sincerity.services.ingest import submit_file
from sincerity.services.institutions import register_institution
from sincerity.store import schema
from sincerity.store.bulk import insert_rows
from sincerity.store.engine import Database, create
from sincerity.store.events import EVENT_COLUMNS
from sincerity.store.records import RECORD_COLUMNS
from sincerity.store.subjects import SUBJECT_COLUMNS
from sincerity.store.tables import events, records, subjects
from sincerity.synth import Synth

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone(timedelta(hours=8)))
KEYS = NodeKeys(id_key=b"b" * 32, lookup_key=b"c" * 32, signing_key=b"d" * 32)
PG_ADMIN = os.environ.get("SINCERITY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PROVIDER = "bench-dept"


@dataclass
class Result:
    store: str
    scenario: str
    rows: int
    pipeline_s: float
    raw_s: float
    written: dict[str, int]
    outcome: dict[str, int]
    pipeline_times: list[float]
    raw_times: list[float]

    @property
    def pipeline_rate(self) -> float:
        return self.rows / self.pipeline_s

    @property
    def raw_rate(self) -> float:
        return self.rows / self.raw_s

    @property
    def ratio(self) -> float:
        return self.raw_s / self.pipeline_s


def services_for(url: str, workdir: Path) -> Services:
    engine = create(url)
    settings = Settings(env=Environment.TEST, database_url=url, data_dir=workdir)
    return Services(db=Database(engine), clock=FixedClock(NOW), vault=SubjectNumberVault(KEYS), settings=settings)


def database_url(store: str, name: str, workdir: Path) -> str:
    if store == "sqlite":
        return f"sqlite:///{workdir / (name + '.db')}"
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_database(store: str, url: str) -> None:
    if store == "sqlite":
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm", "-writer.lock"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = create(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def empty_database(store: str, name: str, workdir: Path) -> str:
    """A database named `name` with nothing in it, whatever was there before; its URL."""
    url = database_url(store, name, workdir)
    drop_database(store, url)
    if store == "postgresql":
        admin = create(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    return url


def fresh_database(store: str, name: str, workdir: Path) -> str:
    url = empty_database(store, name, workdir)
    engine = create(url)
    schema.upgrade(engine)
    engine.dispose()
    services = services_for(url, workdir)
    load_catalogue_file(services)
    catalogue = current_catalogue(services)
    items = tuple(i.code for i in catalogue.items if "department" in i.providers)
    register_institution(services, Institution(PROVIDER, "Bench department", "department", "110000", items))
    services.db.engine.dispose()
    return url


def clone_database(store: str, url: str, name: str, workdir: Path) -> str:
    if store == "sqlite":
        source = url.removeprefix("sqlite:///")
        with sqlite3.connect(source) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = database_url(store, name, workdir)
        drop_database(store, target)
        shutil.copyfile(source, target.removeprefix("sqlite:///"))
        return target
    drop_database(store, database_url(store, name, workdir))
    admin = create(PG_ADMIN, isolation_level="AUTOCOMMIT")
    source_name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        # Copying the files, not writing the whole database through the WAL (the default
        # since PostgreSQL 15): minutes less for a clone of ten million records.
        version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        strategy = " STRATEGY FILE_COPY" if version >= 150000 else ""
        for attempt in range(5):
            # A template must have no one connected: autovacuum may be at work on a freshly
            # filled database (it comes back later).
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": source_name},
            )
            try:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"{strategy}'))
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(1)
    admin.dispose()
    return database_url(store, name, workdir)


CSV_HEADER = ["subject_id", "subject_name", "item", "ref", "decided_on", "decision_no", "facts"]


def csv_row(r: RawRecord) -> list[str]:
    """A synthetic record as a bulk-file row (facts as one JSON column)."""
    return [r.subject_id, r.subject_name, r.item, r.ref, r.decided_on, r.decision_no, orjson.dumps(r.facts).decode()]


def synth_for(services: Services, seed: int) -> Synth:
    catalogue = current_catalogue(services)
    with services.db.transaction(write=False) as conn:
        from sincerity.store import institutions as institution_store

        bench = institution_store.get(conn, PROVIDER)
    assert bench is not None
    return Synth(catalogue, seed=seed, today=legal_today(NOW), institutions=[bench])


def write_csv(path: Path, services: Services, rows: int, seed: int) -> None:
    synth = synth_for(services, seed)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        while written < rows:
            for _, r in synth.people_records(1000, per_person=10.0):
                writer.writerow(csv_row(r))
                written += 1
                if written == rows:
                    break


def fill_base(url: str, workdir: Path, path: Path) -> float:
    """Load the base records through the real file path, as an operator would."""
    services = services_for(url, workdir)
    started = time.perf_counter()
    summary = submit_file(services, path, fmt="csv", provider=PROVIDER)
    elapsed = time.perf_counter() - started
    services.db.engine.dispose()
    print(f"  base: {summary.counts()} in {elapsed:.1f}s ({summary.accepted / elapsed:,.0f} rows/s)", flush=True)
    return elapsed


def import_csv(url: str, workdir: Path, path: Path) -> tuple[float, int, dict[str, int]]:
    services = services_for(url, workdir)
    started = time.perf_counter()
    summary = submit_file(services, path, fmt="csv", provider=PROVIDER)
    elapsed = time.perf_counter() - started
    services.db.engine.dispose()
    assert summary.batch_id is not None
    return elapsed, summary.batch_id, summary.counts()


def written_rows(store: str, url: str, batch_id: int, subjects_after: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows one import wrote, in wire form, read straight from the driver."""
    engine = create(url)
    cast = "::text" if store == "postgresql" else ""
    queries = {
        "subjects": f"SELECT {', '.join(SUBJECT_COLUMNS)} FROM subjects WHERE id > {subjects_after} ORDER BY id",
        "records": (
            f"SELECT {', '.join(c + cast if c == 'facts' else c for c in RECORD_COLUMNS)} FROM records "
            f"WHERE batch_id = {batch_id} ORDER BY id, version"
        ),
        "events": (
            f"SELECT {', '.join(c + cast if c == 'data' else c for c in EVENT_COLUMNS)} FROM events "
            f"WHERE batch_id = {batch_id} ORDER BY seq"
        ),
    }
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name, sql in queries.items():
            out[name] = [tuple(r) for r in conn.exec_driver_sql(sql)]
    engine.dispose()
    return out


def max_subject(url: str) -> int:
    engine = create(url)
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM subjects").scalar()
    engine.dispose()
    return int(value or 0)


def raw_insert(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> float:
    engine = create(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        insert_rows(conn, subjects, SUBJECT_COLUMNS, rows["subjects"])
        insert_rows(conn, records, RECORD_COLUMNS, rows["records"])
        insert_rows(conn, events, EVENT_COLUMNS, rows["events"])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def run_scenario(store: str, rows: int, base: int, workdir: Path, csv_path: Path, repeat: int) -> Result:
    """Each rate measured `repeat` times, pipeline and raw in turn, each on its own clone of the
    prepared state (this machine is shared: one disturbed run should not decide a ratio); the
    best of each counts, and every time is kept for the report."""
    scenario = f"onto {base:,}" if base else "empty store"
    slug = f"base{base}" if base else "empty"
    print(f"[{store}] {scenario}: preparing", flush=True)
    url_a = fresh_database(store, f"bench_{slug}_a", workdir)
    if base:
        base_csv = workdir / f"base-{base}.csv"
        if not base_csv.exists():
            services = services_for(url_a, workdir)
            write_csv(base_csv, services, base, seed=1)
            services.db.engine.dispose()
        fill_base(url_a, workdir, base_csv)
    before = max_subject(url_a)
    pipeline_times: list[float] = []
    raw_times: list[float] = []
    wrote: dict[str, list[tuple[Any, ...]]] = {}
    outcome: dict[str, int] = {}
    for attempt in range(1, repeat + 1):
        url_p = clone_database(store, url_a, f"bench_{slug}_p", workdir)
        elapsed, batch_id, counted = import_csv(url_p, workdir, csv_path)
        print(f"  pipeline #{attempt}: {counted} in {elapsed:.1f}s ({rows / elapsed:,.0f} rows/s)", flush=True)
        if outcome and counted != outcome:
            raise RuntimeError(f"the same file gave {counted} after {outcome}")
        outcome = counted
        pipeline_times.append(elapsed)
        if not wrote:
            wrote = written_rows(store, url_p, batch_id, before)
        drop_database(store, url_p)
        url_b = clone_database(store, url_a, f"bench_{slug}_b", workdir)
        raw_s = raw_insert(url_b, wrote)
        drop_database(store, url_b)
        raw_times.append(raw_s)
        print(
            f"  raw #{attempt}: {sum(len(v) for v in wrote.values()):,} rows in {raw_s:.1f}s "
            f"({rows / raw_s:,.0f} input rows/s)",
            flush=True,
        )
    drop_database(store, url_a)
    return Result(
        store,
        scenario,
        rows,
        min(pipeline_times),
        min(raw_times),
        {k: len(v) for k, v in wrote.items()},
        outcome,
        pipeline_times,
        raw_times,
    )


def report(results: list[Result], args: argparse.Namespace, out: Path) -> None:
    lines = [
        "## Ingestion (issue 2)",
        "",
        f"- Command: `python -m bench.ingest --rows {args.rows} --base {args.base} --stores {args.stores} --repeat {args.repeat}`",
        f"- Machine: {machine()}",
        f"- Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, code at commit {commit()}; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB",
        "- Pipeline: CSV file → UTF-8 scan → row parse → full validation (ID number, item in force, provider grant,",
        "  facts JSON Schema, dates, minimum age, display window) → keyed hash + AES-GCM seal of new numbers →",
        "  idempotency lookup per (provider, ref) → records, subjects, events in chunks of 5,000 rows, committed every 20,000.",
        "- Raw limit: the very rows the pipeline wrote (subjects, record versions, events), inserted into a clone",
        "  of the same database state in one transaction by `executemany` (SQLite) or `COPY` (PostgreSQL).",
        f"- Each measured {args.repeat} time(s), pipeline and raw in turn, each on a fresh clone of the same state;",
        "  the table gives the best time of each (every time in the last column).",
        "",
        "| store | scenario | rows | pipeline s | pipeline rows/s | raw s | raw rows/s | ratio | rows written (subjects / records / events) | every time: pipeline / raw s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        every = f"{', '.join(f'{t:.1f}' for t in r.pipeline_times)} / {', '.join(f'{t:.1f}' for t in r.raw_times)}"
        lines.append(
            f"| {r.store} | {r.scenario} | {r.rows:,} | {r.pipeline_s:.1f} | {r.pipeline_rate:,.0f} | {r.raw_s:.1f} | "
            f"{r.raw_rate:,.0f} | **{r.ratio:.2f}×** | {r.written['subjects']:,} / {r.written['records']:,} / {r.written['events']:,} | {every} |"
        )
    lines.append("")
    if args.notes and Path(args.notes).exists():
        lines += [Path(args.notes).read_text(encoding="utf-8").rstrip(), ""]
    write_section(out, "ingest", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="records in the imported CSV")
    parser.add_argument(
        "--base", type=int, default=10_000_000, help="records already stored for the append scenario (0: skip)"
    )
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=2, help="times each rate is measured; the best counts")
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"))
    parser.add_argument("--notes", default="bench/NOTES.md", help="analysis appended to the report")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    args.workdir.mkdir(parents=True, exist_ok=True)
    csv_path = args.workdir / f"records-{args.rows}.csv"
    results: list[Result] = []
    for store in args.stores.split(","):
        if not csv_path.exists():
            url = fresh_database(store, "bench_csv", args.workdir)
            write_csv(csv_path, services_for(url, args.workdir), args.rows, seed=2)
        results.append(run_scenario(store, args.rows, 0, args.workdir, csv_path, args.repeat))
        if args.base:
            results.append(run_scenario(store, args.rows, args.base, args.workdir, csv_path, args.repeat))
        report(results, args, args.out)


if __name__ == "__main__":  # the guard also keeps the validation process from re-running this
    main()
