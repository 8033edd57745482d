"""One self-contained HTML file: inline CSS, inline JS, inline SVG; nothing fetched, ever.

Every string from a dump is HTML-escaped, and a Content-Security-Policy that allows only
the exact inline style and script (by hash) backs that up: an injected ``<script>`` would
not run even if escaping were missed. The output is deterministic (no dates, no ids).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from collections.abc import Mapping, Sequence
from importlib import resources

from exotls.checks.meta import RuleMeta
from exotls.model import Finding, PlanStep, Report, Server, Severity
from exotls.report import display

__all__ = ["SORT_KEYS", "render_html"]

# Column key (used by #sort=<key>-<dir>), header text.
SORT_KEYS: tuple[tuple[str, str], ...] = (
    ("name", "Server"),
    ("release", "Release"),
    ("tls10", "TLS 1.0"),
    ("tls11", "TLS 1.1"),
    ("tls12", "TLS 1.2"),
    ("tls13", "TLS 1.3"),
    ("dotnet", ".NET"),
    ("verdict", "Verdict"),
)
_SAFE_URL = re.compile(r"^https?://[^\s<>\"']+$")

# Chart geometry (SVG user units).
_LABEL_W, _BAR_W, _ROW_H, _BAR_H, _PAD = 80, 220, 30, 18, 6


@functools.cache
def _asset(name: str) -> str:
    return (resources.files("exotls.report") / "assets" / name).read_text(encoding="utf-8")


def _e(text: str) -> str:
    """Escape dump text for element content and double-quoted attributes."""
    return html.escape(display.plain(text), quote=True)


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _chart(report: Report) -> str:
    counts = [(v, report.fleet.counts.get(v, 0)) for v in display.VERDICTS]
    top = max([c for _, c in counts] + [1])
    height = _ROW_H * len(counts) + _PAD
    width = _LABEL_W + _BAR_W + 40
    alt = ", ".join(f"{c} {v}" for v, c in counts)
    rows = []
    for i, (verdict, count) in enumerate(counts):
        y = _PAD + i * _ROW_H
        bar = round(_BAR_W * count / top)
        rows.append(
            f'<g class="bar bar-{verdict}" data-verdict="{verdict}" data-count="{count}">'
            f'<text x="0" y="{y + _BAR_H - 4}">{verdict}</text>'
            f'<rect x="{_LABEL_W}" y="{y}" width="{bar}" height="{_BAR_H}" rx="3"></rect>'
            f'<text class="count" x="{_LABEL_W + bar + _PAD}" y="{y + _BAR_H - 4}">{count}</text></g>'
        )
    return (
        '<figure id="verdict-chart">'
        f'<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}">'
        '<title id="chart-title">Servers by verdict</title>'
        f'<desc id="chart-desc">{_e(alt)}</desc>'
        f'<line class="axis" x1="{_LABEL_W}" y1="0" x2="{_LABEL_W}" y2="{height}"></line>'
        + "".join(rows)
        + "</svg>"
        f'<figcaption id="chart-text">{_e(display.fleet_total(report))}: {_e(alt)}</figcaption>'
        "</figure>"
    )


def _summary(report: Report) -> str:
    verdict = report.fleet.verdict
    org = report.organization
    facts = [
        ("Fleet", f'<span class="verdict v-{verdict}">{verdict}</span> ({_e(display.fleet_total(report))})'),
        ("Tenant", _e(display.org_line(org))),
        ("Files", _e(display.summary_line(report))),
        ("Findings", _e(f"{len(display.shown_findings(report, display.ACT_STATUSES))} to fix, "
                        f"{len(display.shown_findings(report, display.UNKNOWN_STATUSES))} not checked, "
                        f"{len(display.suppressed_findings(report))} suppressed")),
    ]
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    return (
        '<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Fleet</h2>'
        f'<p class="fleet-verdict" id="fleet-verdict">Fleet verdict: '
        f'<strong class="verdict v-{verdict}">{verdict}</strong></p>'
        f'<div class="summary"><div class="panel">{_chart(report)}</div>'
        f'<dl class="facts panel">{rows}</dl></div></section>'
    )


def _cell(text: str, sort: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f'<td{klass} data-sort="{_e(sort)}">{_e(text)}</td>'


def _server_row(server: Server) -> str:
    verdict = display.server_verdict(server)
    cells = [
        f'<th scope="row" data-sort="{_e(server.name)}">{_e(server.name)}</th>',
        _cell(display.release_label(server), server.build or display.release_label(server)),
    ]
    for version in display.TLS_VERSIONS:
        state = display.tls_state(server, version)
        tone = display.state_tone(version, state)
        cells.append(_cell(state, f"{display.state_rank(state)}-{state}", f"state t-{tone}"))
    dotnet = display.dotnet_state(server)
    tone = display.dotnet_tone(dotnet)
    cells.append(_cell(dotnet, f"{display.DOTNET_URGENCY[dotnet]}-{dotnet}", f"state t-{tone}"))
    cells.append(_cell(verdict, f"{display.VERDICT_URGENCY[verdict]}-{verdict}", f"verdict v-{verdict}"))
    return f'<tr data-server="{_e(server.name)}">{"".join(cells)}</tr>'


def _servers(report: Report) -> str:
    heads = "".join(
        f'<th scope="col" data-key="{key}" aria-sort="none"><button type="button">{label}</button></th>'
        for key, label in SORT_KEYS
    )
    body = "".join(_server_row(s) for s in report.servers)
    if not report.servers:
        body = f'<tr><td colspan="{len(SORT_KEYS)}">No servers in the dumps.</td></tr>'
    return (
        f'<section id="servers" aria-labelledby="servers-h"><h2 id="servers-h">Servers ({len(report.servers)})</h2>'
        f'<p class="hint">Select a column header to sort. {_e(display.TLS_LEGEND)}</p>'
        f'<p id="sort-status" class="visually-hidden" aria-live="polite"></p>'
        f'<table id="server-table"><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table></section>'
    )


def _link(url: str, text: str) -> str:
    if _SAFE_URL.match(url):
        return f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer">{_e(text)}</a>'
    return _e(url)


def _finding(finding: Finding, titles: Mapping[str, str]) -> str:
    sev = finding.severity.value
    status = ' <span class="status">rule error</span>' if finding.status == "error" else ""
    parts = [
        f'<p><span class="rule">{_e(finding.rule)}</span> <span class="subject">{_e(finding.subject)}</span>'
        f"{status}</p>",
        f'<p class="message">{_e(finding.message)}</p>',
    ]
    if finding.remediation:
        parts.append(f'<p class="fix"><strong>Fix:</strong> {_e(finding.remediation)}</p>')
    if finding.docs:
        title = titles.get(finding.rule, "documentation")
        parts.append(f'<p class="docs">{_link(finding.docs, f"{finding.rule}: {title}")}</p>')
    return f'<li class="finding {sev}" data-rule="{_e(finding.rule)}">{"".join(parts)}</li>'


def _groups(groups: list[tuple[Severity, list[Finding]]], titles: Mapping[str, str]) -> str:
    out = []
    for severity, items in groups:
        sev = severity.value
        out.append(f'<h3><span class="sev sev-{sev}">{sev.capitalize()}</span> {len(items)}</h3>')
        out.append('<ul class="findings">' + "".join(_finding(f, titles) for f in items) + "</ul>")
    return "".join(out)


def _findings(report: Report, titles: Mapping[str, str]) -> str:
    groups = display.findings_by_severity(report)
    total = sum(len(items) for _, items in groups)
    out = [
        f'<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings ({total})</h2>',
        _groups(groups, titles) if groups else "<p>No findings to fix.</p>",
        "</section>",
    ]
    unknown = display.findings_by_severity(report, display.UNKNOWN_STATUSES)
    if unknown:
        count = sum(len(items) for _, items in unknown)
        out.append(
            f'<section id="unchecked" aria-labelledby="unchecked-h"><h2 id="unchecked-h">'
            f"{_e(display.UNKNOWN_HEADING)} ({count})</h2>{_groups(unknown, titles)}</section>"
        )
    suppressed = display.suppressed_findings(report)
    if suppressed:
        out.append(
            f'<section id="suppressed" aria-labelledby="suppressed-h"><h2 id="suppressed-h">'
            f'Suppressed ({len(suppressed)})</h2><ul class="findings">'
        )
        for f in suppressed:
            reason = f.suppression_reason or "no reason given"
            out.append(
                f'<li class="finding suppressed" data-rule="{_e(f.rule)}"><p><span class="rule">{_e(f.rule)}</span>'
                f' <span class="subject">{_e(f.subject)}</span>: {_e(f.message)}</p>'
                f'<p class="muted">Suppressed: {_e(reason)}</p></li>'
            )
        out.append("</ul></section>")
    return "".join(out)


def _plan_step(step: PlanStep) -> str:
    code = display.plan_lines(step)
    block = f"<pre><code>{_e(chr(10).join(code))}</code></pre>" if code else ""
    return f'<li><strong>{_e(step.action)}</strong>: {_e(step.detail)}{block}</li>'


def _plans(report: Report) -> str:
    items = []
    for server in report.servers:
        legacy = server.legacy_tls
        if legacy is None:
            continue
        verdict = display.server_verdict(server)
        steps = "".join(_plan_step(step) for step in legacy.plan)
        items.append(
            f'<details class="plan" data-server="{_e(server.name)}"><summary><strong>{_e(server.name)}</strong> '
            f'<span class="verdict v-{verdict}">{verdict}</span>: {_e(display.verdict_reason(server))}</summary>'
            + (f"<ol>{steps}</ol>" if steps else "<p>No steps.</p>")
            + "</details>"
        )
    if not items:
        return ""
    return (
        '<section id="plans" aria-labelledby="plans-h"><h2 id="plans-h">Plan per server</h2>'
        '<p class="hint">Microsoft\'s order: update, .NET, enable TLS 1.2, reboot, verify, disable, reboot.</p>'
        + "".join(items) + "</section>"
    )


def _usage(report: Report) -> str:
    usage = display.legacy_usage(report)
    if usage is None:
        return ""
    rows, total, notes = usage
    out = [
        '<section id="usage" aria-labelledby="usage-h"><h2 id="usage-h">Legacy TLS use (logs)</h2>',
        f'<p class="{"t-bad" if total else "t-good"}">{_e(display.usage_caption(len(rows), total))}</p>',
    ]
    if rows:
        head = "".join(f'<th scope="col">{c}</th>' for c in display.USAGE_COLUMNS)
        body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>" for row in rows)
        out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    if notes:
        out.append('<ul class="muted">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    out.append("</section>")
    return "".join(out)


def _unread(report: Report) -> str:
    unread = display.unread_inputs(report)
    if not unread:
        return ""
    rows = "".join(
        f'<tr><td class="mono">{_e(i.path)}</td><td>{i.status}</td><td>{_e(display.input_reason(i))}</td></tr>'
        for i in unread
    )
    return (
        '<section id="unread" aria-labelledby="unread-h"><h2 id="unread-h">Files not read</h2>'
        f"<table><thead><tr><th>File</th><th>Status</th><th>Why</th></tr></thead><tbody>{rows}</tbody></table>"
        "</section>"
    )


def render_html(report: Report, *, rules: Sequence[RuleMeta] | None = None) -> str:
    """The report as one HTML document with a trailing newline."""
    css, js = _asset("report.css"), _asset("report.js")
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(js)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    releases = report.releases_as_of.isoformat() if report.releases_as_of else "unknown"
    tool = f"{report.tool.name} {report.tool.version}"
    titles = display.rule_titles(rules)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        f'<meta name="generator" content="{_e(tool)}">\n'
        f"<title>exotls report: fleet {report.fleet.verdict}, as of {report.as_of.isoformat()}</title>\n"
        f"<style>{css}</style>\n</head>\n<body>\n"
        f'<header><h1>exotls report</h1><p class="meta">{_e(tool)} · as of {report.as_of.isoformat()}'
        f" · release data as of {releases} · schema {_e(report.schema_version)}</p></header>\n"
        f"<main>\n{_summary(report)}\n{_servers(report)}\n{_findings(report, titles)}\n"
        f"{_plans(report)}\n{_usage(report)}\n{_unread(report)}\n</main>\n"
        f'<footer id="totals"><p>{_e(display.summary_line(report))}</p></footer>\n'
        f"<script>{js}</script>\n</body>\n</html>\n"
    )
