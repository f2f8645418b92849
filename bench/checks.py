"""The point-of-service check, batch checks, incremental list updates and the full recompute,
each against a baseline measured in the same run (issue 3).

1. Builds (or reuses, with --reuse) a node of PERSONS synthetic persons with about PER_PERSON
   records each (`sincerity.synth`; department and court items), a tenth as many organisations
   with records, and a legal-representative link for each organisation, all loaded through the
   real ingestion paths (so list entries are made incrementally, as in production).
2. Serves it with uvicorn (one worker, the real app plus one static-answer route) and loads it
   with wrk on loopback: the static route, then `POST /api/v1/checks` for random subjects of
   which about 2 % are on some list (each check authenticated and recorded), then
   `POST /api/v1/checks/batch` with 10,000 subjects at the same hit rate.
3. In-process: a day of court-list churn (new listings and corrections) through ingestion,
   timing the list update inside it; then the full recompute against the store's own GROUP BY
   over the same rows, in a child process whose peak memory is reported.

Run: `python -m bench.checks --persons 1000000 --per-person 10 --stores sqlite,postgresql`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from sqlalchemy import text

from bench.ingest import CSV_HEADER, PG_ADMIN, csv_row, database_url, empty_database
from bench.report import commit, cpu_ticks, machine, stolen_share, write_section
from sincerity.app import build_services, create_app, init_node
from sincerity.domain.catalogue import SubjectKind
from sincerity.domain.institutions import Institution
from sincerity.kit.clock import legal_today
from sincerity.kit.settings import Environment, Settings
from sincerity.services import ingest
from sincerity.services.catalogue import current_catalogue
from sincerity.services.checks import prepare_batches
from sincerity.services.ingest import submit_file, submit_records
from sincerity.services.institutions import issue_credential, register_institution
from sincerity.services.links import submit_links
from sincerity.services.lists import recompute_lists
from sincerity.store.engine import create
from sincerity.synth import Synth

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=timezone(timedelta(hours=8)))
HIT_RATE = 0.02
BATCH = 10_000
ACTION = "air_travel"  # the canonical point of service: items, list entries and linked persons


def node_settings(url: str, data_dir: Path) -> Settings:
    return Settings(env=Environment.TEST, database_url=url, data_dir=data_dir, now=NOW)


def node_env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SINCERITY_ENV": "test",
        "SINCERITY_DATABASE_URL": url,
        "SINCERITY_DATA_DIR": str(data_dir),
        "SINCERITY_NOW": NOW.isoformat(),
    }


def exists_with_records(store: str, name: str, workdir: Path) -> bool:
    if store == "sqlite":
        if not (workdir / (name + ".db")).exists():
            return False
    else:
        admin = create(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
        admin.dispose()
        if not found:
            return False
    engine = create(database_url(store, name, workdir))
    try:
        with engine.connect() as conn:
            return bool(conn.exec_driver_sql("SELECT count(*) FROM records").scalar())
    except Exception:  # noqa: BLE001 - no schema yet
        return False
    finally:
        engine.dispose()


@dataclass
class Node:
    store: str
    url: str
    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    load_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def build(store: str, persons: int, per_person: float, workdir: Path, reuse: bool) -> Node:
    name = f"bench_checks_{persons}"
    data_dir = workdir / f"node-{store}-{persons}"
    url = database_url(store, name, workdir)
    node = Node(store, url, data_dir)
    settings = node_settings(url, data_dir)
    if reuse and exists_with_records(store, name, workdir):
        print(f"  reusing {name} on {store}", flush=True)
    else:
        empty_database(store, name, workdir)
        init_node(settings)
        node.load_s = load(settings, persons, per_person, workdir)
    services = build_services(settings)
    try:
        register_institution(services, Institution("bench-airline", "Bench airline", "implementing_agency", "110000"))
        register_institution(services, Institution("bench-dept-2", "Bench department", "department", "110000"))
        node.tokens = {
            "airline": issue_credential(services, "bench-airline"),
            "dept": issue_credential(services, "bench-dept-2"),
        }
        with services.db.transaction(write=False) as conn:
            for table in ("subjects", "records", "list_entries", "links", "events"):
                node.counts[table] = int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0)
    finally:
        services.db.engine.dispose()
    return node


def load(settings: Settings, persons: int, per_person: float, workdir: Path) -> float:
    """Records, organisations and links through the real ingestion paths."""
    services = build_services(settings)
    catalogue = current_catalogue(services)
    institutions = []
    for code, kind in (("bench-dept", "department"), ("bench-court", "court")):
        items = tuple(i.code for i in catalogue.items if kind in i.providers)
        institutions.append(register_institution(services, Institution(code, f"Bench {kind}", kind, "110000", items)))
    synth = Synth(catalogue, seed=7, today=legal_today(NOW), institutions=institutions)
    paths = {i.code: workdir / f"checks-{persons}-{i.code}.csv" for i in institutions}
    handles = {code: path.open("w", encoding="utf-8", newline="") for code, path in paths.items()}
    writers = {code: csv.writer(handle) for code, handle in handles.items()}
    for writer in writers.values():
        writer.writerow(CSV_HEADER)
    links: list[dict[str, str]] = []
    for provider, record in synth.people_records(persons, per_person=per_person):
        writers[provider].writerow(csv_row(record))
    for n in range(max(1, persons // 10)):
        org = synth.organisation()
        count = int(synth.rng.expovariate(1 / 3.0) + 0.5)
        for provider, record in synth.records_for(org.number, org.name, SubjectKind.ORGANISATION, count, None):
            writers[provider].writerow(csv_row(record))
        rep = org.representative
        links.append(
            {
                "ref": f"LR-{n}",
                "organisation_id": org.number,
                "organisation_name": org.name,
                "person_id": rep.number,
                "person_name": rep.name,
                "role": "legal_representative",
                "valid_from": "2020-01-01",
            }
        )
    for handle in handles.values():
        handle.close()
    started = time.perf_counter()
    for code, path in paths.items():
        summary = submit_file(services, path, fmt="csv", provider=code)
        print(f"  loaded {path.name}: {summary.counts()}", flush=True)
    for start in range(0, len(links), 10_000):
        submit_links(services, links[start : start + 10_000], provider="bench-dept")
    elapsed = time.perf_counter() - started
    services.db.engine.dispose()
    return elapsed


def sample_numbers(node: Node, count: int, seed: int) -> tuple[list[str], int]:
    """`count` subject numbers of persons, HIT_RATE of them on some list today; and how many hits."""
    rng = random.Random(seed)
    services = build_services(node_settings(node.url, node.data_dir))
    today = legal_today(NOW)
    try:
        with services.db.transaction(write=False) as conn:
            listed = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT DISTINCT e.subject_id FROM list_entries e JOIN subjects s ON s.id = e.subject_id "
                        "WHERE s.kind = 'person' AND e.starts_on <= :d AND (e.ends_on IS NULL OR e.ends_on > :d) "
                        "ORDER BY e.subject_id"
                    ),
                    {"d": today},
                )
            ]
            listed_set = set(listed)
            # Misses are persons too (a check about a person), on no list today.
            others = [
                int(r[0])
                for r in conn.execute(text("SELECT id FROM subjects WHERE kind = 'person' ORDER BY id"))
                if r[0] not in listed_set
            ]
            count = min(count, int(len(others) * 0.9))  # a small node cannot give more
            hits = rng.sample(listed, min(len(listed), max(1, int(count * HIT_RATE))))
            misses = rng.sample(others, count - len(hits))
            wanted = [*hits, *misses]
            rows = conn.execute(
                text("SELECT id, number_sealed, kind FROM subjects WHERE id IN (SELECT value FROM json_each(:ids))")
                if node.store == "sqlite"
                else text("SELECT id, number_sealed, kind FROM subjects WHERE id = ANY(:ids)"),
                {"ids": json.dumps(wanted)} if node.store == "sqlite" else {"ids": wanted},
            ).all()
        numbers = [services.vault.open(bytes(r[1])) for r in rows if r[2] == "person"]
    finally:
        services.db.engine.dispose()
    rng.shuffle(numbers)
    return numbers, len(hits)


# --- the server ---------------------------------------------------------------------------------


def server_app() -> FastAPI:
    """The real application plus the baseline: a route of the same app answering a static body.

    Each worker builds its showing index before it serves (a serving process otherwise builds
    it in the background, which would take CPU from the runs measured meanwhile)."""
    services = build_services(serving=True)
    prepare_batches(services)
    app = create_app(services, serving=True)

    @app.get("/bench/static")
    async def static() -> dict[str, bool]:
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def serve(node: Node) -> Server:
    """The node served by uvicorn with one worker, which builds its app (and showing index)
    before it binds the socket: the server is used once it takes connections."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.checks:server_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=node_env(node.url, node.data_dir),
    )
    for _ in range(1800):  # the worker reads its showing index first: seconds on a big node
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return Server(process, port)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


