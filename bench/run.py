"""Run every exotls benchmark and print one table: each figure, its target, and whether it holds.

Usage: ``python bench/run.py [--quick] [--full] [--only NAME,...] [--skip NAME,...] [--strict]``
(``make bench`` runs it with no flags). See bench/README.md for what each figure means.

Each benchmark is its own script, run here in a subprocess so that one's imports, caches
and memory do not colour another's figures. They print ``name value target ok/FAIL``
lines (``#`` lines are notes); this script shows them as they come, then the table.
Times on a shared machine are noisy: ratios between contenders measured side by side in
one run are the figures that count, and the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name -> (script, arguments by default, arguments with --quick)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "startup": ("bench_startup.py", [], ["--runs", "9"]),
    "fleet": ("bench_fleet.py", [], ["--quick"]),
    "clixml": ("bench_clixml.py", [], ["--quick"]),
    "usage": ("bench_usage.py", [], ["--size-mb", "128"]),
}

_LINE = re.compile(
    r"^(?P<name>.+?)\s+(?P<value>-?[0-9][0-9.,]*[A-Za-z%/]*|yes|NO)\s+(?P<target>.*?)\s*(?P<status>ok|FAIL)$"
)


@dataclass
class Row:
    bench: str
    name: str
    value: str
    target: str
    status: str


def parse(bench: str, line: str) -> Row | None:
    """One result line of a benchmark, or None for notes and anything else."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    match = _LINE.match(text)
    if match is None:
        return None
    target = match["target"].strip() or "-"
    return Row(bench, match["name"].strip(), match["value"], target, match["status"])


def run_bench(name: str, script: Path, arguments: list[str]) -> tuple[list[Row], int, float]:
    """Run one benchmark, echoing its output; (rows, exit code, seconds)."""
    start = time.perf_counter()
    rows: list[Row] = []
    with subprocess.Popen(
        [sys.executable, str(script), *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(f"  [{name}] {line.rstrip()}", flush=True)
            row = parse(name, line)
            if row is not None:
                rows.append(row)
    return rows, process.returncode, time.perf_counter() - start


def table(rows: list[Row]) -> str:
    headers = ("bench", "measure", "value", "target", "holds")
    cells = [(r.bench, r.name, r.value, r.target, r.status) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small inputs and fewer runs; no 10,000-server fleet")
    parser.add_argument("--full", action="store_true", help="always run the 10,000-server fleet (it may take minutes)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of: {', '.join(BENCHES)}")
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target does not hold")
    args = parser.parse_args(argv)
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    skip = {n.strip() for n in args.skip.split(",") if n.strip()}
    unknown = (only | skip) - set(BENCHES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    failed: list[str] = []
    for name, (script_name, default, quick) in BENCHES.items():
        if (only and name not in only) or name in skip:
            continue
        script = HERE / script_name
        if not script.is_file():
            rows.append(Row(name, f"{name}: not available ({script_name} missing)", "-", "-", "FAIL"))
            failed.append(name)
            continue
        arguments = list(quick if args.quick else default)
        if name == "fleet" and args.full and not args.quick:
            arguments.append("--full")
        print(f"== {name}: {script_name} {' '.join(arguments)}", flush=True)
        found, code, seconds = run_bench(name, script, arguments)
        rows.extend(found)
        print(f"== {name}: done in {seconds:.0f}s", flush=True)
        if code != 0:
            rows.append(Row(name, f"{script_name} exited with {code}", "-", "-", "FAIL"))
            failed.append(name)
    print()
    print(f"exotls benchmarks: {os.cpu_count()} cores, load average {load_before:.1f} at start, "
          f"{os.getloadavg()[0]:.1f} at end")
    print(table(rows))
    misses = [r for r in rows if r.status == "FAIL"]
    print(f"\n{len(rows) - len(misses)} of {len(rows)} hold" + (f"; not holding: {', '.join(r.name for r in misses)}"
                                                              if misses else ""))
    if failed:
        return 2
    return 1 if args.strict and misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
