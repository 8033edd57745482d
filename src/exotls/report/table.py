"""The terminal view: fleet, servers, findings to act on, unread files, and counts that add up.

Every string from a dump goes through ``Text`` (never rich markup, so ``[bold]`` in a
server name prints as typed) after ``display.plain`` (so ESC cannot reach the terminal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import StringIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from exotls.checks.meta import RuleMeta
from exotls.model import Finding, Report, Severity
from exotls.report import display

__all__ = ["DEFAULT_WIDTH", "render_table"]

DEFAULT_WIDTH = 100

VERDICT_STYLE: Mapping[str, str] = {
    "ready": "green",
    "blocked": "bold red",
    "disabled": "cyan",
    "unknown": "yellow",
}
SEVERITY_STYLE: Mapping[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
TONE_STYLE: Mapping[display.Tone, str] = {"good": "green", "warn": "yellow", "bad": "bold red", "neutral": "dim"}


def _t(text: str, style: str = "") -> Text:
    return Text(display.plain(text), style=style)


def _header(report: Report) -> Text:
    releases = report.releases_as_of.isoformat() if report.releases_as_of else "unknown"
    return _t(
        f"{report.tool.name} {report.tool.version} - as of {report.as_of.isoformat()}"
        f" - release data as of {releases}",
        "dim",
    )


def _fleet(report: Report) -> Text:
    verdict = report.fleet.verdict
    rest = display.fleet_line(report).split(" - ", 1)[1]
    return Text.assemble(
        ("Fleet: ", "bold"),
        (verdict, VERDICT_STYLE.get(verdict, "")),
        f" - {rest}\n",
        _t(display.org_line(report.organization)),
    )


def _servers(report: Report) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("Server", overflow="fold")
    table.add_column("Release", overflow="fold")
    for version in display.TLS_VERSIONS:
        table.add_column(version, no_wrap=True)
    table.add_column(".NET", no_wrap=True)
    table.add_column("Verdict", no_wrap=True)
    for server in report.servers:
        verdict = display.server_verdict(server)
        states = [(v, display.tls_state(server, v)) for v in display.TLS_VERSIONS]
        dotnet = display.dotnet_state(server)
        table.add_row(
            _t(server.name, "bold"),
            _t(display.release_label(server)),
            *(_t(s, TONE_STYLE[display.state_tone(v, s)]) for v, s in states),
            _t(dotnet, TONE_STYLE[display.dotnet_tone(dotnet)]),
            _t(verdict, VERDICT_STYLE.get(verdict, "")),
        )
    return table


def _finding(finding: Finding) -> RenderableType:
    head = Text()
    head.append(finding.rule, "bold")
    head.append(" ")
    head.append(display.plain(finding.subject), "bold")
    if finding.status == "error":
        head.append(" [rule error]", "yellow")
    head.append(": ")
    head.append(display.plain(finding.message))
    details = [head]
    if finding.remediation:
        details.append(Text.assemble(("Fix: ", "bold"), display.plain(finding.remediation)))
    if finding.docs:
        details.append(Text.assemble(("Docs: ", "bold"), (display.plain(finding.docs), "blue")))
    return Padding(Group(*details), (0, 0, 0, 2))


def _reasons(report: Report) -> list[RenderableType]:
    lines = []
    for server in report.servers:
        verdict = display.server_verdict(server)
        reason = display.verdict_reason(server)
        if reason:
            lines.append(Text.assemble(
                (display.plain(server.name), "bold"), " ", (verdict, VERDICT_STYLE.get(verdict, "")),
                ": ", display.plain(reason),
            ))
    if not lines:
        return []
    tail = Text("Step-by-step plans per server: --format markdown or --format html.", style="dim")
    return [Group(Text("Why", style="bold underline"), *lines, tail)]


def _groups(title: str, groups: list[tuple[Severity, list[Finding]]]) -> list[RenderableType]:
    parts: list[RenderableType] = [Text(title, style="bold underline")]
    for severity, items in groups:
        parts.append(Text(f"{severity.value.upper()} ({len(items)})", style=SEVERITY_STYLE[severity]))
        parts.extend(_finding(f) for f in items)
    return parts


def _findings(report: Report) -> list[RenderableType]:
    groups = display.findings_by_severity(report)
    parts: list[RenderableType] = [Text("Findings: none to fix", style="bold green")]
    if groups:
        parts = _groups("Findings", groups)
    unknown = display.findings_by_severity(report, display.UNKNOWN_STATUSES)
    if unknown:
        parts += _groups(display.UNKNOWN_HEADING, unknown)
    suppressed = display.suppressed_findings(report)
    if suppressed:
        parts.append(Text(f"Suppressed ({len(suppressed)})", style="dim bold"))
        for f in suppressed:
            reason = f.suppression_reason or "no reason given"
            parts.append(Padding(_t(f"{f.rule} {f.subject}: {reason}", "dim"), (0, 0, 0, 2)))
    return parts


def _usage(report: Report) -> list[RenderableType]:
    usage = display.legacy_usage(report)
    if usage is None:
        return []
    rows, total, notes = usage
    parts: list[RenderableType] = [
        Text("Legacy TLS use (logs)", style="bold underline"),
        _t(display.usage_caption(len(rows), total), "bold red" if total else "green"),
    ]
    if rows:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
        for column in display.USAGE_COLUMNS:
            table.add_column(column, overflow="fold", no_wrap=column in {"Version", "Count"})
        for row in rows:
            table.add_row(*(_t(cell) for cell in row))
        parts.append(table)
    parts.extend(_t(f"Note: {note}", "dim") for note in notes)
    return parts


def _unread(report: Report) -> list[RenderableType]:
    unread = display.unread_inputs(report)
    if not unread:
        return []
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("File not read", overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Why", overflow="fold")
    for item in unread:
        style = "red" if item.status == "error" else "dim"
        table.add_row(_t(item.path), _t(item.status, style), _t(display.input_reason(item)))
    return [table]


def render_table(
    report: Report,
    *,
    color: bool = False,
    width: int | None = None,
    rules: Sequence[RuleMeta] | None = None,
) -> str:
    """The report as terminal text; ANSI styles only when ``color`` (the caller applies NO_COLOR).

    ``width`` defaults to ``DEFAULT_WIDTH`` rather than the terminal's, so output never
    depends on where it runs; ``rules`` is accepted for a uniform signature and unused.
    """
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=width or DEFAULT_WIDTH,
        color_system="standard" if color else None,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    blocks: list[RenderableType] = [
        _header(report),
        _fleet(report),
        _servers(report),
        _t(display.TLS_LEGEND, "dim"),
        *_reasons(report),
        *_findings(report),
        *_usage(report),
        *_unread(report),
        Text(display.summary_line(report), style="bold"),
    ]
    for block in blocks:
        console.print(block)
        console.print()
    lines = [line.rstrip(" ") for line in buffer.getvalue().rstrip("\n").split("\n")]
    return "\n".join(lines) + "\n"
