"""A realistic five-server report and rule metadata, built in Python for the renderer tests.

Covers every verdict, every severity and status, suppressed findings, a file in error,
an ignored file, and a tenant with AllowLegacyTLSClients = $true, so each renderer has
something to show in every section.
"""

from __future__ import annotations

import datetime as dt

from exotls.checks.meta import RuleMeta
from exotls.model import (
    DotNet,
    Finding,
    Fleet,
    InputFile,
    LegacyTls,
    Organization,
    OsInfo,
    PlanStep,
    Protocols,
    RegistryChange,
    ReleaseRef,
    Report,
    Server,
    Severity,
    Source,
    Summary,
    ToolInfo,
)
from exotls.usage.model import SourceWindow, UsageClient, UsageReport

__all__ = ["HOSTILE_NAME", "sample_report", "sample_rules", "sample_usage"]

HOSTILE_NAME = '<script>alert("x")</script>|EX|'

_TLS10_SERVER = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server"
_SRC = "https://learn.microsoft.com/en-us/exchange/exchange-tls-guidance"


def sample_rules() -> list[RuleMeta]:
    """Rule metadata for the ids the sample findings use (one rule per severity and scope)."""
    return [
        RuleMeta(
            id="BLD001",
            name="build-out-of-support",
            title="Exchange build is out of support",
            severity=Severity.CRITICAL,
            scope="server",
            rationale="Builds older than the supported CU receive no security updates and cannot disable TLS 1.0/1.1 safely.",
            remediation="Install the latest Cumulative Update and Security Update.",
            sources=[_SRC],
            tags=["build"],
        ),
        RuleMeta(
            id="TLS002",
            name="tls12-disabled",
            title="TLS 1.2 is disabled or not enabled",
            severity=Severity.HIGH,
            scope="server",
            rationale="Exchange needs TLS 1.2 enabled on both Server and Client sides before older protocols go.",
            remediation="Set Enabled=1 and DisabledByDefault=0 under the TLS 1.2 Server and Client keys, then reboot.",
            sources=[_SRC],
            tags=["tls"],
        ),
        RuleMeta(
            id="NET001",
            name="dotnet-system-default-tls",
            title=".NET Framework does not use the OS TLS defaults",
            severity=Severity.HIGH,
            scope="server",
            rationale=".NET 4 applications use TLS 1.0 unless SystemDefaultTlsVersions and SchUseStrongCrypto are 1.",
            remediation="Set SystemDefaultTlsVersions=1 and SchUseStrongCrypto=1 for .NET v4.0.30319 (64-bit and WOW6432Node).",
            sources=[_SRC],
            tags=["dotnet"],
        ),
        RuleMeta(
            id="ORG001",
            name="legacy-tls-clients-allowed",
            title="Tenant allows legacy TLS clients",
            severity=Severity.MEDIUM,
            scope="organization",
            rationale="AllowLegacyTLSClients opts the tenant into the legacy SMTP AUTH and POP/IMAP endpoints.",
            remediation="Find the clients that use TLS 1.0/1.1, upgrade them, then run Set-TransportConfig -AllowLegacyTLSClients $false.",
            sources=[_SRC],
            tags=["exchange-online"],
        ),
        RuleMeta(
            id="TLS001",
            name="tls10-tls11-enabled",
            title="TLS 1.0 or TLS 1.1 is still enabled",
            severity=Severity.LOW,
            scope="server",
            rationale="TLS 1.0 and 1.1 are deprecated; Microsoft recommends disabling them once nothing depends on them.",
            remediation="Disable TLS 1.0 and 1.1 (Server and Client: Enabled=0, DisabledByDefault=1) and reboot.",
            sources=[_SRC],
            tags=["tls"],
        ),
        RuleMeta(
            id="INP001",
            name="server-facts-conflict",
            title="Two dumps disagree about a fact of one server",
            severity=Severity.INFO,
            scope="server",
            rationale="When two exports of one server disagree, one of them is stale and a verdict may rest on it.",
            remediation="Export the server again and remove the older file from the input.",
            sources=[_SRC],
            tags=["input"],
        ),
    ]


def _protocols(**states: tuple[int | None, int | None] | None) -> Protocols:
    """Both sides of each version given as (Enabled, DisabledByDefault); None = not covered."""
    out: Protocols = {}
    for key, values in states.items():
        if values is None:
            continue
        version = "TLS " + key[-2] + "." + key[-1]
        enabled, dbd = values
        side = {"Enabled": enabled, "DisabledByDefault": dbd}
        out[version] = {"Server": dict(side), "Client": dict(side)}
    return out


