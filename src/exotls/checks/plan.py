"""The per-server remediation plan, in Microsoft's order, with every step made exact.

Order (Exchange Team Blog "Exchange Server TLS guidance" parts 1-3, Learn "Exchange Server
TLS configuration best practices"): update to a supported CU and its latest SU; set the
.NET values; enable TLS 1.2 on Server and Client; reboot; verify TLS 1.2 traffic and find
TLS 1.0/1.1 users; only then disable TLS 1.0 and 1.1 on Server and Client; reboot. A step
whose end state the dumps already show is left out; values the dumps did not cover are
included (writing the recommended value is always safe).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exotls.checks.base import Context
from exotls.checks.build_rules import describe_build
from exotls.checks.changes import DISABLE, ENABLE, dotnet_changes, schannel_changes
from exotls.checks.paths import HOW_TO_EXPORT, reg_add
from exotls.checks.tls_facts import LEGACY, SSL_VERSIONS, ssl_enabled, state_of, tls13_must_disable
from exotls.model import PlanStep, RegistryChange, Server
from exotls.releases import UNKNOWN_PRODUCT, BuildInfo, Release, load_table
from exotls.releases.lifecycle import end_of_support_passed, latest_update

__all__ = ["build_plan", "newest_release"]

_VERIFY_COMMANDS = [
    'Select-String -Path "$env:ExchangeInstallPath\\TransportRoles\\Logs\\FrontEnd\\ProtocolLog\\SmtpReceive\\*.log" '
    '-Pattern "SP_PROT_TLS1_0|SP_PROT_TLS1_1" | Select-Object -First 20',
    'Select-String -Path "$env:ExchangeInstallPath\\TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpSend\\*.log" '
    '-Pattern "SP_PROT_TLS1_0|SP_PROT_TLS1_1" | Select-Object -First 20',
    "exotls usage <folder with the SMTP protocol logs and the IIS logs (crypt-protocol field)>",
]


@dataclass
class _Steps:
    steps: list[PlanStep] = field(default_factory=list)

    def add(
        self,
        action: str,
        detail: str,
        registry: list[RegistryChange] | None = None,
        commands: list[str] | None = None,
    ) -> None:
        changes = registry or []
        self.steps.append(
            PlanStep(
                order=len(self.steps) + 1,
                action=action,
                detail=detail,
                registry=changes,
                commands=commands if commands is not None else [reg_add(change) for change in changes],
            )
        )


def newest_release(product: str, ctx: Context) -> Release | None:
    """The newest serviced CU of ``product`` released by ``as_of``, at its latest SU."""
    table = ctx.table or load_table()
    lines = [cu for _, cu in table.lines(product)]
    serviced = [cu for cu in lines if (info := table.cu_info(product, cu)) is not None and info.serviced]
    for cu in reversed(serviced or lines):
        line = [item for item in table.line(product, cu) if item[1].date <= ctx.as_of]
        if line:
            latest = latest_update(line, ctx.as_of)
            return latest[1] if latest is not None else line[0][1]
    return None


def _successor(ctx: Context) -> str | None:
    """The newest product still supported on ``as_of`` (Exchange SE today), from the table."""
    table = ctx.table or load_table()
    alive = [info for info in table.products if not end_of_support_passed(info, ctx.as_of)]
    if not alive:
        return None
    return max(alive, key=lambda info: (info.major, info.minor or 0, info.min_build)).product


def _target_text(product: str, release: Release, ctx: Context) -> str:
    text = f"{product} {release.name} ({release.build})"
    info = ctx.lookup_build(release.build).info
    if info is None:  # a row that cannot be looked up only loses the .NET hint
        return text
    if info.dotnet_required:
        text += f"; it needs .NET Framework {info.dotnet_required}" + (
            f" ({info.dotnet_note})" if info.dotnet_note else ""
        )
    return text


def _update(server: Server, info: BuildInfo, ctx: Context) -> str | None:
    """The update step's detail, or None when the build is already current and capable."""
    reasons: list[str] = []
    if info.end_of_support_passed:
        reasons.append(f"{info.product} is past end of support ({info.end_of_support})")
    if info.cu_serviced is False:
        reasons.append(f"{info.product} {info.cu} no longer receives SUs")
    if not info.supports_tls12:
        reasons.append("the build does not support TLS 1.2")
    if not info.can_disable_tls10_tls11:
        reasons.append("the build does not support disabling TLS 1.0/1.1")
    if info.has_latest_su is False:
        reasons.append(f"it is not on the latest SU for {info.cu} ({info.latest_su_name})")
    if not reasons:
        return None
    current = describe_build(info)
    if info.end_of_support_passed:
        successor = _successor(ctx)
        release = newest_release(successor, ctx) if successor else None
        target = f"Upgrade (or migrate) {server.name} from {current} to " + (
            _target_text(successor, release, ctx) if successor and release else "a supported Exchange version"
        )
        if info.cu_serviced and info.has_latest_su is False:
            target += f"; until then install {info.product} {info.latest_su_name} ({info.latest_su_for_cu})"
    elif info.cu_serviced is False or not info.supports_tls12 or not info.can_disable_tls10_tls11:
        release = newest_release(info.product, ctx)
        target = f"Update {server.name} from {current} to " + (
            _target_text(info.product, release, ctx)
            if release
            else f"the newest {info.product} CU and its latest SU"
        )
    else:
        target = f"Install {info.product} {info.latest_su_name} ({info.latest_su_for_cu}) on {server.name}"
    return f"{target}. Why: {'; '.join(reasons)}."


