"""Benchmark: how long exotls takes to start, against ``python -c "import typer"``.

Usage: ``python bench/bench_startup.py [--runs 15]``.

Each command runs as a whole process (the venv's python, the venv's ``exotls`` console
script), the three interleaved so they share the machine's load; figures are medians.
The floor is the interpreter plus typer: a typer CLI cannot start faster than that.
Targets: ``--version`` within 1.5x of the floor, ``build`` (one lookup in the release
table) within 3x.

A fourth contender shows what typer itself costs a command with arguments: a bare typer
app whose one command takes the same four parameter types as ``build`` (typer 0.29 coerces
every parameter through a pydantic ``TypeAdapter``, so it imports pydantic). ``build``'s
own share is its time over that app's.

Prints ``name value target ok/FAIL`` lines (``#`` lines are notes), like the other benches.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pyc import compile_exotls

TARGETS = {"version": 1.5, "build": 3.0}

# A bare typer app with build's parameter types: list[str] argument, str | None, an enum, Path | None.
TYPER_APP = """
import enum, pathlib, typing
import typer
app = typer.Typer()
class Fmt(str, enum.Enum):
    table = "table"
    json = "json"
@app.callback()
def root(version: typing.Annotated[bool, typer.Option("--version")] = False) -> None: ...
@app.command()
def build(
    versions: typing.Annotated[list[str], typer.Argument()],
    as_of: typing.Annotated[typing.Optional[str], typer.Option("--as-of")] = None,
    fmt: typing.Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    releases: typing.Annotated[typing.Optional[pathlib.Path], typer.Option("--releases")] = None,
) -> None:
    print(versions[0])
@app.command()
def other() -> None: ...
app(["build", "15.1.2507.6"])
"""


def commands() -> dict[str, list[str]]:
    python = sys.executable
    script = Path(python).with_name("exotls")
    exotls = [str(script)] if script.is_file() else [python, "-m", "exotls"]
    return {
        "floor": [python, "-c", "import typer"],
        "version": [*exotls, "--version"],
        "build": [*exotls, "build", "15.1.2507.6"],
        "typer_app": [python, "-c", TYPER_APP],
    }


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stderr.decode(errors='replace')}")
    return elapsed


def line(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{name} {value} {target} {'ok' if ok else 'FAIL'}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=25, help="runs of each command (medians are reported)")
    args = parser.parse_args(argv)
    todo = commands()
    compile_exotls()
    for command in todo.values():  # warm the file cache and the .pyc files once
        wall(command)
    times: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(args.runs):
        for name, command in todo.items():
            times[name].append(wall(command))
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"# {args.runs} runs each, load average {os.getloadavg()[0]:.1f}", flush=True)
    line("startup.floor_import_typer_ms", f"{medians['floor'] * 1000:.0f}", "floor", True)
    for name, limit in TARGETS.items():
        # Median of the per-run ratios: each run's commands ran back to back, so a machine
        # that speeds up or slows down between runs moves both alike.
        ratio = statistics.median(ours / floor for ours, floor in zip(times[name], times["floor"], strict=True))
        line(f"startup.{name}_ms", f"{medians[name] * 1000:.0f}", "-", True)
        line(f"startup.{name}_vs_floor", f"{ratio:.2f}", f"<={limit}", ratio <= limit)
    app = medians["typer_app"]
    line("startup.typer_app_with_args_ms", f"{app * 1000:.0f}", "reference", True)
    line("startup.typer_app_with_args_vs_floor", f"{app / medians['floor']:.2f}", "reference", True)
    line("startup.build_vs_typer_app", f"{medians['build'] / app:.2f}", "reference", True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
