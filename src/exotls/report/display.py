"""What every renderer shows, decided once: labels, per-version TLS states, ordering, counts.

Renderers only format; the words and the order of the report live here so the table,
Markdown and HTML views never disagree about what a server's TLS 1.0 state is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from exotls.checks.meta import RuleMeta
from exotls.checks.schannel import ProtocolState, protocol_state
from exotls.model import Finding, InputFile, Organization, PlanStep, Report, Server, Severity, Verdict

__all__ = [
    "ACT_STATUSES",
    "DOTNET_URGENCY",
    "DOTNET_VERSION",
    "SEVERITY_ORDER",
    "SHOWN_STATUSES",
    "STATE_URGENCY",
    "TLS_LEGEND",
    "TLS_VERSIONS",
    "UNKNOWN_HEADING",
    "UNKNOWN_STATUSES",
    "USAGE_COLUMNS",
    "USAGE_LIMIT",
    "VERDICTS",
    "VERDICT_HELP",
    "VERDICT_URGENCY",
    "Tone",
    "dotnet_state",
    "dotnet_tone",
    "findings_by_severity",
    "fleet_line",
    "fleet_total",
    "input_reason",
    "legacy_usage",
    "org_line",
    "plain",
    "plan_lines",
    "powershell_value",
    "protocol",
    "release_label",
    "rule_titles",
    "server_verdict",
    "shown_findings",
    "state_rank",
    "state_tone",
    "summary_line",
    "suppressed_findings",
    "tls_state",
    "unread_inputs",
    "usage_caption",
    "verdict_reason",
]

TLS_VERSIONS = ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
VERDICTS: tuple[Verdict, ...] = ("ready", "blocked", "disabled", "unknown")
VERDICT_HELP: Mapping[Verdict, str] = {
    "ready": "TLS 1.0/1.1 can be disabled now",
    "blocked": "something must be fixed first",
    "disabled": "TLS 1.0/1.1 already off",
    "unknown": "the dumps do not say enough",
}
# Sort orders for views that sort: most urgent first.
VERDICT_URGENCY: Mapping[str, int] = {"blocked": 0, "unknown": 1, "ready": 2, "disabled": 3}
STATE_URGENCY: Mapping[str, int] = {"mismatch": 0, "half": 1, "on": 2, "off": 3, "n/a": 4, "?": 5}
TLS_LEGEND = (
    "TLS states (as HealthChecker names them): on = Enabled, off = Disabled, half = Half Disabled,"
    " mismatch = Misconfigured (Server and Client differ), n/a = the OS cannot run it,"
    " ? = not in the dumps; * = no Enabled value, the OS default applies."
)
DOTNET_URGENCY: Mapping[str, int] = {"off": 0, "not set": 1, "ok": 2, "?": 3}
Tone = Literal["good", "warn", "bad", "neutral"]
# How a state reads for each version: TLS 1.0/1.1 on is a warning, TLS 1.2 off is a blocker.
_LEGACY_TONES: Mapping[str, Tone] = {"on": "warn", "off": "good", "half": "bad", "mismatch": "bad"}
_TLS_TONES: Mapping[str, Mapping[str, Tone]] = {
    "TLS 1.0": _LEGACY_TONES,
    "TLS 1.1": _LEGACY_TONES,
    "TLS 1.2": {"on": "good", "off": "bad", "half": "bad", "mismatch": "bad"},
    "TLS 1.3": {"half": "bad", "mismatch": "bad"},
}
_DOTNET_TONES: Mapping[str, Tone] = {"ok": "good", "off": "bad", "not set": "warn"}
SEVERITY_ORDER = sorted(Severity, key=lambda s: s.rank, reverse=True)
# pass and not-applicable are good news; they stay in JSON but not in human views.
SHOWN_STATUSES = frozenset({"fail", "unknown", "error"})
# Fix these (fail, or a rule that could not run) apart from what the dumps could not tell.
ACT_STATUSES = frozenset({"fail", "error"})
UNKNOWN_STATUSES = frozenset({"unknown"})
UNKNOWN_HEADING = "Not checked: the dumps lack what these rules need"
DOTNET_VERSION = "v4.0.30319"
_DOTNET_VALUES = ("SystemDefaultTlsVersions", "SchUseStrongCrypto")
_ORG_SETTING = "AllowLegacyTLSClients"
# C0/C1 controls (ESC would let a dump drive the terminal), Unicode line and paragraph
# separators (they break Markdown tables) and bidi overrides (text that
# displays in another order than it reads); newlines and tabs become spaces.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\r\n|[\t\n\r]")
_ORG_VERDICT = {
    "legacy-tls-allowed": "legacy TLS allowed",
    "legacy-tls-off": "legacy TLS off",
    "not-applicable": "not applicable",
    "unknown": "unknown",
}


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def plain(text: str) -> str:
    """Text from a dump made safe to print: controls shown as ``\\xNN``/``\\uNNNN``, line breaks as spaces."""
    return _UNSAFE.sub(_escape, _SPACES.sub(" ", text))


_HC_WORD: Mapping[str, str] = {"Enabled": "on", "Disabled": "off", "Half Disabled": "half", "Misconfigured": "mismatch"}


def protocol(server: Server, version: str) -> ProtocolState | None:
    """HealthChecker's state for ``version`` as the rules compute it; None unless both sides were covered."""
    sides = server.schannel.get(version, {})
    if "Server" not in sides or "Client" not in sides:
        return None
    family = server.os.family if server.os is not None else None
    return protocol_state(version, sides["Server"], sides["Client"], family)