def build_plan(server: Server, ctx: Context) -> list[PlanStep]:
    """Microsoft's sequence for ``server``, leaving out what is already done."""
    plan = _Steps()
    found = ctx.build(server)
    if found.info is None or found.info.product == UNKNOWN_PRODUCT:
        why = (
            "has no build in the dumps"
            if found.missing
            else f"has a build exotls cannot place ({found.error or server.build})"
        )
        plan.add(
            "confirm-build",
            f"{server.name} {why}: run {HOW_TO_EXPORT['build']} and re-run exotls. Before any TLS change it must run a "
            "supported CU with its latest SU.",
        )
    else:
        detail = _update(server, found.info, ctx)
        if detail is not None:
            plan.add("update", detail, commands=[])

    net = dotnet_changes(server, "v4.0.30319") + dotnet_changes(server, "v2.0.50727")
    if net:
        plan.add(
            "set-dotnet-keys",
            f"Set SystemDefaultTlsVersions=1 and SchUseStrongCrypto=1 for .NET 4 and .NET 2.0/3.5, 64-bit and 32-bit "
            f"(Wow6432Node): {len(net)} value(s) are absent, wrong or not in the dumps.",
            net,
        )

    tls12 = schannel_changes(server, "TLS 1.2", ENABLE)
    tls13 = schannel_changes(server, "TLS 1.3", DISABLE) if tls13_must_disable(server, ctx) else []
    if tls12 or tls13:
        detail = "Enable TLS 1.2 on Server and Client (Enabled=1, DisabledByDefault=0)" if tls12 else ""
        if tls13:
            detail += (
                "; " if detail else ""
            ) + "disable TLS 1.3, which this build or Windows version does not support"
        plan.add("enable-tls12", detail[0].upper() + detail[1:] + ".", tls12 + tls13)

    if net or tls12 or tls13:
        plan.add(
            "reboot",
            f"Restart {server.name} (one server at a time, in maintenance mode) so Schannel and .NET read the new values.",
            commands=["Restart-Computer"],
        )

    legacy_done = all(state is not None and state.disabled for state in (state_of(server, v) for v in LEGACY))
    ssl = [
        change
        for version in SSL_VERSIONS
        if ssl_enabled(server, version)
        for change in schannel_changes(server, version, DISABLE)
    ]
    if not legacy_done:
        plan.add(
            "verify",
            "Do not go on until steps above are done on every Exchange server. Confirm TLS 1.2 is negotiated and "
            "find who still uses TLS 1.0/1.1: SMTP protocol logs (SP_PROT_TLS1_2 vs SP_PROT_TLS1_0/SP_PROT_TLS1_1), "
            "IIS logs with the crypt-protocol field, then `exotls usage` over them; check load balancers, partner "
            "applications and devices too.",
            commands=list(_VERIFY_COMMANDS),
        )
    disable = ([] if legacy_done else [c for v in LEGACY for c in schannel_changes(server, v, DISABLE)]) + ssl
    if disable:
        what = [] if legacy_done else ["TLS 1.0 and TLS 1.1"]
        what += [v for v in SSL_VERSIONS if ssl_enabled(server, v)]
        plan.add(
            "disable-legacy-tls",
            f"Disable {' and '.join(what)} on Server and Client (Enabled=0, DisabledByDefault=1).",
            disable,
        )
        plan.add(
            "reboot",
            f"Restart {server.name} so Schannel stops offering the disabled versions.",
            commands=["Restart-Computer"],
        )
    return plan.steps
