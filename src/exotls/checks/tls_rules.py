"""TLS rules: the SCHANNEL protocol keys of each server, read as HealthChecker reads them.

Every rule here works from ``protocol_state`` (``exotls.checks.schannel``, via
``exotls.checks.tls_facts``) so the state names match what admins see in HealthChecker;
absent values take the Windows default of the server's OS (``exotls.checks.windows``).
"""

from __future__ import annotations

from collections.abc import Iterator

from exotls.checks.base import Context, Outcome, ServerCheck, ServerRule, define, fact_sources
from exotls.checks.build_rules import describe_build
from exotls.checks.changes import DISABLE, ENABLE, commands, schannel_changes
from exotls.checks.paths import HOW_TO_EXPORT, SIDES, schannel_key
from exotls.checks.tls_facts import (
    LEGACY,
    SSL_VERSIONS,
    TLS_VERSIONS,
    joined,
    not_covered,
    os_family,
    schannel_sources,
    side_on,
    sides_of,
    state_of,
    target_of,
    tls13_support,
    values_text,
)
from exotls.checks.windows import known_family
from exotls.model import RegistryAnomaly, Server, Severity
from exotls.releases import load_capabilities

__all__ = ["RULES"]

_HC_SOURCE = (
    "https://github.com/microsoft/CSS-Exchange/blob/main/Shared/TLS/Get-AllTlsSettingsFromRegistry.ps1"
)
_HC_ANALYZER = "https://github.com/microsoft/CSS-Exchange/blob/main/Diagnostics/HealthChecker/Analyzer/Security/Invoke-AnalyzerSecuritySettings.ps1"
_EXCHANGE_TLS = "https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-tls-configuration"
_WIN_TLS_REGISTRY = "https://learn.microsoft.com/windows-server/security/tls/tls-registry-settings"
_WIN_DEFAULTS = "https://learn.microsoft.com/windows/win32/secauthn/protocols-in-tls-ssl--schannel-ssp-"


# --- TLS001 ---------------------------------------------------------------------------------

TLS001 = define(
    id="TLS001",
    name="tls12-not-enabled",
    title="TLS 1.2 is not enabled on both the Server and Client side",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "Exchange is both a TLS server and a TLS client, so TLS 1.2 must be offered on both SCHANNEL sides "
        "(Enabled non-zero, DisabledByDefault 0) before TLS 1.0 and 1.1 can be turned off; otherwise mail flow, "
        "hybrid and client connections fail."
    ),
    remediation=(
        'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server" '
        "/v Enabled /t REG_DWORD /d 1 /f, /v DisabledByDefault /d 0, and the same under ...\\TLS 1.2\\Client; then reboot."
    ),
    sources=[_EXCHANGE_TLS, _WIN_TLS_REGISTRY, _HC_SOURCE],
    tags=["blocker"],
)


def _tls12(server: Server, ctx: Context) -> Iterator[Outcome]:
    setting = "schannel/TLS 1.2"
    state = state_of(server, "TLS 1.2")
    if state is None:
        yield not_covered(server, "TLS 1.2", setting)
        return
    off = [side for side, values in sides_of(state) if not values.offered]
    sources = schannel_sources(server, "TLS 1.2")
    if not off:
        yield Outcome(
            "pass", f"TLS 1.2 is enabled on Server and Client ({values_text(state)}).", setting, sources
        )
        return
    yield Outcome(
        "fail",
        f"TLS 1.2 is not enabled on {joined(off)} ({values_text(state)}; HealthChecker state: {state.state}): it must be "
        "offered on both sides (Enabled non-zero, DisabledByDefault 0) before TLS 1.0/1.1 can be disabled.",
        setting,
        sources,
        remediation=commands(schannel_changes(server, "TLS 1.2", ENABLE)),
    )


# --- TLS002 ---------------------------------------------------------------------------------

