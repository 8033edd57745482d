"""The library as other tools use it: only names from ``exotls.__all__``."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

import exotls

SAMPLES = Path(str(files("exotls") / "samples"))
AS_OF = dt.date(2026, 11, 28)


def test_all_lists_only_names_that_exist() -> None:
    for name in exotls.__all__:
        assert getattr(exotls, name) is not None, name
    assert sorted(dir(exotls)) == sorted(exotls.__all__)


def test_public_functions_stay_functions_after_every_submodule_is_imported() -> None:
    # A submodule named like a public function would replace it on the package once imported.
    for module in ("exotls.pipeline", "exotls.readers", "exotls.checks", "exotls.releases", "exotls.report",
                   "exotls.usage", "exotls.extract", "exotls.cli"):
        importlib.import_module(module)
    for name in ("analyze", "read", "lookup", "rules"):
        assert callable(getattr(exotls, name)), name


def test_analyze_read_lookup_rules_on_the_samples() -> None:
    report = exotls.analyze([SAMPLES], as_of=AS_OF)
    assert isinstance(report, exotls.Report)
    assert report.fleet.counts == {
        verdict: sum(1 for s in report.servers if s.legacy_tls and s.legacy_tls.verdict == verdict)
        for verdict in ("ready", "blocked", "disabled", "unknown")
    }
    assert all(isinstance(f, exotls.Finding) for f in report.findings)
    assert json.loads(report.model_dump_json())["schema_version"] == report.schema_version

    doc = exotls.read(SAMPLES / "EX19-READY" / "SCHANNEL.reg")
    assert isinstance(doc, exotls.Document) and doc.format == "reg" and doc.encoding == "utf-16-le-bom"

    info = exotls.lookup("15.02.1748.043", as_of=AS_OF)
    assert isinstance(info, exotls.BuildInfo) and (info.product, info.build) == ("Exchange 2019", "15.2.1748.43")
    with pytest.raises(exotls.ExotlsError):
        exotls.lookup("v15.2")

    metas = exotls.rules()
    assert metas and all(isinstance(m, exotls.RuleMeta) for m in metas)
    assert [m.id for m in metas] == sorted(m.id for m in metas)


def test_read_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"Name": ', encoding="utf-8")
    with pytest.raises(exotls.ExotlsError) as caught:
        exotls.read(bad)
    assert str(bad) in str(caught.value)
    assert isinstance(caught.value, ValueError)  # the error family subclasses built-ins


def test_import_is_light() -> None:
    code = "import sys, exotls; print(sorted(m for m in ('pydantic', 'lxml', 'typer') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
