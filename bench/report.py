"""BENCHMARKS.md is made of sections, one per harness; each run replaces only its own section."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from pathlib import Path

HEADER = [
    "# Benchmarks",
    "",
    "Written by `bench/` (do not edit by hand). Ratios compare rates measured in the same run on the same",
    "machine, so they hold better than the absolute numbers on a shared machine.",
    "",
]


def write_section(out: Path, name: str, lines: list[str]) -> None:
    """Replace the section `name` of `out` (or add it at the end), keeping the others."""
    start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
    block = "\n".join([start, *lines, end])
    text = out.read_text(encoding="utf-8") if out.exists() else "\n".join(HEADER)
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    out.write_text(text, encoding="utf-8")
    print(f"wrote section {name} of {out}")


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def cpu_ticks() -> tuple[int, int]:
    """CPU time since boot, all of it and the part stolen (`/proc/stat`, in ticks). On a virtual
    machine the hypervisor takes "steal" time when the host is busy; it slows whatever runs
    then, and a ratio within one run corrects for it only if both sides lost the same share."""
    fields = [int(v) for v in Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:9]]
    return sum(fields), fields[7] if len(fields) > 7 else 0


def stolen_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of the machine's CPU time the hypervisor took between two `cpu_ticks()`."""
    total = after[0] - before[0]
    return (after[1] - before[1]) / total if total > 0 else 0.0


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return (
        f"{os.cpu_count()} CPU ({cpu}), {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {pg or 'PostgreSQL'}"
    )