TLS002 = define(
    id="TLS002",
    name="legacy-tls-enabled",
    title="TLS 1.0 or TLS 1.1 is still enabled",
    severity=Severity.MEDIUM,
    scope="server",
    rationale=(
        "TLS 1.0 and 1.1 are deprecated (RFC 8996) and Microsoft recommends disabling them at the OS level once "
        "TLS 1.2 works everywhere. HealthChecker counts a version as disabled only when Enabled is 0 and "
        "DisabledByDefault is 1 or absent on both sides; exotls uses the same definition."
    ),
    remediation=(
        "After every prerequisite is met on every Exchange server (see the plan), set Enabled=0 and "
        "DisabledByDefault=1 under ...\\SCHANNEL\\Protocols\\TLS 1.0\\Server, \\TLS 1.0\\Client, \\TLS 1.1\\Server "
        "and \\TLS 1.1\\Client with reg add ... /t REG_DWORD /f; then reboot."
    ),
    sources=[_EXCHANGE_TLS, _WIN_TLS_REGISTRY, _HC_SOURCE, _HC_ANALYZER],
)


def _legacy(server: Server, ctx: Context) -> Iterator[Outcome]:
    for version in LEGACY:
        setting = f"schannel/{version}"
        state = state_of(server, version)
        if state is None:
            yield not_covered(server, version, setting)
            continue
        sources = schannel_sources(server, version)
        if state.disabled:
            yield Outcome(
                "pass",
                f"{version} is disabled on Server and Client ({values_text(state)}).",
                setting,
                sources,
            )
            continue
        usable = [side for side, values in sides_of(state) if values.usable]
        if usable:
            reason = f"{version} can still be negotiated on {joined(usable)}"
        else:
            reason = (
                f"{version} has Enabled=0 but is not disabled the way HealthChecker requires "
                "(DisabledByDefault must be 1 or absent on both sides)"
            )
        yield Outcome(
            "fail",
            f"{reason} ({values_text(state)}; HealthChecker state: {state.state}).",
            setting,
            sources,
            remediation="Once the plan's prerequisites are met:\n"
            + commands(schannel_changes(server, version, DISABLE)),
        )


# --- TLS003 / TLS004 ------------------------------------------------------------------------

TLS003 = define(
    id="TLS003",
    name="client-server-mismatch",
    title="SCHANNEL Server and Client values differ for a TLS version (HealthChecker: Misconfigured)",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "Exchange is both a TLS client and a TLS server. When Enabled or DisabledByDefault differ between the "
        "Server and Client keys of one version, HealthChecker reports Misconfigured: Exchange may accept a version "
        "it cannot use outbound, or the reverse, which breaks server-to-server traffic."
    ),
    remediation=(
        "Set the same Enabled and DisabledByDefault under ...\\Protocols\\<version>\\Server and \\Client: TLS 1.2 "
        "Enabled=1/DisabledByDefault=0, TLS 1.0/1.1 Enabled=0/DisabledByDefault=1 once ready, TLS 1.3 on only where "
        "supported; then reboot."
    ),
    sources=[_EXCHANGE_TLS, _HC_SOURCE, _HC_ANALYZER],
    tags=["blocker"],
)

TLS004 = define(
    id="TLS004",
    name="half-disabled",
    title="A TLS version is half disabled (Enabled and DisabledByDefault contradict each other)",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "HealthChecker reports Half Disabled when the Server side has Enabled=0 with DisabledByDefault=0, or "
        "Enabled non-zero with DisabledByDefault non-zero: the version is neither cleanly on nor cleanly off, which "
        "Microsoft does not support for Exchange."
    ),
    remediation=(
        "Write a consistent pair on both sides: Enabled=1 and DisabledByDefault=0 to enable, or Enabled=0 and "
        "DisabledByDefault=1 to disable; then reboot."
    ),
    sources=[_EXCHANGE_TLS, _HC_SOURCE, _HC_ANALYZER],
)


def _state_check(wanted: str, fail_text: str) -> ServerCheck:
    def check(server: Server, ctx: Context) -> Iterator[Outcome]:
        for version in TLS_VERSIONS:
            setting = f"schannel/{version}"
            state = state_of(server, version)
            if state is None:
                yield not_covered(server, version, setting)
                continue
            sources = schannel_sources(server, version)
            if state.state == wanted:
                target = target_of(server, version, ctx)
                word = "enable" if target is ENABLE else "disable"
                yield Outcome(
                    "fail",
                    f"{version} is {wanted} ({values_text(state)}): {fail_text}",
                    setting,
                    sources,
                    remediation=f"To {word} {version} on both sides:\n"
                    + commands(schannel_changes(server, version, target)),
                )
            else:
                yield Outcome(
                    "pass",
                    f"{version} is not {wanted} (HealthChecker state: {state.state}).",
                    setting,
                    sources,
                )

    return check


