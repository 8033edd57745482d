"""NET rules: the .NET Framework registry values that make Exchange's .NET code use TLS 1.2.

.NET reads ``SystemDefaultTlsVersions`` and ``SchUseStrongCrypto`` per framework version and
per bitness (64-bit key and its Wow6432Node twin); only the value 1 turns them on, and an
absent value falls back to what the calling application targets, which for Exchange's
binaries is not enough. So absent is a failure, and a key no dump covered is unknown.
"""

from __future__ import annotations

from collections.abc import Iterator

from exotls.checks.base import Context, Outcome, ServerCheck, ServerRule, define, fact_sources
from exotls.checks.paths import DOTNET_ARCHES, DOTNET_VALUES, HOW_TO_EXPORT, dotnet_key, reg_add
from exotls.model import RegistryChange, Server, Severity

__all__ = ["RULES"]

_ARCH_WORDS = {"x64": "64-bit", "x86": "32-bit (Wow6432Node)"}


def _describe(value: int | None) -> str:
    if value is None:
        return "absent"
    if value == 0xFFFFFFFF:
        return "4294967295 (0xFFFFFFFF; .NET only reads 1 as on)"
    return str(value)


def _check(version: str) -> ServerCheck:
    def check(server: Server, ctx: Context) -> Iterator[Outcome]:
        arches = server.dotnet.get(version, {})
        for arch in DOTNET_ARCHES:
            values = arches.get(arch)
            key = dotnet_key(version, arch)
            for name in DOTNET_VALUES:
                setting = f"dotnet/{version}/{arch}/{name}"
                if values is None:
                    yield Outcome(
                        "unknown",
                        f"no dump covers {key} ({_ARCH_WORDS[arch]}) on {server.name}: run {HOW_TO_EXPORT['dotnet']}.",
                        setting,
                    )
                    continue
                value = values.get(name)
                sources = fact_sources(server.sources, setting)
                change = RegistryChange(path=key, name=name, data=1)
                if value == 1:
                    yield Outcome("pass", f"{name} is 1 under {key} ({_ARCH_WORDS[arch]}).", setting, sources)
                else:
                    yield Outcome(
                        "fail",
                        f"{name} is {_describe(value)} under {key} ({_ARCH_WORDS[arch]}); it must be 1.",
                        setting,
                        sources,
                        remediation=reg_add(change),
                    )

    return check


_SOURCES = [
    "https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-tls-configuration",
    "https://learn.microsoft.com/dotnet/framework/network-programming/tls",
    "https://github.com/microsoft/CSS-Exchange/blob/main/Shared/TLS/Get-AllTlsSettingsFromRegistry.ps1",
]

NET001 = define(
    id="NET001",
    name="dotnet4-tls-values",
    title=".NET 4.x SystemDefaultTlsVersions and SchUseStrongCrypto are not 1 (64-bit and 32-bit)",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "Exchange's .NET 4 code negotiates TLS through these values: without SystemDefaultTlsVersions=1 and "
        "SchUseStrongCrypto=1 it may only offer TLS 1.0, so disabling TLS 1.0/1.1 breaks Exchange's own "
        "connections (hybrid free/busy, EWS, Autodiscover). Both the 64-bit key and its Wow6432Node twin count."
    ),
    remediation=(
        'reg add "HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319" /v SystemDefaultTlsVersions /t REG_DWORD /d 1 /f '
        "and the same for SchUseStrongCrypto and under HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319; then reboot."
    ),
    sources=_SOURCES,
    tags=["blocker"],
)

NET002 = define(
    id="NET002",
    name="dotnet2-tls-values",
    title=".NET 2.0/3.5 SystemDefaultTlsVersions and SchUseStrongCrypto are not 1 (64-bit and 32-bit)",
    severity=Severity.MEDIUM,
    scope="server",
    rationale=(
        "Microsoft's Exchange TLS guidance sets the same two values for .NET 2.0/3.5 (v2.0.50727) so code on the "
        "older runtime also uses TLS 1.2. HealthChecker shows these values but does not flag them; exotls does, "
        "because the guidance asks for all four keys."
    ),
    remediation=(
        'reg add "HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v2.0.50727" /v SystemDefaultTlsVersions /t REG_DWORD /d 1 /f '
        "and the same for SchUseStrongCrypto and under HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v2.0.50727; then reboot."
    ),
    sources=_SOURCES,
    tags=["blocker"],
)

RULES = (
    ServerRule(NET001, _check("v4.0.30319")),
    ServerRule(NET002, _check("v2.0.50727")),
)
