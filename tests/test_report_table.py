"""Terminal table: every server and verdict, sections in order, no ANSI unless asked."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from exotls.model import Report, ToolInfo
from exotls.report import render
from report_samples import sample_report, sample_rules

ANSI = re.compile(r"\x1b\[")


def _table(**kwargs: object) -> str:
    return render(sample_report(**kwargs), "table", rules=sample_rules())  # type: ignore[arg-type]


def test_every_server_with_its_verdict_on_one_row() -> None:
    text = render(sample_report(), "table", width=140)
    for server in sample_report().servers:
        assert server.legacy_tls is not None
        row = next(line for line in text.splitlines() if line.startswith(server.name + " "))
        assert row.split()[-1] == server.legacy_tls.verdict


def test_row_states_and_release() -> None:
    text = render(sample_report(), "table", width=140)
    table = text[text.index("Server "):text.index("TLS states")]
    rows = {line.split()[0]: line for line in table.splitlines() if line}
    # EX01: TLS 1.0-1.2 Enabled=1 -> on; TLS 1.3 absent on WS2022 -> on* (OS default); .NET both 1 -> ok
    assert rows["EX01"].split()[-6:] == ["on", "on", "on", "on*", "ok", "ready"]
    assert "Exchange Server 2019 CU14 Nov24SU" in rows["EX01"]
    # EX02: 1.0/1.1 absent (WS2016 default on*), 1.2 Enabled=0, 1.3 not covered, .NET SchUseStrongCrypto=0
    assert rows["EX02"].split()[-6:] == ["on*", "on*", "off", "?", "off", "blocked"]
    # release unknown to the table: the build is shown instead
    assert "build 15.2.9999.1" in rows["EDGE01"]


def test_sections_in_order_and_summary_line() -> None:
    text = _table()
    order = [
        text.index("Fleet: blocked - 5 servers: 2 ready, 1 blocked, 1 disabled, 1 unknown"),
        text.index("AllowLegacyTLSClients = $true"),
        text.index("Release"),
        text.index("CRITICAL (1)"),
        text.index("HIGH (2)"),
        text.index("MEDIUM (1)"),
        text.index("LOW (1)"),
        text.index("INFO (1)"),
        text.index("Not checked: the dumps lack what these rules need"),
        text.index("NET001 EX04: No .NET registry export covers EX04."),
        text.index("Suppressed (1)"),
        text.index("dumps/broken.xml:3: not well-formed XML"),
    ]
    assert order == sorted(order)
    assert text.rstrip("\n").splitlines()[-1] == "6 files: 4 read, 1 error, 1 ignored"


def test_findings_show_fix_and_docs_but_not_passes() -> None:
    text = _table()
    assert "Fix: Install the latest Cumulative Update and Security Update." in text
    assert "Docs: https://github.com/exotls/exotls/blob/main/docs/rules/BLD001.md" in text
    assert "INP001 EX03 [rule error]: rule INP001 raised KeyError" in text
    assert "disabled on EX03" not in text  # the pass finding
    assert "not evaluated" not in text  # the not-applicable finding
    # the suppressed finding is listed with its reason, not among the findings to act on
    assert "TLS001 EDGE01: Edge kept on TLS 1.0" in text
    assert "TLS 1.0 is enabled on EDGE01" not in text


def test_no_ansi_without_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert not ANSI.search(_table())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(_table())
    monkeypatch.delenv("NO_COLOR")
    colored = render(sample_report(), "table", color=True)
    assert ANSI.search(colored)
    assert ANSI.sub("", colored).count("EX02") == _table().count("EX02")


def test_color_true_wins_over_env_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI decides (and applies NO_COLOR); the renderer does what it is told."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[32m" in render(sample_report(), "table", color=True)  # green "ready"


def test_width_is_fixed_not_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    text = render(sample_report(), "table")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert any(len(line) > 60 for line in text.splitlines())
    narrow = render(sample_report(), "table", width=60)
    assert max(len(line) for line in narrow.splitlines()) <= 60


def test_no_trailing_spaces_and_deterministic() -> None:
    text = _table()
    assert all(line == line.rstrip() for line in text.splitlines())
    assert text == _table()


def test_markup_and_escapes_from_dumps_are_inert() -> None:
    name = "[bold red]EX9[/]\x1b[2J\u202eevil"
    text = render(sample_report(first_name=name), "table", width=160)
    # markup printed as typed (not interpreted), ESC and the bidi override shown as escapes
    assert "[bold red]EX9[/]\\x1b[2J\\u202eevil" in text
    assert "\x1b" not in text and "\u202e" not in text


def test_empty_report() -> None:
    import datetime as dt

    text = render(Report(tool=ToolInfo(version="0.1.0"), as_of=dt.date(2025, 1, 1)), "table")
    assert "Fleet: unknown - 0 servers" in text
    assert "Findings: none to fix" in text
    assert "AllowLegacyTLSClients not in the dumps" in text
    assert text.rstrip().endswith("0 files: 0 read, 0 errors, 0 ignored")


def test_legacy_usage_section() -> None:
    text = render(sample_report(), "table", width=140)
    section = text[text.index("Legacy TLS use (logs)"):text.index("File not read")]
    assert "2 clients used TLS 1.0/1.1 or SSL." in section
    assert "10.0.8.21" in section and "10.0.9.40" in section
    assert "10.0.8.30" not in section  # the TLS 1.2 client is not legacy
    assert "Note: smtp-receive logs span 6.9 days" in section
    assert "Legacy TLS use" not in render(sample_report(usage=False), "table")


def test_report_usage_is_typed_so_a_wrong_shape_is_refused_when_the_report_is_built() -> None:
    with pytest.raises(ValidationError):
        Report.model_validate({**sample_report().model_dump(mode="json"), "usage": {"clients": "not a list"}})


def test_why_block() -> None:
    text = _table()
    why = text[text.index("Why\n"):text.index("Findings")]
    assert "EX02 blocked: Out-of-support build, TLS 1.2 disabled, .NET not on OS defaults." in why
    assert "EX04 unknown: Unknown because no SCHANNEL export for EX04; no .NET export for EX04" in why
    assert "EDGE01" not in why  # judged, but no reason to show