_mismatch = _state_check(
    "Misconfigured", "Server and Client must match because Exchange is both a TLS client and server."
)
_half = _state_check(
    "Half Disabled", "Enabled and DisabledByDefault contradict each other on the Server side."
)


# --- TLS005 ---------------------------------------------------------------------------------

TLS005 = define(
    id="TLS005",
    name="registry-anomaly",
    title="A SCHANNEL or .NET registry value is of the wrong type, on the wrong key or misspelled",
    severity=Severity.MEDIUM,
    scope="server",
    rationale=(
        "Windows reads only REG_DWORD Enabled/DisabledByDefault values under HKLM\\SYSTEM\\CurrentControlSet\\"
        "Control\\SecurityProviders\\SCHANNEL\\Protocols\\<exact version name>\\Server|Client. A REG_SZ value, a "
        "key named TLS1.2, values set on the protocol key itself or keys under another hive are silently ignored: "
        "the admin believes a version is configured while Windows uses its default."
    ),
    remediation=(
        'Delete the ignored value or key (reg delete "<key>" /v <name> /f) and write the value as REG_DWORD on '
        "the correctly named Server and Client subkeys under HKLM\\SYSTEM; then reboot."
    ),
    sources=[_WIN_TLS_REGISTRY, _EXCHANGE_TLS],
)

_ANOMALY_FIX = {
    "wrong-type": 'Delete the value and write it again as REG_DWORD: reg delete "{path}" /v {name} /f, then reg add "{path}" /v {name} /t REG_DWORD /d <0|1> /f',
    "misspelled-key": "Windows only reads the exact names 'TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3' (one space): move the values to the correctly named key and reg delete \"{path}\" /f",
    "value-on-protocol-key": 'Values on the protocol key itself are ignored: set them under its Server and Client subkeys and reg delete "{path}" /v {name} /f',
    "wrong-hive": 'Schannel reads only HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL: set the values there and delete "{path}"',
    "unknown-side": 'Only the Server and Client subkeys are read: move the values there and reg delete "{path}" /f',
}


def _anomaly(anomaly: RegistryAnomaly) -> Outcome:
    where = anomaly.path + (f"\\{anomaly.name}" if anomaly.name else "")
    seen = f" = {anomaly.value}" if anomaly.value is not None else ""
    fix = _ANOMALY_FIX.get(
        anomaly.kind, "Remove the value Windows ignores and set the intended value where Windows reads it"
    )
    return Outcome(
        "fail",
        f"{anomaly.kind}: {where}{seen}: {anomaly.detail}",
        f"registry-anomaly/{anomaly.kind}/{where}",
        (anomaly.source,),
        remediation=fix.format(path=anomaly.path, name=anomaly.name or "<name>"),
    )


def _anomalies(server: Server, ctx: Context) -> Iterator[Outcome]:
    if server.schannel_anomalies:
        yield from (_anomaly(anomaly) for anomaly in server.schannel_anomalies)
    elif not server.schannel and not server.dotnet:
        yield Outcome(
            "unknown",
            f"no SCHANNEL or .NET registry export for {server.name}: run {HOW_TO_EXPORT['schannel']}.",
            "registry-anomaly",
        )
    else:
        yield Outcome(
            "pass", "no SCHANNEL or .NET registry value that Windows would ignore.", "registry-anomaly"
        )


# --- TLS006 ---------------------------------------------------------------------------------

