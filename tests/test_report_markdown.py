"""Markdown: sections for a ticket, escaped cells, findings grouped by severity."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from exotls.report import render
from exotls.report.markdown import md_text
from report_samples import HOSTILE_NAME, sample_report, sample_rules


def _md(first_name: str = "EX01") -> str:
    return render(sample_report(first_name=first_name), "markdown", rules=sample_rules())


def _table_rows(text: str, header: str) -> list[list[str]]:
    lines = text.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        # split on pipes that are not escaped
        cells, cell, escaped = [], "", False
        for ch in line[1:-1]:
            if ch == "|" and not escaped:
                cells.append(cell.strip())
                cell = ""
            else:
                cell += ch
            escaped = ch == "\\" and not escaped
        rows.append([*cells, cell.strip()])
    return rows


SERVER_HEADER = "| Server | Release | TLS 1.0 | TLS 1.1 | TLS 1.2 | TLS 1.3 | .NET | Verdict |"


def test_sections() -> None:
    text = _md()
    heads = [line for line in text.splitlines() if line.startswith("#")]
    assert heads == [
        "# exotls report", "## Fleet", "## Servers", "## Findings", "### Critical (1)", "### High (2)",
        "### Medium (1)", "### Low (1)", "### Info (1)", "## Not checked: the dumps lack what these rules need",
        "### High (1)", "## Suppressed (1)", "## Plan per server", "### EX01: ready", "### EX02: blocked",
        "### EX03: disabled", "### EX04: unknown", "### EDGE01: ready", "## Legacy TLS use (logs)",
        "## Files not read",
    ]
    assert "**Fleet verdict: blocked** (5 servers)" in text
    assert "| ready | 2 | TLS 1.0/1.1 can be disabled now |" in text
    assert "AllowLegacyTLSClients = $true" in text
    assert text.endswith("**6 files: 4 read, 1 error, 1 ignored**\n")


def test_server_rows() -> None:
    rows = _table_rows(_md(), SERVER_HEADER)
    assert [r[0] for r in rows] == ["EX01", "EX02", "EX03", "EX04", "EDGE01"]
    assert all(len(r) == 8 for r in rows)
    assert rows[1][2:] == [r"on\*", r"on\*", "off", "?", "off", "blocked"]  # * escaped


def test_findings_with_remediation_and_docs() -> None:
    text = _md()
    assert "- **BLD001** EX02: EX02 runs Exchange Server 2016 CU22 (15.1.2375.7), which is out of support." in text
    assert "  - Fix: Install the latest Cumulative Update and Security Update." in text
    assert ("  - Docs: [BLD001: Exchange build is out of support]"
            "(https://github.com/exotls/exotls/blob/main/docs/rules/BLD001.md)") in text
    assert "- **NET001** EX04: No .NET registry export covers EX04." in text
    assert text.index("- **NET001** EX04") > text.index("## Not checked")
    assert "- **INP001** EX03 *(rule error)*: rule INP001 raised KeyError" in text
    assert "disabled on EX03" not in text
    assert "- **TLS001** EDGE01: TLS 1.0 is enabled on EDGE01 (Server Enabled=1). Suppressed: Edge kept on" in text


def test_pipes_and_markup_escaped() -> None:
    text = _md(HOSTILE_NAME)
    rows = _table_rows(text, SERVER_HEADER)
    assert len(rows[0]) == 8  # pipes in the name did not add cells
    assert rows[0][0] == r'\<script\>alert("x")\</script\>\|EX\|'
    assert "<script>" not in text


def test_md_text() -> None:
    assert md_text("a|b") == r"a\|b"
    assert md_text("*x* _y_ [l](u) `c` <b> &amp;") == r"\*x\* \_y\_ \[l\](u) \`c\` \<b\> \&amp;"
    assert md_text("line1\nline2\r\n") == "line1 line2 "
    assert md_text("C:\\x") == "C:\\\\x"


def test_unsafe_docs_link_is_not_a_link() -> None:
    report = sample_report()
    report.findings[1].docs = "javascript:alert(1)"
    text = render(report, "markdown")
    assert "(javascript:" not in text and "javascript:alert(1)" in text


def test_legacy_usage_section() -> None:
    text = _md()
    header = "| Version | Source | Server | Client | Count | Who | Last seen (UTC) |"
    rows = _table_rows(text, header)
    assert rows == [
        ["TLS 1.0", "smtp-receive", "EX01", "10.0.8.21", "412 sessions", "scanner@contoso.com", "2025-02-20 14:05"],
        ["TLS 1.1", "iis", "EX01", "10.0.9.40", "37 requests", r"CONTOSO\\svc-crm", "2025-02-20 14:05"],
    ]
    assert "2 clients used TLS 1.0/1.1 or SSL." in text
    assert "- smtp-receive logs span 6.9 days" in text
    assert "## Legacy TLS use" not in render(sample_report(usage=False), "markdown")


def test_plan_steps_with_commands_or_registry() -> None:
    text = _md()
    plan = text[text.index("### EX01: ready"):text.index("### EX03")]
    assert "2. **disable-legacy-tls**: Disable TLS 1.0 on Server (Enabled=0)." in plan
    assert '   reg add "HKLM\\SYSTEM\\CurrentControlSet' in plan  # raw inside the code fence
    # a step with registry changes and no commands lists the changes
    assert "TLS 1.2\\Server  Enabled  REG_DWORD  1" in plan
    assert "\n\n\n" not in text


def test_fence_cannot_be_closed_by_the_content() -> None:
    report = sample_report()
    legacy = report.servers[0].legacy_tls
    assert legacy is not None
    legacy.plan[0].commands = ["echo ```", "# heading?"]
    text = render(report, "markdown")
    assert "   ````\n   echo ```\n   # heading?\n   ````" in text


@settings(max_examples=200, deadline=None)
@given(name=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_server_name_keeps_the_table_shape(name: str) -> None:
    rows = _table_rows(render(sample_report(first_name=name), "markdown", rules=()), SERVER_HEADER)
    assert len(rows) == 5 and all(len(r) == 8 for r in rows)
    assert "\n" not in rows[0][0]