LUA_SINGLE = """
local numbers = {}
for line in io.lines(os.getenv("BENCH_NUMBERS")) do numbers[#numbers + 1] = line end
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
local action = os.getenv("BENCH_ACTION")
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local n = numbers[math.random(#numbers)]
  return wrk.format("POST", "/api/v1/checks", headers, '{"subject":"' .. n .. '","action":"' .. action .. '"}')
end
"""

LUA_BATCH = """
local f = io.open(os.getenv("BENCH_BODY"), "r")
local body = f:read("*a")
f:close()
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")}
request = function()
  return wrk.format("POST", "/api/v1/checks/batch", headers, body)
end
"""


@dataclass
class Load:
    name: str
    connections: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    stolen: float = 0.0  # the share of CPU time the hypervisor took during the run


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


# One wrk thread: on two cores a second one competes with the server for a core, and its own
# waits for the CPU showed as latency (static route, one worker: p99 480 ms with two threads
# against 40–80 ms with one, p50 about the same, at the same throughput).
WRK_THREADS = 1


def wrk(name: str, url: str, *, connections: int, seconds: int, script: Path | None, env: dict[str, str]) -> Load:
    args = ["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        args += ["-s", str(script)]
    ticks = cpu_ticks()
    done = subprocess.run([*args, url], capture_output=True, text=True, env=env, check=True)
    stolen = stolen_share(ticks, cpu_ticks())
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    print(
        f"  {name}: {rate:,.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, non-2xx {errors}, CPU stolen {stolen:.0%}",
        flush=True,
    )
    if socket_errors:
        print(f"    socket errors: {socket_errors.group(1)}", flush=True)
    return Load(name, connections, rate, p50, p99, errors, stolen)


# --- in-process measurements -------------------------------------------------------------------


def churn(node: Node, numbers: list[str], changes: int) -> dict[str, float]:
    """A day of court-list churn: two thirds new listings, one third corrections of listings just
    made (a longer term), through ingestion; the list update inside it is timed on its own."""
    services = build_services(node_settings(node.url, node.data_dir))
    spent = [0.0]
    subjects: set[int] = set()
    original = ingest._ChunkWriter._list_entries

    def timed(self: Any, conn: Any, placed: Any, corrected: Any, new_events: Any) -> None:
        started = time.perf_counter()
        original(self, conn, placed, corrected, new_events)
        spent[0] += time.perf_counter() - started
        subjects.update(p[2] for p in placed)

    ingest._ChunkWriter._list_entries = timed  # type: ignore[method-assign]
    try:
        catalogue = current_catalogue(services)
        example = dict(catalogue.by_code["court.dishonest_debtor"].example)
        new = changes * 2 // 3
        stamp = uuid.uuid4().hex[:8]  # a fresh ref series each run
        listings = [
            {
                "ref": f"CHURN-{stamp}-{n}",
                "subject_id": numbers[n % len(numbers)],
                "subject_name": "测试",
                "item": "court.dishonest_debtor",
                "decided_on": "2026-11-20",
                "decision_no": f"(2026)京0105执{n}号",
                "facts": example,
            }
            for n in range(new)
        ]
        from sincerity.store.files import record_from_mapping

        rows = [record_from_mapping(r, line=i) for i, r in enumerate(listings)]
        started = time.perf_counter()
        first = submit_records(services, rows, provider="bench-court", source="bench")
        corrections = [
            record_from_mapping({**r, "facts": {**example, "term": "P3Y"}}, line=i)
            for i, r in enumerate(listings[: changes - new])
        ]
        second = submit_records(services, corrections, provider="bench-court", source="bench")
        total = time.perf_counter() - started
    finally:
        ingest._ChunkWriter._list_entries = original  # type: ignore[method-assign]
        services.db.engine.dispose()
    changed = first.accepted + second.corrected
    return {
        "rows": float(changed),
        "subjects": float(len(subjects)),
        "ingest_s": total,
        "lists_s": spent[0],
        "subjects_per_s": len(subjects) / spent[0] if spent[0] else 0.0,
        "rows_per_s_lists": changed / spent[0] if spent[0] else 0.0,
    }


def peak_rss_mib() -> float:
    """This process's peak resident memory since it was started (exec'd). Not getrusage's
    ru_maxrss: Linux carries the parent's peak into a child across fork and exec, so a child
    of the bench reported the bench's own 1.9 GiB instead of its 0.1."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def recompute_child(url: str, data_dir: str) -> None:
    """Run in a child process: the GROUP BY baseline, then the recompute; prints JSON."""
    services = build_services(node_settings(url, Path(data_dir)))
    group_by: dict[str, list[float]] = {"planned": [], "scan": []}
    # The store's own plan; and on SQLite also a plain scan of the table (SQLite plans this
    # query through the partial index of current refs, looking every row up from there).
    statements = {"planned": "SELECT item_code, count(*) FROM records WHERE superseded_at IS NULL GROUP BY item_code"}
    if services.db.dialect == "sqlite":
        statements["scan"] = statements["planned"].replace("FROM records", "FROM records NOT INDEXED")
    for _ in range(2):
        for kind, statement in statements.items():
            started = time.perf_counter()
            with services.db.transaction(write=False) as conn:
                conn.exec_driver_sql(statement).all()
            group_by[kind].append(time.perf_counter() - started)
    started = time.perf_counter()
    report = recompute_lists(services)
    recompute_s = time.perf_counter() - started
    services.db.engine.dispose()
    rss = peak_rss_mib()
    print(
        json.dumps(
            {
                "group_by_s": min(group_by["planned"]),
                "group_by_scan_s": min(group_by["scan"] or group_by["planned"]),
                "recompute_s": recompute_s,
                "entries": report.entries,
                "changes": report.total_changes,
                "peak_rss_mib": rss,
            }
        )
    )


def recompute(node: Node) -> dict[str, Any]:
    ticks = cpu_ticks()
    done = subprocess.run(
        [sys.executable, "-m", "bench.checks", "--recompute-child", node.url, str(node.data_dir)],
        capture_output=True,
        text=True,
        check=True,
        env=node_env(node.url, node.data_dir),
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["stolen"] = stolen_share(ticks, cpu_ticks())
    print(f"  recompute: {result}", flush=True)
    return result


# --- the run -----------------------------------------------------------------------------------


@dataclass
class StoreResult:
    node: Node
    loads: list[Load]
    hits: int
    sample: int
    batch_size: int
    batch_applying: int
    churn: dict[str, float]
    recompute: dict[str, Any]


# What a check reads: with two 1M-person nodes on one machine, the other store's build or run
# evicts this one's pages, and a few seconds of warm-up reach only a corner of them. A node in
# service has its working set cached; so does the static route, which reads nothing.
WARM_TABLES = ("subjects", "links", "list_entries", "record_holds", "disputes", "measure_lifts", "sequences")


def warm_store(node: Node) -> None:
    started = time.perf_counter()
    if node.store == "sqlite":
        path = Path(node.url.removeprefix("sqlite:///"))
        with path.open("rb") as handle:
            while handle.read(16 << 20):
                pass
    else:
        engine = create(node.url)
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            for table in WARM_TABLES:
                conn.exec_driver_sql(f"SELECT pg_prewarm('{table}')")
                for (index,) in conn.exec_driver_sql(
                    f"SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = '{table}'::regclass"
                ):
                    conn.exec_driver_sql(f"SELECT pg_prewarm('{index}')")
            conn.commit()
        engine.dispose()
    print(f"  warmed the store's pages in {time.perf_counter() - started:.0f} s", flush=True)


def run_store(store: str, args: argparse.Namespace) -> StoreResult:
    print(f"{store}: building {args.persons:,} persons", flush=True)
    node = build(store, args.persons, args.per_person, args.workdir, args.reuse)
    print(f"  node: {node.counts} (load {node.load_s:.0f} s)", flush=True)
    numbers, hits = sample_numbers(node, 20_000, seed=11)
    numbers_path = args.workdir / f"numbers-{store}.txt"
    numbers_path.write_text("\n".join(numbers) + "\n", encoding="utf-8")
    batch_numbers, _ = sample_numbers(node, BATCH, seed=12)
    body_path = args.workdir / f"batch-{store}.json"
    body_path.write_bytes(orjson.dumps({"action": ACTION, "subjects": batch_numbers}))
    single_lua = args.workdir / "single.lua"
    single_lua.write_text(LUA_SINGLE, encoding="utf-8")
    batch_lua = args.workdir / "batch.lua"
    batch_lua.write_text(LUA_BATCH, encoding="utf-8")
    env = {
        **os.environ,
        "BENCH_NUMBERS": str(numbers_path),
        "BENCH_BODY": str(body_path),
        "BENCH_TOKEN": node.tokens["airline"],
        "BENCH_ACTION": ACTION,
    }
    warm_store(node)
    server = serve(node)
    base = f"http://127.0.0.1:{server.port}"
    loads: list[Load] = []
    try:
        wrk("warm-up", base + "/api/v1/checks", connections=8, seconds=3, script=single_lua, env=env)
        loads.append(wrk("static", base + "/bench/static", connections=64, seconds=args.seconds, script=None, env=env))
        loads.append(
            wrk("check", base + "/api/v1/checks", connections=64, seconds=args.seconds, script=single_lua, env=env)
        )
        warm_batches(base, batch_lua, env)
        loads.append(
            wrk("batch", base + "/api/v1/checks/batch", connections=2, seconds=args.seconds, script=batch_lua, env=env)
        )
    finally:
        server.stop()
    # Batches again with a worker per core: a batch is CPU work in Python (validating and
    # hashing 10,000 numbers), which one process does on one core. Each worker is a server of
    # its own with a wrk of its own, as behind a balancer: uvicorn's workers share one socket,
    # and the first to wake accepts every connection waiting, so wrk's few kept-alive
    # connections often all went to one worker (at c0620eb, half the runs: one worker's rate).
    servers: list[Server] = []
    try:
        for _ in range(args.batch_workers):
            servers.append(serve(node))
        bases = [f"http://127.0.0.1:{server.port}" for server in servers]
        for base in bases:
            warm_batches(base, batch_lua, env)
        with ThreadPoolExecutor(max_workers=len(bases)) as pool:
            each = list(
                pool.map(
                    lambda base: wrk(
                        "batch, one of the workers",
                        base + "/api/v1/checks/batch",
                        connections=2,
                        seconds=args.seconds,
                        script=batch_lua,
                        env=env,
                    ),
                    bases,
                )
            )
        batch = Load(
            f"batch, {args.batch_workers} workers",
            sum(load.connections for load in each),
            sum(load.requests_per_s for load in each),
            max(load.p50_ms for load in each),
            max(load.p99_ms for load in each),
            sum(load.errors for load in each),
            sum(load.stolen for load in each) / len(each),
        )
        print(f"  {batch.name}: {batch.requests_per_s:,.1f} req/s in all, p99 {batch.p99_ms:.2f} ms", flush=True)
        loads.append(batch)
    finally:
        for server in servers:
            server.stop()
    applying = batch_answer_applying(node, body_path)
    fresh, _ = sample_numbers(node, 12_000, seed=13)  # others than the checked ones
    churned = churn(node, fresh, 15_000)
    print(f"  churn: {churned}", flush=True)
    recomputed = recompute(node)
    return StoreResult(
        node,
        loads,
        hits,
        len(numbers),
        len(batch_numbers),
        applying,
        churned,
        recomputed,
    )


def warm_batches(base: str, script: Path, env: dict[str, str]) -> None:
    """Until the rate settles (the store's pages and each worker's first batches)."""
    last = 0.0
    for _ in range(15):
        rate = wrk("batch warm-up", base + "/api/v1/checks/batch", connections=4, seconds=3, script=script, env=env)
        if last and abs(rate.requests_per_s - last) <= 0.15 * max(rate.requests_per_s, last):
            return
        last = rate.requests_per_s


def batch_answer_applying(node: Node, body_path: Path) -> int:
    """How many subjects of the batch body a measure applies to (the realised hit rate)."""
    services = build_services(node_settings(node.url, node.data_dir))
    try:
        from sincerity.services.checks import check_batch

        body = orjson.loads(body_path.read_bytes())
        answer = check_batch(services, body["subjects"], action=ACTION, institution=None)
        return int(answer["applying"])
    finally:
        services.db.engine.dispose()


def report(results: list[StoreResult], args: argparse.Namespace) -> None:
    lines = [
        "## Joint reward and punishment: checks, batches, list updates, recompute (issue 3)",
        "",
        f"- Command: `python -m bench.checks --persons {args.persons} --per-person {args.per_person} "
        f"--stores {args.stores} --seconds {args.seconds} --batch-workers {args.batch_workers}`",
        f"- Machine: {machine()}; wrk {_wrk_version()} on loopback, {WRK_THREADS} thread(s); uvicorn (uvloop, httptools), 1 worker "
        f"for every run, and for a second batch run {args.batch_workers} such servers at once, each loaded by a wrk of its own",
        f"- Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, code at commit {commit()}",
        f"- Data: `sincerity.synth` seed 7, loaded through the real ingestion paths (file import, links API "
        f"service); each check is `{ACTION}` for a random subject drawn from 20,000 persons of whom "
        f"{HIT_RATE:.0%} are on some list; authenticated by token and recorded in `checks`.",
        "",
        "| store | subjects | records | entries | links | static req/s | check req/s | **ratio** | check p50 ms | check p99 ms "
        f"| batch subjects/s, 1 worker | **batch subjects/s, {args.batch_workers} workers** |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        static, check, one_worker, batch = r.loads
        c = r.node.counts
        lines.append(
            f"| {r.node.store} | {c['subjects']:,} | {c['records']:,} | {c['list_entries']:,} | {c['links']:,} | "
            f"{static.requests_per_s:,.0f} | {check.requests_per_s:,.0f} | **{check.requests_per_s / static.requests_per_s:.2f}×** | "
            f"{check.p50_ms:.1f} | {check.p99_ms:.1f} | {one_worker.requests_per_s * r.batch_size:,.0f} | "
            f"**{batch.requests_per_s * r.batch_size:,.0f}** |"
        )
    lines += [
        "",
        "| store | churn rows | subjects | list update s | **changed subjects/s** | ingestion s (whole) | GROUP BY s | recompute s | **recompute / GROUP BY** | entries | changes | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ch, rc = r.churn, r.recompute
        lines.append(
            f"| {r.node.store} | {ch['rows']:,.0f} | {ch['subjects']:,.0f} | {ch['lists_s']:.3f} | **{ch['subjects_per_s']:,.0f}** | "
            f"{ch['ingest_s']:.1f} | {rc['group_by_s']:.1f} | {rc['recompute_s']:.1f} | "
            f"**{rc['recompute_s'] / rc['group_by_s']:.2f}×** | {rc['entries']:,} | {rc['changes']} | {rc['peak_rss_mib']:,.0f} |"
        )
    for r in results:
        rc = r.recompute
        if r.node.store == "sqlite":
            lines += [
                "",
                f"- sqlite: the GROUP BY as SQLite plans it walks the partial index of current refs and looks each "
                f"row up ({rc['group_by_s']:.1f} s); as a scan of the table (`NOT INDEXED`) it takes "
                f"{rc['group_by_scan_s']:.1f} s, and the recompute is **{rc['recompute_s'] / rc['group_by_scan_s']:.2f}×** that.",
            ]
    for r in results:
        lines.append("")
        lines.append(
            f"- {r.node.store}: batch of {r.batch_size:,} with {r.batch_applying:,} subjects to whom a measure applies "
            f"({r.batch_applying / r.batch_size:.1%}); non-2xx responses: "
            + ", ".join(f"{load.name} {load.errors}" for load in r.loads)
            + "; CPU time taken by the hypervisor (steal) during each: "
            + ", ".join(f"{load.name} {load.stolen:.0%}" for load in r.loads)
            + f", recompute with its GROUP BY {r.recompute.get('stolen', 0.0):.0%}"
        )
    notes = Path("bench/NOTES-checks.md")
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    write_section(args.out, "checks", lines)


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (done.stdout or done.stderr).splitlines()
    return first[0].split()[1] if first else "?"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--recompute-child":
        recompute_child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--per-person", type=float, default=10.0)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=20, help="length of each wrk run")
    parser.add_argument("--reuse", action="store_true", help="reuse a node built by an earlier run")
    parser.add_argument(
        "--batch-workers",
        type=int,
        default=2,
        help="one-worker servers, each with its own wrk, for the second batch run",
    )
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    parser.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = [run_store(store, args) for store in args.stores.split(",")]
    report(results, args)


if __name__ == "__main__":
    main()
