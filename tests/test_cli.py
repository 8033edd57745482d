"""The CLI as users and CI run it: exit codes, pure machine output, colour, --output, determinism."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from exotls.cli import app

SAMPLES = Path(str(files("exotls") / "samples"))
FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = "2026-11-28"
ANSI = re.compile(r"\x1b\[")
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a subprocess: what CI and users actually run."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | (env or {})
    return subprocess.run([sys.executable, "-m", "exotls", *args], capture_output=True, text=True,
                          env=full_env, timeout=300, check=False)


@pytest.fixture(scope="module")
def sample_json() -> tuple[subprocess.CompletedProcess[str], dict]:
    proc = run("analyze", str(SAMPLES), "--format", "json", "--as-of", AS_OF)
    return proc, json.loads(proc.stdout)


def expected_exit(report: dict, fail_on: str) -> int:
    ranks = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
    return int(any(
        f["status"] in ("fail", "error") and not f["suppressed"] and ranks[f["severity"]] >= ranks[fail_on]
        for f in report["findings"]
    ))


def test_version_names_the_release_table_date() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert re.fullmatch(r"exotls \d+\.\d+\.\d+ \(release table as of \d{4}-\d{2}-\d{2}\)\n", proc.stdout)


def test_json_on_stdout_is_pure_and_exit_code_follows_fail_on(sample_json) -> None:
    proc, report = sample_json
    assert proc.stdout.lstrip().startswith("{")  # nothing before the JSON
    assert report["summary"]["files"] == report["summary"]["ok"] + report["summary"]["error"] + report["summary"]["ignored"]
    assert proc.returncode == expected_exit(report, "high")
    assert "files:" in proc.stderr  # the summary line goes to stderr
    for level in ("critical", "medium", "info"):
        again = run("analyze", str(SAMPLES), "-f", "json", "--as-of", AS_OF, "--fail-on", level, "-q")
        assert again.returncode == expected_exit(report, level), level
        assert again.stderr == ""  # -q: nothing on stderr


def test_exit_zero_and_fail_on_never_do_not_fail(sample_json) -> None:
    _, report = sample_json
    assert expected_exit(report, "low") == 1  # the samples do have findings
    assert run("analyze", str(SAMPLES), "-f", "json", "--exit-zero", "-q").returncode == 0
    assert run("analyze", str(SAMPLES), "-f", "json", "--fail-on", "never", "-q").returncode == 0


def test_no_usable_input_exits_2_and_names_the_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("just some notes\n", encoding="utf-8")
    (tmp_path / "bad.xml").write_bytes(b"<Objs Version='1.1.0.1'><Obj>")
    out = tmp_path / "report.json"
    proc = run("analyze", str(tmp_path), "-f", "json", "-o", str(out))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "bad.xml" in proc.stderr and "no usable input" in proc.stderr
    assert not out.exists()  # no empty or half file


def test_missing_path_is_reported_and_the_rest_analyzed(tmp_path: Path) -> None:
    proc = run("analyze", str(SAMPLES), str(tmp_path / "nope"), "-f", "json", "--exit-zero")
    report = json.loads(proc.stdout)
    missing = [i for i in report["inputs"] if i["path"].endswith("nope")]
    assert missing and missing[0]["status"] == "error" and "no such file" in missing[0]["error"]
    assert report["servers"]


def test_output_is_written_atomically_only_on_success(tmp_path: Path) -> None:
    out = tmp_path / "report.sarif"
    out.write_text("previous", encoding="utf-8")
    failed = run("analyze", str(tmp_path / "nothing-here"), "-o", str(out))
    assert failed.returncode == 2 and out.read_text(encoding="utf-8") == "previous"
    ok = run("analyze", str(SAMPLES), "-o", str(out), "--exit-zero")
    assert ok.returncode == 0 and ok.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == "2.1.0"  # format from the suffix
    assert [p.name for p in tmp_path.iterdir()] == ["report.sarif"]  # no temporary file left behind


def test_sarif_is_schema_valid_and_fingerprints_do_not_churn() -> None:
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    first = json.loads(run("analyze", str(SAMPLES), "-f", "sarif", "--as-of", AS_OF).stdout)
    later = json.loads(run("analyze", str(SAMPLES), "-f", "sarif", "--as-of", "2026-12-05").stdout)
    jsonschema.validate(first, schema)
    prints = lambda log: sorted(r["partialFingerprints"]["primaryLocationLineHash"] for r in log["runs"][0]["results"])  # noqa: E731
    assert prints(first) and prints(first) == prints(later)


def test_same_inputs_in_any_order_give_byte_identical_json() -> None:
    paths = sorted(str(p) for p in SAMPLES.rglob("*") if p.is_file())
    one = run("analyze", *paths, "-f", "json", "--as-of", AS_OF, "--exit-zero", "-q")
    two = run("analyze", *reversed(paths), "-f", "json", "--as-of", AS_OF, "--exit-zero", "-q", "--jobs", "2")
    assert one.stdout and one.stdout == two.stdout


def test_color_follows_option_and_no_color_wins() -> None:
    colored = run("analyze", str(SAMPLES), "-f", "table", "--color", "always", "--exit-zero", "-q")
    assert ANSI.search(colored.stdout)
    plain = run("analyze", str(SAMPLES), "-f", "table", "--color", "always", "--exit-zero", "-q", env={"NO_COLOR": "1"})
    assert not ANSI.search(plain.stdout)
    assert "EX19-READY" in plain.stdout


def test_env_vars_mirror_options() -> None:
    proc = run("analyze", str(SAMPLES), env={"EXOTLS_FORMAT": "markdown", "EXOTLS_EXIT_ZERO": "1", "EXOTLS_QUIET": "1"})
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("#") and "EX16-OLD" in proc.stdout


def test_html_is_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert run("analyze", str(SAMPLES), "-o", str(out), "--exit-zero").returncode == 0
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", html)
    for name in ("EX16-OLD", "EX19-NONET", "EX19-READY", "EX19-DONE", "EXSE-01"):
        assert name in html


def test_demo_runs_and_shows_the_sample_fleet() -> None:
    proc = run("demo", "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    for name in ("EX16-OLD", "EX19-NONET", "EX19-READY", "EX19-DONE", "EXSE-01"):
        assert name in proc.stdout
    assert "samples/" in proc.stdout or "samples/" in proc.stderr


def test_read_json_contract_for_a_reg_export() -> None:
    result = runner.invoke(app, ["read", str(FIXTURES / "extract" / "fleet" / "EX01" / "NETFramework.reg"), "-f", "json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)
    assert entry["format"] == "reg" and entry["encoding"] == "utf-16-le-bom"
    v4 = next(k for k in entry["objects"] if k["path"].endswith("v4.0.30319"))
    assert v4["values"]["SchUseStrongCrypto"] == {"type": "REG_DWORD", "data": 1}


def test_read_reports_a_bad_file_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": ', encoding="utf-8")
    result = runner.invoke(app, ["read", str(bad)])
    assert result.exit_code == 2
    assert "bad.json" in result.stderr


def test_build_json_and_invalid_strings() -> None:
    result = runner.invoke(app, ["build", "15.01.2507.006", "Version 15.2 (Build 1748.10)", "-f", "json", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.stdout)
    assert (first["build"], first["product"]) == ("15.1.2507.6", "Exchange 2016")
    assert (second["build"], second["product"]) == ("15.2.1748.10", "Exchange 2019")
    bad = runner.invoke(app, ["build", "v15.2", "-f", "json"])
    assert bad.exit_code == 2 and "v15.2" in bad.stderr


def test_rules_list_and_explain() -> None:
    listed = json.loads(runner.invoke(app, ["rules", "-f", "json"]).stdout)
    ids = [r["id"] for r in listed]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) and ids
    one = runner.invoke(app, ["rules", ids[0]])
    assert one.exit_code == 0 and ids[0] in one.stdout and "Docs:" in one.stdout
    assert runner.invoke(app, ["rules", "XYZ999"]).exit_code == 2


def test_schema_command_matches_the_published_schema() -> None:
    published = Path(__file__).parents[1] / "docs" / "report.schema.json"
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(published.read_text(encoding="utf-8")), (
        "docs/report.schema.json is out of date: run `make schema`"
    )


def test_collect_script_is_printed_and_written(tmp_path: Path) -> None:
    result = runner.invoke(app, ["collect-script"])
    assert result.exit_code == 0 and "Export-Clixml" in result.stdout
    out = tmp_path / "Collect-ExoTls.ps1"
    assert runner.invoke(app, ["collect-script", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == result.stdout


def test_json_to_a_file_is_the_same_bytes_as_json_to_stdout(tmp_path: Path, sample_json) -> None:
    out = tmp_path / "report.json"
    ok = run("analyze", str(SAMPLES), "--format", "json", "--as-of", AS_OF, "-o", str(out), "--exit-zero")
    assert ok.returncode == 0 and ok.stdout == ""
    assert out.read_bytes() == sample_json[0].stdout.encode("utf-8")


def test_a_report_that_fails_while_written_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exotls.report import jsonout

    def breaks_halfway(report: object) -> Iterator[bytes]:
        yield b'{\n  "schema_version": "1.0",'
        raise RuntimeError("serializer failed")

    monkeypatch.setattr(jsonout, "json_chunks", breaks_halfway)
    out = tmp_path / "report.json"
    out.write_text("previous", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(SAMPLES), "-f", "json", "-o", str(out), "--as-of", AS_OF])
    assert isinstance(result.exception, RuntimeError)
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_json_pieces_reach_a_stdout_that_has_no_byte_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    """An embedding host may replace sys.stdout with a text-only stream (no ``.buffer``)."""
    from exotls.cli import _write_output

    text_only = io.StringIO()
    monkeypatch.setattr(sys, "stdout", text_only)
    _write_output(iter(["{\"name\": \"SRV-Zürich\"}".encode(), b"\n"]), None)
    assert text_only.getvalue() == '{"name": "SRV-Zürich"}\n'