TLS006 = define(
    id="TLS006",
    name="tls13-unsupported",
    title="TLS 1.3 is enabled where the Exchange build or Windows version does not support it",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "Exchange supports TLS 1.3 only from Exchange 2019 CU15 and Exchange SE, and only on Windows Server 2022 "
        "or later; on older builds TLS 1.3 is known to break Exchange. Windows Server 2022 and 2025 enable TLS 1.3 "
        "when no key exists, so an absent key there means enabled (HealthChecker reads it as disabled)."
    ),
    remediation=(
        "Update to Exchange 2019 CU15 or Exchange SE on Windows Server 2022+, or set Enabled=0 and "
        "DisabledByDefault=1 under ...\\SCHANNEL\\Protocols\\TLS 1.3\\Server and \\Client; then reboot."
    ),
    sources=[_EXCHANGE_TLS, _WIN_DEFAULTS, _HC_ANALYZER, _HC_SOURCE],
)


def _tls13(server: Server, ctx: Context) -> Iterator[Outcome]:
    setting = "schannel/TLS 1.3"
    state = state_of(server, "TLS 1.3")
    if state is None:
        yield not_covered(server, "TLS 1.3", setting)
        return
    sources = schannel_sources(server, "TLS 1.3") + fact_sources(server.sources, "os", "build")
    family = known_family(os_family(server))
    on = [side for side, values in sides_of(state) if side_on(values, family) is True]
    unsure = [side for side, values in sides_of(state) if side_on(values, family) is None]
    if not on:
        if unsure:
            yield Outcome(
                "unknown",
                f"TLS 1.3 Enabled is absent on {joined(unsure)} and the Windows version of {server.name} is unknown: "
                "Windows Server 2022 and later enable TLS 1.3 by default, older versions do not support it; "
                f"run {HOW_TO_EXPORT['os']}.",
                setting,
                sources,
            )
        else:
            yield Outcome(
                "pass", f"TLS 1.3 is off on Server and Client ({values_text(state)}).", setting, sources
            )
        return
    os_ok, build_ok = tls13_support(server, ctx)
    info = ctx.build(server).info
    build_name = describe_build(info) if info is not None else "the build"
    why: list[str] = []
    if os_ok is False:
        why.append(f"{family} does not support TLS 1.3 (Windows Server 2022 or later does)")
    if build_ok is False and info is not None:
        first = load_capabilities().threshold("tls13", info.product)
        since = (
            f"{info.product} supports it from {first.release} ({first.from_build})"
            if first
            else f"no {info.product} build supports it"
        )
        why.append(f"{build_name} does not support TLS 1.3 ({since})")
    if why:
        yield Outcome(
            "fail",
            f"TLS 1.3 is enabled on {joined(on)} ({values_text(state)}) but " + " and ".join(why) + ".",
            setting,
            sources,
            remediation=commands(schannel_changes(server, "TLS 1.3", DISABLE)),
        )
    elif os_ok and build_ok:
        yield Outcome(
            "pass",
            f"TLS 1.3 is enabled on {joined(on)} and supported: {build_name} on {family}.",
            setting,
            sources,
        )
    else:
        missing = []
        if os_ok is None:
            missing.append(f"the Windows version ({HOW_TO_EXPORT['os']})")
        if build_ok is None:
            missing.append(f"the Exchange build ({HOW_TO_EXPORT['build']})")
        yield Outcome(
            "unknown",
            f"TLS 1.3 is enabled on {joined(on)}; whether that is supported depends on "
            + " and ".join(missing)
            + ".",
            setting,
            sources,
        )


# --- TLS007 ---------------------------------------------------------------------------------

TLS007 = define(
    id="TLS007",
    name="ssl-enabled",
    title="SSL 2.0 or SSL 3.0 is enabled",
    severity=Severity.CRITICAL,
    scope="server",
    rationale=(
        "SSL 2.0 and 3.0 are broken (POODLE, RFC 7568) and must never be negotiated. Windows Server 2012 R2 and "
        "earlier enable SSL 3.0 when no key exists; Windows Server 2016 and later disable SSL 3.0 and removed SSL 2.0."
    ),
    remediation=(
        "Set Enabled=0 and DisabledByDefault=1 under ...\\SCHANNEL\\Protocols\\SSL 3.0\\Server and \\Client (and "
        "SSL 2.0 likewise) with reg add ... /t REG_DWORD /f; then reboot."
    ),
    sources=[_WIN_DEFAULTS, _WIN_TLS_REGISTRY],
)


