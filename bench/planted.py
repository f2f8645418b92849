"""Write a realistic CSV of N records with bad rows planted at known lines, for `sincerity import`.

    python -m bench.planted var/planted.csv --rows 100000
    sincerity import var/planted.csv --provider department-110000

The rows come from `sincerity.synth` for the items a department may submit (the demo's
`department-110000` holds them all); every 997th row is spoiled in one of the ways below,
and the list of planted lines and reasons is written beside the file (`.planted.csv`) so the
rejects file can be checked against it.
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.ingest import CSV_HEADER, csv_row
from sincerity.domain.catalogue import Catalogue, InstitutionKind
from sincerity.domain.institutions import Institution
from sincerity.kit.clock import SystemClock, legal_today
from sincerity.store import files
from sincerity.synth import Synth

SPOILERS: list[tuple[str, int, str]] = [
    # (what, column, replacement) — column indexes follow CSV_HEADER
    ("wrong check digit", 0, "check"),
    ("15-digit legacy number", 0, "110105900307123"),
    ("impossible date", 4, "2026-02-30"),
    ("decision in the future", 4, "2099-01-01"),
    ("item outside the catalogue", 2, "personal.religion"),
    ("item a department may not submit", 2, "court.dishonest_debtor"),
    ("facts not JSON", 6, "{amount: 5"),
    ("facts break the schema", 6, '{"no_such_fact": true}'),
    ("name missing", 1, ""),
    ("decision number missing", 5, ""),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--every", type=int, default=997, help="spoil every Nth row")
    parser.add_argument("--today", default=None, help="the day the file is made for (ISO date; default today)")
    args = parser.parse_args()
    catalogue, _ = files.load_model(files.shipped("catalogue.yaml"), Catalogue)
    if args.today:
        today = legal_today(datetime.fromisoformat(args.today).replace(tzinfo=timezone(timedelta(hours=8))))
    else:
        today = legal_today(SystemClock().now())
    items = tuple(i.code for i in catalogue.items if InstitutionKind.DEPARTMENT in i.providers)
    provider = Institution("department-110000", "demo", "department", "110000", items)
    synth = Synth(catalogue, seed=args.seed, today=today, institutions=[provider])
    planted: list[tuple[int, str, str]] = []
    written = 0
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        while written < args.rows:
            for _, r in synth.people_records(500, per_person=4.0):
                row = csv_row(r)
                written += 1
                if written % args.every == 0:
                    what, column, value = SPOILERS[(written // args.every) % len(SPOILERS)]
                    if value == "check":
                        value = row[0][:-1] + ("0" if row[0][-1] != "0" else "1")
                    row[column] = value
                    planted.append((written + 1, r.ref, what))  # +1: the header is line 1
                writer.writerow(row)
                if written == args.rows:
                    break
    with args.out.with_name(args.out.name + ".planted.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("line", "ref", "planted"), *planted])
    print(f"wrote {written} rows to {args.out}; {len(planted)} planted bad rows listed in {args.out.name}.planted.csv")


if __name__ == "__main__":
    main()