def _dotnet(sdtv: int | None, strong: int | None) -> DotNet:
    view = {"SystemDefaultTlsVersions": sdtv, "SchUseStrongCrypto": strong}
    return {"v4.0.30319": {"x64": dict(view), "x86": dict(view)}}


def _src(path: str, line: int | None, kind: str) -> Source:
    return Source(path=path, line=line, kind=kind)


def _servers(first_name: str) -> list[Server]:
    e19 = "Exchange Server 2019"
    return [
        Server(
            name=first_name,
            fqdn="ex01.contoso.com",
            build="15.2.1544.14",
            release=ReleaseRef(product=e19, name="CU14 Nov24SU", kind="SU", date=dt.date(2024, 11, 12), exact=True),
            os=OsInfo(product_name="Windows Server 2022 Datacenter", current_build="20348", family="Windows Server 2022"),
            roles=["Mailbox"],
            site="contoso.com/Configuration/Sites/Default-First-Site-Name",
            is_edge=False,
            schannel=_protocols(tls10=(1, 0), tls11=(1, 0), tls12=(1, 0), tls13=(None, None)),
            dotnet=_dotnet(1, 1),
            sources={"schannel": _src("dumps/ex01-schannel.reg", 4, "reg-export")},
            legacy_tls=LegacyTls(
                verdict="ready",
                summary="TLS 1.2 is on and .NET uses it; TLS 1.0/1.1 can go.",
                plan=[
                    PlanStep(order=1, action="verify", detail="Find who still uses TLS 1.0/1.1 in the SMTP and IIS logs.",
                             commands=["exotls usage <folder with SMTP protocol logs and IIS logs>"]),
                    PlanStep(order=2, action="disable-legacy-tls", detail="Disable TLS 1.0 on Server (Enabled=0).",
                             registry=[RegistryChange(path=_TLS10_SERVER, name="Enabled", data=0)],
                             commands=[f'reg add "{_TLS10_SERVER}" /v Enabled /t REG_DWORD /d 0 /f']),
                    PlanStep(order=3, action="reboot", detail="Restart the server so Schannel reads the keys."),
                ],
            ),
        ),
        Server(
            name="EX02",
            fqdn="ex02.contoso.com",
            build="15.1.2375.7",
            release=ReleaseRef(product="Exchange Server 2016", name="CU22", kind="CU", exact=True),
            os=OsInfo(product_name="Windows Server 2016 Standard", family="Windows Server 2016"),
            roles=["Mailbox"],
            schannel=_protocols(tls10=(None, None), tls11=(None, None), tls12=(0, 1), tls13=None),
            dotnet=_dotnet(None, 0),
            legacy_tls=LegacyTls(
                verdict="blocked",
                blockers=["BLD001", "TLS002", "NET001"],
                summary="Out-of-support build, TLS 1.2 disabled, .NET not on OS defaults.",
                plan=[
                    PlanStep(order=1, action="enable-tls12", detail="Enable TLS 1.2 on Server.",
                             registry=[RegistryChange(path=_TLS10_SERVER.replace("1.0", "1.2"), name="Enabled", data=1)]),
                ],
            ),
        ),
        Server(
            name="EX03",
            fqdn="ex03.contoso.com",
            build="15.2.1544.14",
            release=ReleaseRef(product=e19, name="CU14 Nov24SU", kind="SU", exact=True),
            schannel=_protocols(tls10=(0, 1), tls11=(0, 1), tls12=(1, 0), tls13=(None, None)),
            dotnet=_dotnet(1, 1),
            legacy_tls=LegacyTls(verdict="disabled", summary="TLS 1.0 and 1.1 are already disabled."),
        ),
        Server(
            name="EX04",
            build="15.2.1258.12",
            release=ReleaseRef(product=e19, name="CU13", kind="CU", exact=False),
            legacy_tls=LegacyTls(
                verdict="unknown",
                unknown_because=["no SCHANNEL export for EX04", "no .NET export for EX04"],
            ),
        ),
        Server(
            name="EDGE01",
            build="15.2.9999.1",
            release=None,
            roles=["Edge"],
            is_edge=True,
            schannel=_protocols(tls10=(1, None), tls11=(0, None), tls12=(1, None), tls13=None),
            dotnet=_dotnet(1, None),
            legacy_tls=LegacyTls(verdict="ready"),
        ),
    ]


