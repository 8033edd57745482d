"""Benchmark: ``exotls analyze --format json`` on generated fleets, as a whole process.

Usage: ``python bench/bench_fleet.py [--quick] [--full] [--sizes 100,1000,10000] [--runs 3]``.

For each fleet size below 10,000 (see ``fleetgen.py`` for what a fleet holds) the default
run (a process pool on both cores) and a serial run (``--jobs 1``) alternate on the same
files; each figure is the median of ``--runs`` runs, and the two JSON reports must be
byte-identical. ``cpu_per_wall`` is the children's user+system time over wall time: above
1.0 means both cores did work. Cost per server at each size shows whether cost grows
linearly. The 10,000-server fleet runs once, default jobs only, and only when the
1,000-server figures predict it fits in ``--budget`` seconds (``--full`` runs it anyway;
``--quick`` never does).

Prints ``name value target ok/FAIL`` lines (``#`` lines are notes), like the other benches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fleetgen  # noqa: E402
from pyc import compile_exotls  # noqa: E402

AS_OF = "2026-06-01"  # fixed, so every run judges the same date
TARGET_WALL_1000 = 10.0  # seconds for 1,000 servers, whole process, default jobs
TARGET_GROWTH = 1.3  # per-server cost at the largest size over the cost at 1,000: linear within noise
GENERATE_S_PER_SERVER = 0.004  # writing a fleet, measured on the 2-core bench machine


def exotls_command() -> list[str]:
    """The venv's console script next to this interpreter, else ``python -m exotls``."""
    script = Path(sys.executable).with_name("exotls")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "exotls"]


def line(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{name} {value} {target} {'ok' if ok else 'FAIL'}", flush=True)


def run_once(folder: Path, out: Path, jobs: int | None) -> tuple[float, float, float]:
    """(wall seconds, cpu seconds, peak RSS in MB) of one whole ``exotls analyze`` process.

    ``wait4`` gives that process's own usage with its pool workers'; its peak RSS is the
    largest process's (the parent, which holds the report)."""
    command = [*exotls_command(), "analyze", str(folder), "--format", "json", "--as-of", AS_OF, "--exit-zero", "-q"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    with out.open("wb") as handle, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=handle, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"exotls failed ({proc.returncode}): {errors.read().decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux reports KiB


def bench_size(size: int, runs: int, data: Path, *, serial: bool = True) -> float:
    """Run one fleet size; print its lines; return the per-server cost of the default run (ms)."""
    start = time.perf_counter()
    folder = fleetgen.fleet(size, data)
    files = sum(len(names) for _, _, names in os.walk(folder))
    megabytes = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    print(f"# fleet-{size}: {files} files, {megabytes:.0f} MB (ready in {time.perf_counter() - start:.1f}s)", flush=True)
    pool_out, serial_out = data / f"report-{size}-pool.json", data / f"report-{size}-serial.json"
    pool_runs: list[tuple[float, float, float]] = []
    serial_runs: list[tuple[float, float, float]] = []
    for _ in range(runs):  # alternate, so both see the same machine load
        pool_runs.append(run_once(folder, pool_out, None))
        if serial:
            serial_runs.append(run_once(folder, serial_out, 1))
    wall = statistics.median(w for w, _, _ in pool_runs)
    usage = statistics.median(c / w for w, c, _ in pool_runs)
    per_server = wall / size * 1000
    target = f"<{TARGET_WALL_1000:.0f}" if size == 1000 else "-"
    line(f"fleet.{size}.wall_s", f"{wall:.2f}", target, wall < TARGET_WALL_1000 if size == 1000 else True)
    if serial:
        wall_serial = statistics.median(w for w, _, _ in serial_runs)
        identical = pool_out.read_bytes() == serial_out.read_bytes()
        line(f"fleet.{size}.serial_wall_s", f"{wall_serial:.2f}", "-", True)
        speedup = wall_serial / wall
        if size >= 1000:
            line(f"fleet.{size}.speedup_vs_serial", f"{speedup:.2f}", ">1", speedup > 1.0)
        else:  # below ~0.25 s of estimated reading the default is one process: both runs are serial
            line(f"fleet.{size}.speedup_vs_serial", f"{speedup:.2f}", "-", True)
        line(f"fleet.{size}.pool_equals_serial", "yes" if identical else "NO", "identical_bytes", identical)
        serial_out.unlink()
    cpu = statistics.median(c for _, c, _ in pool_runs)
    line(f"fleet.{size}.cpu_s", f"{cpu:.2f}", "-", True)  # less load-sensitive than wall time
    line(f"fleet.{size}.peak_rss_mb", f"{max(m for _, _, m in pool_runs):.0f}", "-", True)
    if size >= 1000:  # the both-cores target; a small fleet is mostly start-up, which is serial
        line(f"fleet.{size}.cpu_per_wall", f"{usage:.2f}", ">1(both_cores)", usage > 1.0)
    else:
        line(f"fleet.{size}.cpu_per_wall", f"{usage:.2f}", "-", True)
    line(f"fleet.{size}.ms_per_server", f"{per_server:.2f}", "-", True)
    pool_out.unlink()
    return per_server


def predicted_seconds(size: int, costs: dict[int, float], data: Path) -> float | None:
    """What a large fleet would take, from the largest size measured so far (None: nothing measured)."""
    if not costs:
        return None
    base = max(costs)
    run = costs[base] / 1000 * size * TARGET_GROWTH
    generate = 0.0 if fleetgen.is_ready(size, data) else GENERATE_S_PER_SERVER * size
    return run + generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="skip the 10,000-server fleet")
    parser.add_argument("--full", action="store_true", help="run the 10,000-server fleet whatever the prediction")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds the 10,000-server fleet may take")
    parser.add_argument("--sizes", default="100,1000,10000", help="comma-separated fleet sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs per size below 10,000 (10,000 runs once)")
    parser.add_argument("--data", type=Path, default=fleetgen.DATA, help="where generated fleets live")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.quick:
        sizes = [s for s in sizes if s < 10_000]
    args.data.mkdir(parents=True, exist_ok=True)
    compile_exotls()
    print(f"# load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    costs: dict[int, float] = {}
    for size in sorted(sizes):
        if size >= 10_000 and not args.full:
            guess = predicted_seconds(size, costs, args.data)
            if guess is None or guess > args.budget:
                why = "nothing smaller measured" if guess is None else f"predicted {guess:.0f}s > {args.budget:.0f}s"
                print(f"# fleet-{size} skipped: {why}; run with --full to include it", flush=True)
                continue
        costs[size] = bench_size(size, args.runs if size < 10_000 else 1, args.data, serial=size < 10_000)
    if 1000 in costs:
        for size, cost in costs.items():
            if size > 1000:
                growth = cost / costs[1000]
                line(f"fleet.growth_{size // 1000}k_vs_1k", f"{growth:.2f}", f"<={TARGET_GROWTH}", growth <= TARGET_GROWTH)
            elif size < 1000:
                # Start-up weighs more on fewer servers: expect below 1, not a failure.
                line(f"fleet.growth_1k_vs_{size}", f"{costs[1000] / cost:.2f}", "-", True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
