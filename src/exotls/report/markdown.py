"""Markdown to paste into a ticket or wiki: fleet, servers, findings by severity, unread files.

Dump text is escaped (markup characters and pipes get a backslash), so a server name can
neither break a table nor inject HTML or links into the page it is pasted into.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from exotls.checks.meta import RuleMeta
from exotls.model import Finding, Report, Severity
from exotls.report import display

__all__ = ["md_text", "render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~!#])")
_SAFE_URL = re.compile(r"^https?://[^\s<>()]+$")


def md_text(text: str) -> str:
    """Inline text with Markdown/HTML meaning removed; safe in a table cell too (pipes escaped)."""
    return _SPECIAL.sub(r"\\\1", display.plain(text))


def _link(url: str, text: str) -> str:
    return f"[{md_text(text)}]({url})" if _SAFE_URL.match(url) else md_text(url)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _fleet(report: Report) -> list[str]:
    counts = report.fleet.counts
    lines = [
        "## Fleet",
        "",
        f"**Fleet verdict: {report.fleet.verdict}** ({display.fleet_total(report)})",
        "",
        _row(["Verdict", "Servers", "Meaning"]),
        _row(["---", "---:", "---"]),
    ]
    lines += [_row([v, str(counts.get(v, 0)), display.VERDICT_HELP[v]]) for v in display.VERDICTS]
    lines += ["", f"**Tenant:** {md_text(display.org_line(report.organization))}", ""]
    return lines


def _servers(report: Report) -> list[str]:
    header = ["Server", "Release", *display.TLS_VERSIONS, ".NET", "Verdict"]
    lines = ["## Servers", "", _row(header), _row(["---"] * len(header))]
    for server in report.servers:
        verdict = display.server_verdict(server)
        lines.append(_row([
            md_text(server.name),
            md_text(display.release_label(server)),
            *(md_text(display.tls_state(server, v)) for v in display.TLS_VERSIONS),
            md_text(display.dotnet_state(server)),
            verdict,
        ]))
    if not report.servers:
        lines.append(_row(["(no servers in the dumps)", *[""] * (len(header) - 1)]))
    lines += [
        "",
        md_text(display.TLS_LEGEND),
        "",
    ]
    return lines


def _fence(lines: Sequence[str], indent: str) -> list[str]:
    """A fenced code block longer than any backtick run inside, so nothing can close it early."""
    body = [display.plain(line) for line in lines]
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *(indent + line for line in body), indent + fence]


def _plans(report: Report) -> list[str]:
    lines: list[str] = []
    for server in report.servers:
        legacy = server.legacy_tls
        if legacy is None:
            continue
        verdict = display.server_verdict(server)
        reason = display.verdict_reason(server)
        lines += [f"### {md_text(server.name)}: {verdict}", "", *([md_text(reason), ""] if reason else [])]
        for step in legacy.plan:
            lines.append(f"{step.order}. **{md_text(step.action)}**: {md_text(step.detail)}")
            code = display.plan_lines(step)
            if code:
                lines += ["", *_fence(code, "   "), ""]
        lines.append("")
    return ["## Plan per server", "", *lines] if lines else []


def _finding(finding: Finding, titles: Mapping[str, str]) -> list[str]:
    status = " *(rule error)*" if finding.status == "error" else ""
    lines = [f"- **{md_text(finding.rule)}** {md_text(finding.subject)}{status}: {md_text(finding.message)}"]
    if finding.remediation:
        lines.append(f"  - Fix: {md_text(finding.remediation)}")
    if finding.docs:
        title = titles.get(finding.rule, "documentation")
        lines.append(f"  - Docs: {_link(finding.docs, f'{finding.rule}: {title}')}")
    return lines


def _groups(title: str, groups: list[tuple[Severity, list[Finding]]], titles: Mapping[str, str]) -> list[str]:
    lines = [f"## {title}", ""]
    for severity, items in groups:
        lines += [f"### {severity.value.capitalize()} ({len(items)})", ""]
        for finding in items:
            lines += _finding(finding, titles)
        lines.append("")
    return lines


def _findings(report: Report, titles: Mapping[str, str]) -> list[str]:
    groups = display.findings_by_severity(report)
    lines = _groups("Findings", groups, titles) if groups else ["## Findings", "", "No findings to fix.", ""]
    unknown = display.findings_by_severity(report, display.UNKNOWN_STATUSES)
    if unknown:
        lines += _groups(display.UNKNOWN_HEADING, unknown, titles)
    suppressed = display.suppressed_findings(report)
    if suppressed:
        lines += [f"## Suppressed ({len(suppressed)})", ""]
        for f in suppressed:
            reason = md_text(f.suppression_reason or "no reason given")
            lines.append(f"- **{md_text(f.rule)}** {md_text(f.subject)}: {md_text(f.message)} Suppressed: {reason}")
        lines.append("")
    return lines


def _usage(report: Report) -> list[str]:
    usage = display.legacy_usage(report)
    if usage is None:
        return []
    rows, total, notes = usage
    lines = ["## Legacy TLS use (logs)", "", md_text(display.usage_caption(len(rows), total)), ""]
    if rows:
        lines += [_row(display.USAGE_COLUMNS), _row(["---"] * len(display.USAGE_COLUMNS))]
        lines += [_row([md_text(cell) for cell in row]) for row in rows]
        lines.append("")
    if notes:
        lines += [f"- {md_text(note)}" for note in notes] + [""]
    return lines


def _unread(report: Report) -> list[str]:
    unread = display.unread_inputs(report)
    if not unread:
        return []
    lines = ["## Files not read", "", _row(["File", "Status", "Why"]), _row(["---"] * 3)]
    lines += [_row([md_text(i.path), i.status, md_text(display.input_reason(i))]) for i in unread]
    return [*lines, ""]


def render_markdown(report: Report, *, rules: Sequence[RuleMeta] | None = None) -> str:
    """The report as GitHub-flavoured Markdown with a trailing newline."""
    releases = report.releases_as_of.isoformat() if report.releases_as_of else "unknown"
    titles = display.rule_titles(rules)
    lines = [
        "# exotls report",
        "",
        f"{md_text(report.tool.name)} {md_text(report.tool.version)} - as of {report.as_of.isoformat()}"
        f" - release data as of {releases}",
        "",
        *_fleet(report),
        *_servers(report),
        *_findings(report, titles),
        *_plans(report),
        *_usage(report),
        *_unread(report),
        f"**{display.summary_line(report)}**",
    ]
    # one blank line between blocks, however the sections ended (no line holds a newline)
    tidy = [line for i, line in enumerate(lines) if line or (i > 0 and lines[i - 1])]
    return "\n".join(tidy) + "\n"
