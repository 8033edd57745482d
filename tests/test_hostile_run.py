"""A whole run over a ticket's worth of mixed inputs: nothing lost, nothing leaked, same answer.

* Nothing lost: every path given has an entry, the counts add up, the CLI's summary
  line says the same, a broken file never removes findings the good files give, and the
  exit code is 2 only when no input was usable.
* No leaks: a SecureString's content and a ScriptBlock's text never reach any report
  format; a SecureString never reaches ``exotls read`` either; nothing is executed (the
  process-spawning calls are made to fail and must never be called).
* No writes: the CLI runs in a subprocess with an empty working folder, an empty HOME and
  an empty TMPDIR; afterwards only the ``--output`` file is new anywhere we can see.
* Determinism: the same inputs in any order, serially or in a pool, give byte-identical JSON.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exotls.checks import rules
from exotls.cli import app
from exotls.model import Report
from exotls.pipeline import analyze
from exotls.report import render

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "exotls" / "samples"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
SECRETS = HOSTILE / "clixml" / "transportconfig_with_secrets.xml"
AS_OF = dt.date(2025, 6, 1)
FORMATS = ("table", "json", "sarif", "markdown", "html")
CANARY_SECRET = "53ecre7canary"
CANARY_SCRIPT = "exotls-script-canary"
SUMMARY = re.compile(r"^exotls: (\d+) files: (\d+) read, (\d+) errors, (\d+) ignored; ", re.MULTILINE)


def mixed_inputs(tmp_path: Path) -> Path:
    """The shipped sample fleet plus every hostile fixture, in one ticket folder."""
    ticket = tmp_path / "ticket"
    shutil.copytree(SAMPLES, ticket / "samples")
    shutil.copytree(HOSTILE, ticket / "hostile")
    return ticket


def all_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_every_path_given_is_accounted_for(tmp_path: Path) -> None:
    ticket = mixed_inputs(tmp_path)
    given = [*map(str, all_files(ticket)), str(tmp_path / "missing.xml")]
    report = analyze(given, as_of=AS_OF, jobs=1)
    assert sorted(i.path for i in report.inputs) == sorted(given)
    s = report.summary
    assert (s.files, s.ok + s.error + s.ignored) == (len(given), len(given))
    assert s.ok > 0 and s.error > 0 and s.ignored > 0


def _server_findings(report: Report, servers: set[str]) -> list[str]:
    # USE rules say whether usage logs were given; the hostile corpus holds one (csv_log.txt).
    return sorted(f.model_dump_json() for f in report.findings if f.subject in servers and not f.rule.startswith("USE"))


def test_broken_files_never_hide_the_good_files_findings(tmp_path: Path) -> None:
    alone = analyze([str(SAMPLES)], as_of=AS_OF, jobs=1)
    ticket = mixed_inputs(tmp_path)
    mixed = analyze([str(ticket / "samples"), str(ticket / "hostile")], as_of=AS_OF, jobs=1)
    names = {s.name for s in alone.servers}
    assert names and names <= {s.name for s in mixed.servers}
    relocated = [json.replace(str(ticket / "samples"), str(SAMPLES)) for json in _server_findings(mixed, names)]
    assert sorted(relocated) == _server_findings(alone, names)
    kept = [s.model_dump_json().replace(str(ticket / "samples"), str(SAMPLES)) for s in mixed.servers if s.name in names]
    assert kept == [s.model_dump_json() for s in alone.servers]


def _cli(args: list[str], cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXOTLS_")}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "exotls", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )


def test_cli_summary_line_matches_the_report_and_exit_codes(tmp_path: Path) -> None:
    ticket = mixed_inputs(tmp_path)
    out = tmp_path / "report.json"
    done = _cli(["analyze", str(ticket), "-o", str(out), "--exit-zero"], tmp_path)
    assert done.returncode == 0, done.stderr
    found = SUMMARY.search(done.stderr)
    assert found, done.stderr
    s = Report.model_validate_json(out.read_text(encoding="utf-8")).summary
    assert tuple(map(int, found.groups())) == (s.files, s.ok, s.error, s.ignored)
    assert s.files == len(all_files(ticket))
    # Only unusable input: exit 2, and each file's reason is on stderr.
    manifest = (HOSTILE / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in manifest if line and not line.startswith("#")]
    broken = [str(ticket / "hostile" / row[0]) for row in rows if row[4] != "ok"]
    done = _cli(["analyze", *broken, "-f", "json"], tmp_path)
    assert done.returncode == 2
    assert "no usable input" in done.stderr and "ZIP archive" in done.stderr
    # The same broken files next to one usable export: not exit 2.
    done = _cli(["analyze", *broken, str(SAMPLES / "EX19-READY"), "-f", "json", "--exit-zero"], tmp_path)
    assert done.returncode == 0, done.stderr


def _snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    state = {}
    for folder in folders:
        for path in folder.rglob("*"):
            info = path.lstat()
            state[str(path)] = (info.st_size, info.st_mtime_ns)
    return state


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_writes_nothing_but_its_output(tmp_path: Path, jobs: str) -> None:
    ticket = mixed_inputs(tmp_path)
    work, home, temp, outdir = (tmp_path / name for name in ("cwd", "home", "tmp", "out"))
    for folder in (work, home, temp, outdir):
        folder.mkdir()
    env = {"HOME": str(home), "TMPDIR": str(temp), "XDG_CACHE_HOME": str(home / ".cache"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    before = _snapshot(work, home, temp, outdir, ticket)
    target = outdir / "report.html"
    done = _cli(["analyze", str(ticket), "-o", str(target), "--exit-zero", "-j", jobs], work, env)
    assert done.returncode == 0, done.stderr
    for command in (["analyze", str(ticket), "-f", "sarif", "--exit-zero"], ["read", str(SECRETS), "-f", "json"]):
        assert _cli(command, work, env).returncode == 0
    after = _snapshot(work, home, temp, outdir, ticket)
    assert {k: v for k, v in after.items() if k != str(target)} == before
    assert str(target) in after and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_secrets_never_reach_any_output(monkeypatch: pytest.MonkeyPatch) -> None:
    spawned: list[str] = []

    def refuse(name: str) -> object:
        def call(*_args: object, **_kwargs: object) -> None:
            spawned.append(name)
            raise AssertionError(f"exotls tried to run a process via {name}")

        return call

    for module, name in ((subprocess, "Popen"), (os, "system"), (os, "popen"), (os, "posix_spawn"),
                         (os, "posix_spawnp"), (os, "execv"), (os, "execve"), (os, "fork")):
        monkeypatch.setattr(module, name, refuse(name))
    report = analyze([str(SECRETS), str(SAMPLES)], as_of=AS_OF, jobs=1)
    assert next(i for i in report.inputs if i.path == str(SECRETS)).status == "ok"
    outputs = {fmt: render(report, fmt, rules=rules()) for fmt in FORMATS}
    outputs["model"] = repr(report) + report.model_dump_json()
    runner = CliRunner()
    for fmt in ("json", "table"):
        result = runner.invoke(app, ["read", str(SECRETS), "-f", fmt])
        assert result.exit_code == 0, result.output
        outputs[f"read {fmt}"] = result.output
    for name, text in outputs.items():
        assert CANARY_SECRET not in text, f"SecureString content in {name}"
        if not name.startswith("read"):
            assert CANARY_SCRIPT not in text, f"ScriptBlock text in {name}"
    assert '"secure_string": true' in outputs["read json"]
    assert spawned == []


def test_same_inputs_in_any_order_give_identical_json(tmp_path: Path) -> None:
    ticket = mixed_inputs(tmp_path)
    files = [str(p) for p in all_files(ticket)]
    baseline = render(analyze(files, as_of=AS_OF, jobs=1), "json")
    shuffled = list(files)
    for seed in (1, 2):
        random.Random(seed).shuffle(shuffled)
        assert render(analyze(shuffled, as_of=AS_OF, jobs=1), "json") == baseline
    assert render(analyze(list(reversed(files)), as_of=AS_OF, jobs=2), "json") == baseline
    folders = [str(ticket / "hostile"), str(ticket / "samples")]
    assert render(analyze(folders, as_of=AS_OF, jobs=1), "json") == render(
        analyze(folders[::-1], as_of=AS_OF, jobs=1), "json"
    )
