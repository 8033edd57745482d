"""INP rules: what the dumps themselves say about their quality (conflicts between files)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from exotls.checks.base import Context, OrganizationRule, Outcome, ServerRule, define
from exotls.model import Conflict, Organization, Server, Severity

__all__ = ["RULES"]

_RATIONALE = (
    "Two dumps that disagree about one fact (for example a build from ExSetup and another from "
    "Get-ExchangeServer, or two registry exports taken at different times) mean at least one is stale. exotls "
    "never resolves that silently: it says which value it used and why, so the verdict can be checked."
)
_REMEDIATION = "Export the fact again from the server itself and drop the stale file, then re-run exotls."
_SOURCES = [
    "https://github.com/microsoft/CSS-Exchange/blob/main/Diagnostics/HealthChecker/DataCollection/ExchangeInformation/Invoke-JobExchangeInformationLocal.ps1"
]

INP001 = define(
    id="INP001",
    name="server-facts-conflict",
    title="Two dumps disagree about a fact of one server",
    severity=Severity.LOW,
    scope="server",
    rationale=_RATIONALE,
    remediation=_REMEDIATION,
    sources=_SOURCES,
)

INP002 = define(
    id="INP002",
    name="organization-facts-conflict",
    title="Two dumps disagree about an organization setting",
    severity=Severity.LOW,
    scope="organization",
    rationale=_RATIONALE,
    remediation=_REMEDIATION,
    sources=_SOURCES,
)


def _outcomes(conflicts: Sequence[Conflict]) -> Iterator[Outcome]:
    if not conflicts:
        yield Outcome("pass", "no two dumps disagree.", "conflicts")
        return
    for conflict in conflicts:
        yield Outcome(
            "fail",
            f"dumps disagree about {conflict.fact}: {' vs '.join(conflict.values)}; {conflict.resolution}.",
            f"conflict/{conflict.fact}",
            tuple(conflict.sources),
        )


def _server(server: Server, ctx: Context) -> Iterator[Outcome]:
    return _outcomes(server.conflicts)


def _organization(org: Organization, ctx: Context) -> Iterator[Outcome]:
    return _outcomes(org.conflicts)


RULES = (ServerRule(INP001, _server), OrganizationRule(INP002, _organization))
