"""What the views show: per-version TLS words from the rules' state machine, .NET, labels, dispatch."""

from __future__ import annotations

import datetime as dt

import pytest

from exotls.errors import UsageError
from exotls.model import Organization, OsInfo, ReleaseRef, Report, Server, ToolInfo
from exotls.report import FORMATS, RENDERERS, display, render
from report_samples import sample_report, sample_rules


def _server(version: str, server: dict[str, int | None], client: dict[str, int | None] | None = None,
            family: str | None = None) -> Server:
    sides = {"Server": server, "Client": client if client is not None else dict(server)}
    return Server(name="S", schannel={version: sides}, os=OsInfo(family=family) if family else None)


@pytest.mark.parametrize(("version", "server", "client", "family", "word"), [
    ("TLS 1.0", {"Enabled": 0, "DisabledByDefault": 1}, None, None, "off"),
    ("TLS 1.0", {"Enabled": 0, "DisabledByDefault": None}, None, None, "off"),  # HC: absent DbD counts
    ("TLS 1.0", {"Enabled": 1, "DisabledByDefault": 0}, None, None, "on"),
    ("TLS 1.0", {"Enabled": 4294967295, "DisabledByDefault": 0}, None, None, "on"),  # any non-zero is true
    ("TLS 1.0", {"Enabled": None, "DisabledByDefault": None}, None, None, "on*"),  # HC default: enabled
    ("TLS 1.0", {"Enabled": 1, "DisabledByDefault": 1}, None, None, "half"),
    ("TLS 1.0", {"Enabled": 0, "DisabledByDefault": 0}, None, None, "half"),
    ("TLS 1.1", {"Enabled": 0, "DisabledByDefault": 1}, {"Enabled": 1, "DisabledByDefault": 0}, None, "mismatch"),
    ("TLS 1.3", {"Enabled": None, "DisabledByDefault": None}, None, None, "off*"),  # HC default: disabled
    ("TLS 1.3", {"Enabled": None, "DisabledByDefault": None}, None, "Windows Server 2022", "on*"),
    ("TLS 1.3", {"Enabled": None, "DisabledByDefault": None}, None, "Windows Server 2019", "n/a"),
])
def test_tls_state(version: str, server: dict[str, int | None], client: dict[str, int | None] | None,
                   family: str | None, word: str) -> None:
    assert display.tls_state(_server(version, server, client, family), version) == word


def test_tls_state_not_covered() -> None:
    assert display.tls_state(Server(name="S"), "TLS 1.0") == "?"
    one_side = Server(name="S", schannel={"TLS 1.0": {"Server": {"Enabled": 0, "DisabledByDefault": 1}}})
    assert display.tls_state(one_side, "TLS 1.0") == "?"


def test_tones_depend_on_version() -> None:
    assert display.state_tone("TLS 1.0", "on*") == "warn"
    assert display.state_tone("TLS 1.0", "off") == "good"
    assert display.state_tone("TLS 1.2", "on") == "good"
    assert display.state_tone("TLS 1.2", "off") == "bad"
    assert display.state_tone("TLS 1.3", "on*") == "neutral"
    assert display.state_tone("TLS 1.1", "mismatch") == "bad"


@pytest.mark.parametrize(("views", "word"), [
    ({"x64": {"SystemDefaultTlsVersions": 1, "SchUseStrongCrypto": 1},
      "x86": {"SystemDefaultTlsVersions": 1, "SchUseStrongCrypto": 1}}, "ok"),
    ({"x64": {"SystemDefaultTlsVersions": 1, "SchUseStrongCrypto": 1},
      "x86": {"SystemDefaultTlsVersions": None, "SchUseStrongCrypto": 1}}, "not set"),
    ({"x64": {"SystemDefaultTlsVersions": 2, "SchUseStrongCrypto": None}}, "off"),  # only 1 is true
    ({}, "?"),
])
def test_dotnet_state(views: dict[str, dict[str, int | None]], word: str) -> None:
    server = Server(name="S", dotnet={"v4.0.30319": views} if views else {})
    assert display.dotnet_state(server) == word


def test_release_label() -> None:
    e19 = "Exchange Server 2019"
    assert display.release_label(Server(name="S", build="15.2.1544.14",
                                        release=ReleaseRef(product=e19, name="CU14", exact=True))) == f"{e19} CU14"
    assert display.release_label(Server(name="S", build="15.2.1544.99",
                                        release=ReleaseRef(product=e19, name="CU14"))) == f"{e19} CU14 (~15.2.1544.99)"
    newer = Server(name="S", build="15.2.9999.1", release=ReleaseRef(product=e19, newer_than_table=True))
    assert display.release_label(newer) == f"{e19} (newer than table: 15.2.9999.1)"
    assert display.release_label(Server(name="S", build="15.2.1.1")) == "build 15.2.1.1"
    assert display.release_label(Server(name="S")) == "?"


def test_org_line_keeps_missing_null_and_false_apart() -> None:
    org = Organization(environment="exchange-online", verdict="legacy-tls-off")
    assert display.org_line(org).endswith("(AllowLegacyTLSClients not in the dumps)")
    org.settings["AllowLegacyTLSClients"] = None
    assert display.org_line(org).endswith("legacy TLS off (AllowLegacyTLSClients = $null)")
    org.settings["AllowLegacyTLSClients"] = False
    assert display.org_line(org).endswith("(AllowLegacyTLSClients = $false)")


def test_plain() -> None:
    assert display.plain("a\tb\r\nc\x00d\x1b[0m\u202e\x85") == "a b c\\x00d\\x1b[0m\\u202e\\x85"


def test_dispatch() -> None:
    assert FORMATS == ("table", "json", "sarif", "markdown", "html")
    report = sample_report()
    for fmt in FORMATS:
        text = render(report, fmt, rules=sample_rules())
        assert text.endswith("\n") and text == RENDERERS[fmt](report, rules=sample_rules())
    with pytest.raises(UsageError, match="unknown report format 'xml'"):
        render(report, "xml")


def test_findings_order_and_filter() -> None:
    report = sample_report()
    shown = display.shown_findings(report)
    assert [f.severity.rank for f in shown] == sorted((f.severity.rank for f in shown), reverse=True)
    assert {f.status for f in shown} == {"fail", "unknown", "error"}
    assert not any(f.suppressed for f in shown)
    assert [f.subject for f in display.suppressed_findings(report)] == ["EDGE01"]


def test_empty_views_render() -> None:
    empty = Report(tool=ToolInfo(version="0.1.0"), as_of=dt.date(2025, 1, 1))
    for fmt in FORMATS:
        assert render(empty, fmt).endswith("\n")
    assert "No findings to fix." in render(empty, "markdown")
    assert "No servers in the dumps." in render(empty, "html")