def _findings(first_name: str) -> list[Finding]:
    docs = "https://github.com/exotls/exotls/blob/main/docs/rules/"
    return [
        Finding(
            rule="TLS001", severity=Severity.LOW, status="pass", subject="EX03",
            message="TLS 1.0 and TLS 1.1 are disabled on EX03.", setting="TLS 1.0", docs=docs + "TLS001.md",
        ),
        Finding(
            rule="TLS001", severity=Severity.LOW, status="fail", subject=first_name,
            message=f"TLS 1.0 is enabled on {first_name} (Server Enabled=1).",
            remediation="Disable TLS 1.0 and 1.1 (Server and Client: Enabled=0, DisabledByDefault=1) and reboot.",
            setting=r"SCHANNEL\Protocols\TLS 1.0\Server\Enabled", docs=docs + "TLS001.md",
            sources=[_src("dumps/ex01-schannel.reg", 12, "reg-export")],
        ),
        Finding(
            rule="BLD001", severity=Severity.CRITICAL, status="fail", subject="EX02",
            message="EX02 runs Exchange Server 2016 CU22 (15.1.2375.7), which is out of support.",
            remediation="Install the latest Cumulative Update and Security Update.",
            setting="build", docs=docs + "BLD001.md",
            sources=[_src("dumps/servers.xml", 57, "Get-ExchangeServer")],
        ),
        Finding(
            rule="TLS002", severity=Severity.HIGH, status="fail", subject="EX02",
            message="TLS 1.2 is disabled on EX02 (Server Enabled=0).",
            remediation="Set Enabled=1 and DisabledByDefault=0 under the TLS 1.2 Server and Client keys, then reboot.",
            setting=r"SCHANNEL\Protocols\TLS 1.2\Server\Enabled", docs=docs + "TLS002.md",
            sources=[_src("dumps\\ex02-schannel.reg", 20, "reg-export")],
        ),
        Finding(
            rule="NET001", severity=Severity.HIGH, status="fail", subject="EX02",
            message="SystemDefaultTlsVersions is not set for .NET v4.0.30319 on EX02.",
            remediation="Set SystemDefaultTlsVersions=1 and SchUseStrongCrypto=1 for .NET v4.0.30319.",
            setting=r".NETFramework\v4.0.30319\SystemDefaultTlsVersions", docs=docs + "NET001.md",
            sources=[_src("dumps/ex02-dotnet.json", None, "Get-ItemProperty")],
        ),
        Finding(
            rule="NET001", severity=Severity.HIGH, status="unknown", subject="EX04",
            message="No .NET registry export covers EX04.",
            remediation="Export HKLM\\SOFTWARE\\Microsoft\\.NETFramework with reg export.",
            setting=r".NETFramework\v4.0.30319\SystemDefaultTlsVersions", docs=docs + "NET001.md",
        ),
        Finding(
            rule="ORG001", severity=Severity.MEDIUM, status="fail", subject="contoso.onmicrosoft.com",
            message="AllowLegacyTLSClients is $true: the tenant accepts TLS 1.0/1.1 on the legacy endpoints.",
            remediation="Upgrade the legacy clients, then Set-TransportConfig -AllowLegacyTLSClients $false.",
            setting="AllowLegacyTLSClients", docs=docs + "ORG001.md",
            sources=[_src("dumps/transportconfig.xml", 31, "Get-TransportConfig")],
        ),
        Finding(
            rule="TLS001", severity=Severity.LOW, status="fail", subject="EDGE01",
            message="TLS 1.0 is enabled on EDGE01 (Server Enabled=1).",
            remediation="Disable TLS 1.0 and 1.1 and reboot.",
            setting=r"SCHANNEL\Protocols\TLS 1.0\Server\Enabled", docs=docs + "TLS001.md",
            sources=[_src("dumps/edge01-schannel.reg", 8, "reg-export")],
            suppressed=True, suppression_reason="Edge kept on TLS 1.0 for partner relay until 2025-06 (CHG-1234).",
        ),
        Finding(
            rule="INP001", severity=Severity.INFO, status="error", subject="EX03",
            message="rule INP001 raised KeyError: 'Enabled'", docs=docs + "INP001.md",
        ),
        Finding(
            rule="TLS002", severity=Severity.HIGH, status="not-applicable", subject="EX04",
            message="TLS 1.2 state not evaluated: no SCHANNEL export.", docs=docs + "TLS002.md",
        ),
    ]


