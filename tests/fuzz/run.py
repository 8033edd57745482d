"""Fuzz every reader for a while; save what breaks into tests/fixtures/fuzz/<target>/.

    python tests/fuzz/run.py --seconds 60                # each target, 60 s
    python tests/fuzz/run.py --targets clixml,reg --seconds 600
    python tests/fuzz/run.py --engine python             # no atheris: plain mutation

Engines:

* ``atheris`` (coverage-guided, libFuzzer): each target's ``fuzz_<name>.py`` runs in a
  child process with the fixtures as seeds, a per-format dictionary, a 10 s per-input
  hang limit and a 2 GB memory limit. A crash, hang or memory blow-up is written by
  libFuzzer as ``crash-*``/``timeout-*``/``oom-*`` in the target's folder, and fuzzing
  resumes (up to a few restarts) until the time is spent.
* ``python`` (fallback when atheris cannot be installed): random mutations of the seeds
  (bit flips, byte edits, cuts, splices, dictionary tokens); an input that ends in a new
  kind of outcome (success, or a new error reason) joins the corpus, a crude stand-in for
  coverage. A per-input alarm catches hangs.

Either way a finding is any exception other than ``ExotlsError`` (or a hang). The
saved files are replayed by ``make test`` (tests/test_hostile_fuzz_corpus.py): fix the
bug, keep the file. The working corpus lives outside the repository (``--corpus``).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import hashlib
import importlib.util
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from guard import Hang, deadline  # noqa: E402
from targets import FIXTURES, SEEDS, TARGETS  # noqa: E402

CRASHES = FIXTURES / "fuzz"
HANG_SECONDS = 10
RSS_LIMIT_MB = 2048
MAX_RESTARTS = 5
MAX_SEED_BYTES = 256 * 1024
_EXECS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_DETAILS = re.compile(r"'[^']*'|\"[^\"]*\"|<[^>]*>|\([^)]*\)|[0-9]+")
MAX_POOL = 5000


def _shown(path: Path) -> str:
    """A finding's path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(FIXTURES.parent.parent))
    except ValueError:
        return str(path)


# -- seeds -------------------------------------------------------------------------------


def seed_files(target: str) -> Iterator[Path]:
    for folder in SEEDS[target]:
        base = FIXTURES / folder
        if base.is_dir():
            yield from sorted(p for p in base.rglob("*") if p.is_file() and p.stat().st_size <= MAX_SEED_BYTES)


def seed_inputs(target: str) -> list[bytes]:
    """Every seed as it is, plus a UTF-8 copy of UTF-16 ones (byte mutations of UTF-8 go further)."""
    out: list[bytes] = []
    for path in seed_files(target):
        data = path.read_bytes()
        out.append(data)
        for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
            if data.startswith(bom):
                with contextlib.suppress(UnicodeDecodeError):
                    out.append(data[len(bom) :].decode(codec).encode("utf-8"))
    return out


