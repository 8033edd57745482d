"""The report docs keep up with the code: every JSON field explained, every CI flag real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exotls import model
from exotls.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs"
MODELS = [
    model.Report, model.ToolInfo, model.Summary, model.InputFile, model.Organization, model.Server,
    model.ReleaseRef, model.OsInfo, model.RegistryAnomaly, model.Conflict, model.LegacyTls, model.PlanStep,
    model.RegistryChange, model.Finding, model.Fleet, model.Source,
]


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_json_field_is_explained(cls: type[model.BaseModel]) -> None:
    text = (DOCS / "report.md").read_text(encoding="utf-8")
    missing = [name for name in cls.model_fields if f"`{name}`" not in text]
    assert not missing, f"docs/report.md does not explain {cls.__name__}.{missing}"


def test_ci_doc_flags_exist() -> None:
    text = (DOCS / "ci.md").read_text(encoding="utf-8")
    assert "exotls analyze dumps/ --format sarif --output exotls.sarif --exit-zero" in text
    assert "security-events: write" in text and "github/codeql-action/upload-sarif@" in text
    flags = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text))
    help_text = CliRunner().invoke(app, ["analyze", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}).output
    unknown = sorted(f for f in flags if f not in help_text)
    assert not unknown, f"docs/ci.md mentions options `exotls analyze` does not have: {unknown}"
    assert {"--exit-zero", "--fail-on", "--as-of", "--format", "--output"} <= flags
