"""Run the selected rules over a report and fill findings, verdicts, plans and the fleet.

sslyze's lesson: one broken check never hides the rest. A rule that raises becomes a
finding with status ``error`` and the exception text; every other rule still runs. The
output order is total (severity, rule, subject, setting, status, message), so the same
inputs give the same report byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path

from exotls.checks.base import Context, OrganizationRule, Outcome, Rule, ServerRule
from exotls.checks.meta import RuleMeta
from exotls.checks.org_rules import org_verdict
from exotls.checks.plan import build_plan
from exotls.checks.registry import all_rules
from exotls.checks.suppress import Suppression, apply_suppressions
from exotls.checks.suppress import load_suppressions as _load
from exotls.checks.verdict import fleet_verdict, server_verdict
from exotls.errors import UsageError
from exotls.model import Finding, PlanStep, Report, Server
from exotls.releases import ReleaseTable

__all__ = ["evaluate", "load_suppressions", "select_rules"]

_AREAS = ("BLD", "TLS", "NET", "ORG", "FLT", "INP", "USE")


def select_rules(
    rules: Sequence[Rule], select: Sequence[str] | None, skip: Sequence[str] | None
) -> list[Rule]:
    """Rules whose id starts with a ``select`` entry (all when empty), minus those matching ``skip``.

    An entry that is neither an area prefix nor the start of any rule id is a ``UsageError``:
    a typo must not silently select nothing.
    """

    def normalise(entries: Sequence[str] | None, option: str) -> list[str]:
        out: list[str] = []
        for entry in entries or ():
            text = entry.strip().upper()
            if not text:
                raise UsageError(f"{option}: empty rule selector")
            if not any(rule.meta.id.startswith(text) for rule in rules) and text not in _AREAS:
                raise UsageError(f"{option}: {entry!r} matches no rule id or area prefix")
            out.append(text)
        return out

    chosen = normalise(select, "select")
    dropped = normalise(skip, "skip")
    return [
        rule
        for rule in rules
        if (not chosen or any(rule.meta.id.startswith(p) for p in chosen))
        and not any(rule.meta.id.startswith(p) for p in dropped)
    ]


def load_suppressions(path: str | Path) -> list[Suppression]:
    """Read a suppressions TOML file, checking every rule id against the registry."""
    return _load(path, known_rules=[rule.meta.id for rule in all_rules()])


def _finding(meta: RuleMeta, subject: str, outcome: Outcome) -> Finding:
    return Finding(
        rule=meta.id,
        severity=meta.severity,
        status=outcome.status,
        subject=subject,
        message=outcome.message,
        remediation=(outcome.remediation or meta.remediation) if outcome.status == "fail" else None,
        setting=outcome.setting,
        docs=meta.docs_url,
        sources=list(outcome.sources),
    )


def _run_one(
    meta: RuleMeta, subject: str, outcomes: Iterable[Outcome] | None, error: BaseException | None
) -> list[Finding]:
    if error is None:
        try:
            findings = [_finding(meta, subject, outcome) for outcome in outcomes or ()]
        except Exception as err:  # a malformed outcome is the rule's bug: report it like a raise
            error = err
        else:
            if findings:
                return findings
            error = RuntimeError("the rule produced no result")
    return [
        Finding(
            rule=meta.id,
            severity=meta.severity,
            status="error",
            subject=subject,
            message=f"rule {meta.id} raised {type(error).__name__}: {error}",
            docs=meta.docs_url,
        )
    ]


def _jobs(rule: Rule, report: Report, ctx: Context) -> list[tuple[str, Callable[[], Iterable[Outcome]]]]:
    """(subject, call) pairs: one per server, or the organization, or the fleet."""
    if isinstance(rule, ServerRule):
        return [(server.name, partial(rule.check, server, ctx)) for server in report.servers]
    if isinstance(rule, OrganizationRule):
        return [("organization", partial(rule.check, report.organization, ctx))]
    return [("fleet", partial(rule.check, report.servers, ctx))]


def _run(rule: Rule, report: Report, ctx: Context) -> list[Finding]:
    """Every finding of one rule over its subjects; exceptions become ``error`` findings."""
    findings: list[Finding] = []
    for subject, call in _jobs(rule, report, ctx):
        outcomes: list[Outcome] | None = None
        error: BaseException | None = None
        try:
            outcomes = list(call())
        except Exception as err:  # sslyze-style isolation: record and go on
            error = err
        findings.extend(_run_one(rule.meta, subject, outcomes, error))
    return findings


def _plan(server: Server, ctx: Context) -> list[PlanStep]:
    """The server's plan; a bug in planning becomes a visible step, never a traceback."""
    try:
        return build_plan(server, ctx)
    except Exception as err:  # same isolation as for rules
        return [
            PlanStep(
                order=1,
                action="error",
                detail=f"exotls could not build the plan: {type(err).__name__}: {err}",
            )
        ]


def _order(finding: Finding) -> tuple[int, str, str, str, str, str]:
    return (
        -finding.severity.rank,
        finding.rule,
        finding.subject,
        finding.setting or "",
        finding.status,
        finding.message,
    )


def evaluate(
    report: Report,
    *,
    as_of: dt.date,
    select: Sequence[str] | None = None,
    skip: Sequence[str] | None = None,
    suppressions: Sequence[Suppression] = (),
    table: ReleaseTable | None = None,
    rules: Sequence[Rule] | None = None,
) -> Report:
    """A new report with findings, per-server verdicts and plans, the org verdict and the fleet.

    Findings already in ``report`` under ids no rule here owns (another tool's) are kept;
    findings of exotls' own rules are replaced, so evaluating twice gives the same report.
    ``rules`` replaces the registry (for tests and embedders); by default every rule runs.
    """
    registry = tuple(rules) if rules is not None else all_rules()
    chosen = select_rules(registry, select, skip)
    ctx = Context(as_of=as_of, report=report, table=table)
    own_ids = {rule.meta.id for rule in registry}
    findings = [finding for finding in report.findings if finding.rule not in own_ids]
    for rule in chosen:
        findings.extend(_run(rule, report, ctx))
    findings = sorted(apply_suppressions(findings, suppressions, as_of), key=_order)

    ran = {rule.meta.id for rule in chosen}
    by_subject: dict[str, list[Finding]] = {}
    for finding in findings:
        by_subject.setdefault(finding.subject, []).append(finding)
    servers = []
    for server in report.servers:
        verdict = server_verdict(server, by_subject.get(server.name, []), ran)
        plan = _plan(server, ctx)
        servers.append(server.model_copy(update={"legacy_tls": verdict.model_copy(update={"plan": plan})}))
    organization = report.organization.model_copy(update={"verdict": org_verdict(report.organization)})
    fleet = fleet_verdict([server.legacy_tls.verdict for server in servers if server.legacy_tls is not None])
    return report.model_copy(
        update={
            "as_of": as_of,
            "findings": findings,
            "servers": servers,
            "organization": organization,
            "fleet": fleet,
        }
    )
