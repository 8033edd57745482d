"""Every rule has its documentation page, and the rules index cannot drift from the registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from exotls.checks import rules
from exotls.checks.docs import BEGIN, END, update_index

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"
IDS = [meta.id for meta in rules()]


@pytest.mark.parametrize("rule_id", IDS)
def test_rule_page_exists_and_matches_metadata(rule_id: str) -> None:
    meta = next(m for m in rules() if m.id == rule_id)
    page = DOCS / f"{rule_id}.md"
    assert page.is_file(), f"missing {page}"
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"# {meta.id}: {meta.title}\n")
    for section in (
        "## What it checks",
        "## Why",
        "## Remediation",
        "## How exotls differs from HealthChecker",
        "## Sources",
    ):
        assert section in text, f"{rule_id}.md lacks {section}"
    sources = text.split("## Sources", 1)[1]
    for source in meta.sources:
        assert source in sources, f"{rule_id}.md does not cite {source}"
    assert f"| Severity | {meta.severity.value} |" in text
    assert meta.docs_url.endswith(f"docs/rules/{rule_id}.md")


def test_no_page_without_a_rule() -> None:
    pages = {path.stem for path in DOCS.glob("*.md")} - {"index"}
    assert pages == set(IDS)


def test_index_table_is_generated_from_the_registry() -> None:
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    assert update_index(text) == text, "run: python -m exotls.checks.docs docs/rules/index.md"
    for rule_id in IDS:
        assert f"[{rule_id}]({rule_id}.md)" in text