def _ssl(server: Server, ctx: Context) -> Iterator[Outcome]:
    family = known_family(os_family(server))
    for version in SSL_VERSIONS:
        setting = f"schannel/{version}"
        state = state_of(server, version)
        if state is None:
            yield not_covered(server, version, setting)
            continue
        sources = schannel_sources(server, version) + fact_sources(server.sources, "os")
        on: list[str] = []
        unsure: list[str] = []
        removed: list[str] = []
        for side, values in sides_of(state):
            if not values.supported:
                removed.append(side)
            elif values.enabled_value is None and family is None:
                unsure.append(side)
            elif values.usable:
                on.append(side)
        if on:
            yield Outcome(
                "fail",
                f"{version} can be negotiated on {joined(on)} ({values_text(state)}).",
                setting,
                sources,
                remediation=commands(schannel_changes(server, version, DISABLE)),
            )
        elif unsure:
            yield Outcome(
                "unknown",
                f"{version} Enabled is absent on {joined(unsure)} and the Windows version of {server.name} is unknown "
                f"(SSL 3.0 is on by default up to Windows Server 2012 R2): run {HOW_TO_EXPORT['os']}.",
                setting,
                sources,
            )
        else:
            note = f"; {family} has no {version}" if removed else ""
            yield Outcome(
                "pass",
                f"{version} is off on Server and Client ({values_text(state)}{note}).",
                setting,
                sources,
            )


# --- TLS008 ---------------------------------------------------------------------------------

TLS008 = define(
    id="TLS008",
    name="schannel-values-undefined",
    title="Enabled or DisabledByDefault is not set for TLS 1.0, 1.1 or 1.2",
    severity=Severity.LOW,
    scope="server",
    rationale=(
        "An absent value means the Windows default, which differs between Windows versions and can change with "
        "updates. HealthChecker reports each missing value as an error ('should be defined in registry for "
        "consistent results'); Microsoft's guidance writes every value explicitly."
    ),
    remediation=(
        "Write both values on both sides: TLS 1.2 Enabled=1/DisabledByDefault=0; TLS 1.0 and 1.1 "
        "Enabled=0/DisabledByDefault=1 once ready (Enabled=1/DisabledByDefault=0 until then)."
    ),
    sources=[_HC_ANALYZER, _EXCHANGE_TLS],
)


def _undefined(server: Server, ctx: Context) -> Iterator[Outcome]:
    for version in ("TLS 1.0", "TLS 1.1", "TLS 1.2"):
        setting = f"schannel/{version}"
        state = state_of(server, version)
        if state is None:
            yield not_covered(server, version, setting)
            continue
        sides = server.schannel[version]
        absent = [
            f"{side}\\{name}"
            for side in SIDES
            for name in ("Enabled", "DisabledByDefault")
            if sides[side].get(name) is None
        ]
        sources = schannel_sources(server, version)
        if not absent:
            yield Outcome(
                "pass",
                f"{version} has Enabled and DisabledByDefault set on Server and Client.",
                setting,
                sources,
            )
            continue
        target = ENABLE if version == "TLS 1.2" else DISABLE
        missing_only = [
            change
            for change in schannel_changes(server, version, target)
            if sides[change.path.rsplit("\\", 1)[-1]].get(change.name) is None
        ]
        lead = (
            ""
            if version == "TLS 1.2"
            else "Once the plan's prerequisites are met (until then Enabled=1, DisabledByDefault=0):\n"
        )
        yield Outcome(
            "fail",
            f"{version}: {', '.join(absent)} not set under {schannel_key(version, '<side>')}; Windows uses its default "
            f"({state.default_basis}).",
            setting,
            sources,
            remediation=lead + commands(missing_only),
        )


RULES = (
    ServerRule(TLS001, _tls12),
    ServerRule(TLS002, _legacy),
    ServerRule(TLS003, _mismatch),
    ServerRule(TLS004, _half),
    ServerRule(TLS005, _anomalies),
    ServerRule(TLS006, _tls13),
    ServerRule(TLS007, _ssl),
    ServerRule(TLS008, _undefined),
)