def tls_state(server: Server, version: str) -> str:
    """One word per version, from the rules' ``protocol_state`` so views and findings agree.

    ``on``/``off``/``half``/``mismatch`` are HealthChecker's Enabled / Disabled / Half Disabled /
    Misconfigured; ``n/a`` the OS cannot run it; ``?`` no dump covered both sides; a ``*``
    marks that an ``Enabled`` value was absent and the OS default decided.
    """
    state = protocol(server, version)
    if state is None:
        return "?"
    if state.state == "Disabled" and not state.server.supported:
        return "n/a"
    word = _HC_WORD[state.state]
    return word + "*" if state.server.enabled_defaulted or state.client.enabled_defaulted else word


def state_tone(version: str, state: str) -> Tone:
    """Whether a TLS state is good, a warning, bad or neutral news for that version."""
    return _TLS_TONES.get(version, {}).get(state.rstrip("*"), "neutral")


def state_rank(state: str) -> int:
    """Sort rank of a TLS state word, most urgent first; the ``*`` does not change it."""
    return STATE_URGENCY[state.rstrip("*")]


def dotnet_tone(state: str) -> Tone:
    """Whether a .NET state is good, a warning, bad or neutral news."""
    return _DOTNET_TONES.get(state, "neutral")


def dotnet_state(server: Server) -> str:
    """.NET 4 strong-crypto state: ok only when both values are exactly 1 in every covered view.

    ``not set`` when a value is absent, ``off`` when present but not 1, ``?`` when no dump
    covered the .NET 4 keys; matches HealthChecker, which treats only 1 as true.
    """
    views = server.dotnet.get(DOTNET_VERSION)
    if not views:
        return "?"
    values = [view.get(name) for view in views.values() for name in _DOTNET_VALUES]
    if any(v is not None and v != 1 for v in values):
        return "off"
    if any(v is None for v in values):
        return "not set"
    return "ok"


def server_verdict(server: Server) -> Verdict:
    """The server's verdict; a server the rules did not judge is ``unknown``."""
    return server.legacy_tls.verdict if server.legacy_tls else "unknown"


def verdict_reason(server: Server) -> str:
    """Why the server has its verdict, in one line: the rules' summary, else what is unknown."""
    legacy = server.legacy_tls
    if legacy is None:
        return "no rule judged this server"
    if legacy.summary:
        return legacy.summary
    if legacy.unknown_because:
        return "Unknown because " + "; ".join(legacy.unknown_because)
    if legacy.blockers:
        return "Blocked by " + ", ".join(legacy.blockers)
    return ""


def plan_lines(step: PlanStep) -> list[str]:
    """The step's commands, or its registry changes as ``path  name  type  data`` lines."""
    if step.commands:
        return list(step.commands)
    return [f"{r.path}  {r.name}  {r.type}  {r.data}" for r in step.registry]


def release_label(server: Server) -> str:
    """Product and release name, or the bare build when the release table does not know it."""
    release = server.release
    build = server.build or server.exsetup_build or server.admin_display_version
    if release is None:
        return f"build {build}" if build else "?"
    label = f"{release.product} {release.name}" if release.name else release.product
    if release.newer_than_table:
        label += f" (newer than table: {build})" if build else " (newer than table)"
    elif not release.exact and build:
        label += f" (~{build})"
    return label


def powershell_value(value: Any) -> str:
    """A setting as PowerShell would print it in a script: $true, $false, $null."""
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    return str(value)


def org_line(org: Organization) -> str:
    """The tenant's legacy-TLS state in one sentence, including when the dumps do not say."""
    env = {"exchange-online": "Exchange Online", "on-premises": "On-premises"}.get(org.environment, "Organization")
    name = f" {org.name}" if org.name else ""
    verdict = _ORG_VERDICT.get(org.verdict or "unknown", "unknown")
    if _ORG_SETTING not in org.settings:
        return f"{env}{name}: {verdict} ({_ORG_SETTING} not in the dumps)"
    value = powershell_value(org.settings[_ORG_SETTING])
    return f"{env}{name}: {verdict} ({_ORG_SETTING} = {value})"