def write_corpus(target: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for data in seed_inputs(target):
        (folder / ("seed-" + hashlib.sha1(data).hexdigest())).write_bytes(data)


# -- atheris -----------------------------------------------------------------------------


def atheris_available() -> bool:
    return importlib.util.find_spec("atheris") is not None


def run_atheris(target: str, seconds: int, corpus: Path) -> dict[str, object]:
    artifacts = CRASHES / target
    artifacts.mkdir(parents=True, exist_ok=True)
    write_corpus(target, corpus)
    before = set(artifacts.iterdir())
    execs = 0
    restarts = 0
    deadline = time.monotonic() + seconds
    while True:
        left = int(deadline - time.monotonic())
        if left < 1 or restarts > MAX_RESTARTS:
            break
        command = [
            sys.executable,
            str(HERE / f"fuzz_{target}.py"),
            str(corpus),
            f"-max_total_time={left}",
            f"-timeout={HANG_SECONDS}",
            f"-rss_limit_mb={RSS_LIMIT_MB}",
            "-max_len=65536",
            f"-dict={HERE / 'dicts' / (target + '.dict')}",
            f"-artifact_prefix={artifacts}/",
            "-print_final_stats=1",
        ]
        result = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
        execs += sum(int(m) for m in _EXECS.findall(result.stderr))
        if result.returncode == 0:
            break
        restarts += 1
        tail = "\n".join(result.stderr.splitlines()[-40:])
        print(f"[{target}] libFuzzer stopped with {result.returncode}:\n{tail}", file=sys.stderr)
    found = sorted(_shown(p) for p in set(artifacts.iterdir()) - before)
    return {"target": target, "engine": "atheris", "seconds": seconds, "execs": execs, "new_findings": found}


# -- pure-Python fallback ----------------------------------------------------------------


def _tokens(target: str) -> list[bytes]:
    text = (HERE / "dicts" / f"{target}.dict").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('"') and line.endswith('"'):
            out.append(codecs.escape_decode(line[1:-1].encode("utf-8"))[0])
    return out


def mutate(data: bytes, rng: random.Random, pool: list[bytes], tokens: list[bytes]) -> bytes:
    """One to four random edits; each kind is what damaged exports look like."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        size = len(buf)
        pos = rng.randint(0, size)
        kind = rng.randrange(9)
        if kind == 0 and size:  # flip a bit
            i = rng.randrange(size)
            buf[i] ^= 1 << rng.randrange(8)
        elif kind == 1 and size:  # set a byte to an interesting value
            buf[rng.randrange(size)] = rng.choice(b"\x00\xff<>&\"'\r\n\\:;=,{}[]#x_")
        elif kind == 2:  # cut the tail (a truncated export)
            del buf[pos:]
        elif kind == 3 and size:  # delete a run
            del buf[pos : pos + rng.randint(1, 64)]
        elif kind == 4 and size:  # duplicate a run (repeated elements, nesting)
            run = bytes(buf[pos : pos + rng.randint(1, 256)])
            buf[pos:pos] = run * rng.randint(1, 8)
        elif kind == 5 and tokens:  # insert a format token
            buf[pos:pos] = rng.choice(tokens)
        elif kind == 6 and pool:  # splice in part of another input
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            buf[pos:pos] = other[start : start + rng.randint(1, 512)]
        elif kind == 7:  # change or add a byte order mark
            body = bytes(buf)
            for bom in _BOMS:
                body = body.removeprefix(bom)
            buf = bytearray(rng.choice((*_BOMS, b"")) + body)
        else:  # random bytes
            buf[pos:pos] = os.urandom(rng.randint(1, 16))
    return bytes(buf[:65536])


def _outcome(target: str, data: bytes) -> str:
    from exotls.errors import ExotlsError

    try:
        TARGETS[target](data)
    except ExotlsError as err:
        # The kind of error, not its details: quoted text, tags and numbers vary with every input.
        return type(err).__name__ + ":" + _DETAILS.sub("_", err.reason)[:60]
    return "ok"


def run_python(target: str, seconds: int, seed: int) -> dict[str, object]:
    artifacts = CRASHES / target
    artifacts.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = seed_inputs(target) or [b""]
    tokens = _tokens(target)
    outcomes: set[str] = set()
    found: list[str] = []
    execs = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        data = mutate(rng.choice(pool), rng, pool, tokens)
        execs += 1
        try:
            with deadline(HANG_SECONDS, target):
                kind = _outcome(target, data)
        except Hang:
            kind = "timeout"
        except Exception:
            kind = "crash"
            print(f"[{target}] {traceback.format_exc(limit=-3)}", file=sys.stderr)
        if kind in ("crash", "timeout"):
            name = artifacts / f"{kind}-{hashlib.sha1(data).hexdigest()}"
            if not name.exists():
                name.write_bytes(data)
                found.append(_shown(name))
                print(f"[{target}] {kind}: {name}", file=sys.stderr)
        elif kind not in outcomes:
            outcomes.add(kind)
            if len(pool) < MAX_POOL:
                pool.append(data)
    return {
        "target": target, "engine": "python", "seconds": seconds, "execs": execs,
        "outcomes": len(outcomes), "new_findings": found,
    }


# -- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="time per target (default 60)")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated: " + ", ".join(TARGETS))
    parser.add_argument("--engine", choices=("auto", "atheris", "python"), default="auto")
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "exotls-fuzz-corpus",
                        help="working corpus folder (kept between runs, outside the repository)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the python engine")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.targets.split(",") if n.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s): {', '.join(unknown)}")
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if atheris_available() else "python"
        if engine == "python":
            print("atheris is not installed: using the pure-Python mutation fuzzer", file=sys.stderr)
    results = []
    for name in names:
        print(f"fuzzing {name} with {engine} for {args.seconds} s", file=sys.stderr)
        if engine == "atheris":
            results.append(run_atheris(name, args.seconds, args.corpus / name))
        else:
            seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
            results.append(run_python(name, args.seconds, seed))
    print(json.dumps(results, indent=2))
    findings = sum(len(r["new_findings"]) for r in results)  # type: ignore[arg-type,misc]
    print(f"fuzz: {sum(int(r['execs']) for r in results)} executions, {findings} new finding(s)",  # type: ignore[call-overload]
          file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
