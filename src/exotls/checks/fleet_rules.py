"""FLT rules: settings that must be identical on every Exchange server.

Extended Protection needs the same TLS and .NET configuration on all servers. Microsoft's
Extended Protection script (CSS-Exchange ``Invoke-ExtendedProtectionTlsPrerequisitesCheck.ps1``)
groups servers by their TLS 1.0-1.2 SCHANNEL values and .NET v4 values and fails when there
is more than one group; exotls compares the same raw values, one setting at a time, so the
finding names which servers differ on what.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from exotls.checks.base import Context, FleetRule, Outcome, define, fact_sources
from exotls.checks.paths import DOTNET_ARCHES, DOTNET_VALUES, HOW_TO_EXPORT, SIDES
from exotls.model import Server, Severity

__all__ = ["COMPARED", "RULES"]

# (fact key, where it lives in Server) for every compared value, in report order.
COMPARED: tuple[tuple[str, str, str, str, str], ...] = tuple(
    [
        ("schannel", version, side, name, f"schannel/{version}/{side}/{name}")
        for version in ("TLS 1.0", "TLS 1.1", "TLS 1.2")
        for side in SIDES
        for name in ("Enabled", "DisabledByDefault")
    ]
    + [
        ("dotnet", "v4.0.30319", arch, name, f"dotnet/v4.0.30319/{arch}/{name}")
        for arch in DOTNET_ARCHES
        for name in DOTNET_VALUES
    ]
)

_MISSING = object()


def _value(server: Server, area: str, key: str, sub: str, name: str) -> object:
    """The raw value, None when absent on the server, ``_MISSING`` when no dump covered it."""
    tree = server.schannel if area == "schannel" else server.dotnet
    values = tree.get(key, {}).get(sub)
    if values is None:
        return _MISSING
    return values.get(name)


def _fmt(value: object) -> str:
    if value is None:
        return "absent"
    if value == 0xFFFFFFFF:
        return "0xFFFFFFFF"
    return str(value)


FLT001 = define(
    id="FLT001",
    name="fleet-settings-differ",
    title="TLS or .NET registry values differ between Exchange servers",
    severity=Severity.MEDIUM,
    scope="fleet",
    rationale=(
        "Extended Protection requires the same TLS configuration on every Exchange server, and a server with "
        "different SCHANNEL or .NET values negotiates differently with its peers. Microsoft's Extended Protection "
        "script fails when the TLS 1.0-1.2 SCHANNEL values or the .NET v4 values are not identical everywhere."
    ),
    remediation=(
        "Bring every server to the same values (TLS 1.2 Enabled=1/DisabledByDefault=0, TLS 1.0/1.1 alike on all "
        "servers, .NET SystemDefaultTlsVersions=1 and SchUseStrongCrypto=1 in both hives) with the reg add lines "
        "of each server's plan; then reboot each server."
    ),
    sources=[
        "https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/ExchangeExtendedProtectionManagement/DataCollection/Invoke-ExtendedProtectionTlsPrerequisitesCheck.ps1",
        "https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-extended-protection",
    ],
)


def _differ(servers: Sequence[Server], ctx: Context) -> Iterator[Outcome]:
    if len(servers) < 2:
        yield Outcome(
            "not-applicable",
            f"{len(servers)} server(s) in the report: nothing to compare.",
            "fleet/tls-settings",
        )
        return
    uncovered: dict[str, list[str]] = {}
    differing = 0
    for area, key, sub, name, fact in COMPARED:
        groups: dict[object, list[str]] = {}
        for server in servers:
            value = _value(server, area, key, sub, name)
            if value is _MISSING:
                uncovered.setdefault(server.name, []).append(fact)
                continue
            groups.setdefault(value, []).append(server.name)
        if len(groups) > 1:
            differing += 1
            parts = sorted(f"{_fmt(value)} on {', '.join(names)}" for value, names in groups.items())
            sources = tuple(s for server in servers for s in fact_sources(server.sources, fact))
            yield Outcome("fail", f"{fact} differs between servers: " + "; ".join(parts) + ".", fact, sources)
    if uncovered:
        names = ", ".join(sorted(uncovered))
        yield Outcome(
            "unknown",
            f"cannot compare every TLS and .NET value: no dump covers some of them on {names} "
            f"(run {HOW_TO_EXPORT['schannel']} and {HOW_TO_EXPORT['dotnet']}).",
            "fleet/tls-settings",
        )
    elif not differing:
        yield Outcome(
            "pass",
            f"all {len(servers)} servers have identical TLS 1.0-1.2 SCHANNEL and .NET v4 values.",
            "fleet/tls-settings",
        )


RULES = (FleetRule(FLT001, _differ),)