def fleet_total(report: Report) -> str:
    """``5 servers``: the sum of the verdict counts."""
    total = sum(report.fleet.counts.get(v, 0) for v in VERDICTS)
    return f"{total} {'server' if total == 1 else 'servers'}"


def fleet_line(report: Report) -> str:
    """``Fleet: blocked - 5 servers: 2 ready, 1 blocked, 1 disabled, 1 unknown``."""
    parts = ", ".join(f"{report.fleet.counts.get(v, 0)} {v}" for v in VERDICTS)
    return f"Fleet: {report.fleet.verdict} - {fleet_total(report)}: {parts}"


def shown_findings(report: Report, statuses: frozenset[str] = SHOWN_STATUSES) -> list[Finding]:
    """Unsuppressed findings with one of ``statuses`` (default fail/unknown/error), worst first."""
    shown = [f for f in report.findings if f.status in statuses and not f.suppressed]
    return sorted(shown, key=lambda f: -f.severity.rank)  # stable: keeps the report's order


def findings_by_severity(
    report: Report, statuses: frozenset[str] = ACT_STATUSES
) -> list[tuple[Severity, list[Finding]]]:
    """Shown findings grouped by severity, worst first; empty groups left out.

    The default is what to fix (fail, error); pass ``UNKNOWN_STATUSES`` for what to collect.
    """
    shown = shown_findings(report, statuses)
    groups = [(sev, [f for f in shown if f.severity is sev]) for sev in SEVERITY_ORDER]
    return [(sev, items) for sev, items in groups if items]


def suppressed_findings(report: Report) -> list[Finding]:
    """Suppressed findings, listed apart so a reader can see what was silenced and why."""
    return [f for f in report.findings if f.suppressed and f.status in SHOWN_STATUSES]


def unread_inputs(report: Report) -> list[InputFile]:
    """Files that gave nothing: read errors and ignored files, in input order."""
    return [i for i in report.inputs if i.status != "ok"]


def input_reason(item: InputFile) -> str:
    """Why a file gave nothing, or a placeholder if no reason was recorded."""
    if item.error:
        return item.error
    if item.warnings:
        return "; ".join(item.warnings)
    return "ignored" if item.status == "ignored" else "no reason recorded"


def summary_line(report: Report) -> str:
    """``6 files: 4 read, 1 error, 1 ignored`` from the report's own counts."""
    s = report.summary
    files = "file" if s.files == 1 else "files"
    errors = "error" if s.error == 1 else "errors"
    return f"{s.files} {files}: {s.ok} read, {s.error} {errors}, {s.ignored} ignored"


def rule_titles(rules: Sequence[RuleMeta] | None) -> dict[str, str]:
    """Rule id to title, for headings; empty when the caller gave no metadata."""
    return {r.id: r.title for r in rules or ()}


# Legacy TLS use from logs: at most this many rows in human views (JSON has them all).
USAGE_LIMIT = 25
USAGE_COLUMNS = ("Version", "Source", "Server", "Client", "Count", "Who", "Last seen (UTC)")


def legacy_usage(report: Report) -> tuple[list[tuple[str, ...]], int, list[str]] | None:
    """Rows of TLS 1.0/1.1 (and SSL) use from the logs, the total count, and the notes.

    None when no logs were given. Rows follow ``USAGE_COLUMNS``, worst first as the usage
    report orders them, capped at ``USAGE_LIMIT``; "Who" is the first user, sender, EHLO
    name or user agent the logs recorded for that client.
    """
    usage = report.usage
    if usage is None:
        return None
    legacy = [c for c in usage.clients if c.legacy]
    rows: list[tuple[str, ...]] = []
    for c in legacy[:USAGE_LIMIT]:
        who = next((values[0] for values in (c.users, c.mail_from, c.ehlo, c.user_agents) if values), "")
        seen = c.last_seen
        if seen is not None and seen.tzinfo is not None:
            seen = seen.astimezone(dt.UTC)
        last = seen.strftime("%Y-%m-%d %H:%M") if seen else ""
        rows.append((c.tls_version, c.source, c.server or "", c.client or "(not recorded)",
                     f"{c.count} {c.unit}", who, last))
    return rows, len(legacy), list(usage.notes)


def usage_caption(shown: int, total: int) -> str:
    """``3 clients used TLS 1.0/1.1`` (and how many are listed when capped)."""
    if total == 0:
        return "No TLS 1.0/1.1 or SSL use in the logs given."
    noun = "client" if total == 1 else "clients"
    more = f"; the first {shown} are listed, the JSON report has all" if shown < total else ""
    return f"{total} {noun} used TLS 1.0/1.1 or SSL{more}."