def _client(source: str, server: str | None, client: str | None, version: str, count: int, unit: str,
            **lists: list[str]) -> UsageClient:
    seen = dt.datetime(2025, 2, 20, 14, 5, tzinfo=dt.UTC)
    values = {name: lists.get(name, []) for name in ("users", "user_agents", "ehlo", "mail_from", "connectors", "vdirs")}
    return UsageClient.model_validate({
        "source": source, "server": server, "client": client, "tls_version": version, "count": count, "unit": unit,
        **values, "first_seen": seen - dt.timedelta(days=6), "last_seen": seen, "sources": ["logs/RECV2025022014-1.LOG"],
    })


def sample_usage() -> UsageReport:
    """Usage as the usage analyzer puts it in the report: two legacy clients and one on TLS 1.2."""
    usage = UsageReport(
        clients=[
            _client("smtp-receive", "EX01", "10.0.8.21", "TLS 1.0", 412, "sessions", ehlo=["PRN-3F-KYOCERA"],
                    mail_from=["scanner@contoso.com"]),
            _client("iis", "EX01", "10.0.9.40", "TLS 1.1", 37, "requests", users=["CONTOSO\\svc-crm"],
                    user_agents=["Java/1.7.0_80"], vdirs=["/EWS"]),
            _client("smtp-receive", "EX01", "10.0.8.30", "TLS 1.2", 1200, "sessions", ehlo=["mfp-2"]),
        ],
        totals={"smtp-receive": {"TLS 1.0": 412, "TLS 1.2": 1200}, "iis": {"TLS 1.1": 37}},
        windows={"smtp-receive": SourceWindow(first=dt.datetime(2025, 2, 14, tzinfo=dt.UTC),
                                              last=dt.datetime(2025, 2, 20, 23, 59, tzinfo=dt.UTC), short=True)},
        notes=["smtp-receive logs span 6.9 days; a weekly job may not show up"],
        skipped=[],
    )
    return usage


def sample_report(
    *,
    first_name: str = "EX01",
    as_of: dt.date = dt.date(2025, 3, 1),
    line_shift: int = 0,
    usage: bool = True,
) -> Report:
    """The sample report; ``first_name`` lets a test put hostile text where a server name goes.

    ``line_shift`` moves every source line, as a re-export of the same facts would.
    """
    findings = _findings(first_name)
    if line_shift:
        findings = [
            f.model_copy(update={"sources": [
                s.model_copy(update={"line": (s.line or 0) + line_shift}) for s in f.sources
            ]})
            for f in findings
        ]
    inputs = [
        InputFile(path="dumps/ex01-schannel.reg", format="reg", encoding="utf-16-le", kinds=["schannel"]),
        InputFile(path="dumps/servers.xml", format="clixml", encoding="utf-8", kinds=["Get-ExchangeServer"]),
        InputFile(path="dumps/transportconfig.xml", format="clixml", encoding="utf-8", kinds=["Get-TransportConfig"]),
        InputFile(path="dumps/ex02-dotnet.json", format="json", encoding="utf-8-sig", kinds=["Get-ItemProperty"]),
        InputFile(path="dumps/broken.xml", format="clixml", status="error", error="dumps/broken.xml:3: not well-formed XML"),
        InputFile(path="dumps/notes.txt", status="ignored", warnings=["not an export exotls knows"]),
    ]
    return Report(
        tool=ToolInfo(version="0.1.0"),
        releases_as_of=dt.date(2025, 2, 11),
        as_of=as_of,
        summary=Summary(files=6, ok=4, error=1, ignored=1),
        inputs=inputs,
        organization=Organization(
            environment="exchange-online",
            name="contoso.onmicrosoft.com",
            settings={"AllowLegacyTLSClients": True, "SmtpClientAuthenticationDisabled": False},
            sources={"AllowLegacyTLSClients": _src("dumps/transportconfig.xml", 31, "Get-TransportConfig")},
            verdict="legacy-tls-allowed",
        ),
        servers=_servers(first_name),
        findings=findings,
        fleet=Fleet(verdict="blocked", counts={"ready": 2, "blocked": 1, "disabled": 1, "unknown": 1}),
        usage=sample_usage() if usage else None,
    )
