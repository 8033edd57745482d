"""Every rule, on servers and organizations built in Python: cases that pass, fail and are unknown.

``CASES`` is the one table; ``test_every_rule_has_pass_fail_and_unknown_cases`` fails when a
rule is added without cases for each outcome it can have.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "rules"))
from rules_builders import (
    ABSENT,
    AS_OF,
    DISABLED_TLS,
    E16_CU7,
    E16_CU8,
    E19_CU14,
    NOT_EXCHANGE,
    OFF,
    ON,
    READY_TLS,
    SE_RTM,
    dotnet,
    exo,
    make_report,
    make_server,
    proto,
    schannel,
)

from exotls.checks import evaluate, rules
from exotls.model import Conflict, Organization, RegistryAnomaly, Report, Source
from exotls.releases.lookup import lookup
from exotls.usage import SourceWindow, UsageClient, UsageReport


def _latest_se() -> str:
    latest = lookup(SE_RTM, as_of=AS_OF).latest_su_for_cu
    assert latest is not None
    return latest


@dataclass(frozen=True)
class Case:
    rule: str
    status: str
    report: Callable[[], Report]
    setting: str | None = None
    says: tuple[str, ...] = ()
    subject: str = "EX01"

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.status}-{self.setting or ''}-{'+'.join(self.says)[:40]}"


def one(**kwargs: object) -> Callable[[], Report]:
    return lambda: make_report([make_server(**kwargs)])  # type: ignore[arg-type]


def org(organization: Organization) -> Callable[[], Report]:
    return lambda: make_report([], organization)


ANOMALY = RegistryAnomaly(
    kind="misspelled-key",
    path=r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS1.2\Server",
    name="Enabled",
    value="1",
    detail="key TLS1.2 is not read by Schannel (expected 'TLS 1.2')",
    source=Source(path="schannel.reg", line=12, kind="reg-export"),
)
CONFLICT = Conflict(
    fact="build",
    values=["15.2.1544.4", "15.2.1544.14"],
    sources=[Source(path="a.xml"), Source(path="b.xml")],
    resolution="used 15.2.1544.14 from ExSetup",
)
ON_PREM = Organization(environment="on-premises")
NO_DUMP = Organization()


def two(first: dict[str, object], second: dict[str, object]) -> Callable[[], Report]:
    return lambda: make_report([make_server("EX01", **first), make_server("EX02", **second)])  # type: ignore[arg-type]


CASES = [
    # BLD
    Case("BLD001", "pass", one(build=SE_RTM), "build", ("in the release table",)),
    Case("BLD001", "fail", one(build="15.2.9999.1"), "build", ("newer than the table",)),
    Case("BLD001", "fail", one(build=NOT_EXCHANGE), "build", ("not an Exchange Server",)),
    Case("BLD001", "unknown", one(build=None), "build", ("no Exchange build", "ExSetup")),
    Case("BLD002", "pass", one(build=SE_RTM), "build/lifecycle", ("Modern Lifecycle",)),
    Case(
        "BLD002",
        "fail",
        one(build=E16_CU8),
        "build/lifecycle",
        ("Exchange 2016 reached end of support on 2025-10-14",),
    ),
    Case("BLD002", "unknown", one(build=None), "build"),
    Case("BLD003", "pass", one(build=SE_RTM), "build/cu"),
    Case("BLD003", "fail", one(build=E16_CU8), "build/cu", ("Exchange 2016 CU8", "no longer receives")),
    Case("BLD003", "unknown", one(build=NOT_EXCHANGE), "build", ("not an Exchange Server 2010-SE build",)),
    Case("BLD004", "pass", lambda: make_report([make_server(build=_latest_se())]), "build/su"),
    Case("BLD004", "fail", one(build=SE_RTM), "build/su", ("not on the latest SU",)),
    Case("BLD004", "unknown", one(build=None), "build"),
    Case("BLD005", "pass", one(build=E16_CU8), "build/tls12"),
    Case(
        "BLD005", "fail", one(build=E16_CU7), "build/tls12", ("does not support TLS 1.2", "CU8 (15.1.1415.2)")
    ),
    Case("BLD005", "unknown", one(build=None), "build"),
    Case("BLD006", "pass", one(build=SE_RTM), "build/disable_tls10_tls11"),
    Case("BLD006", "fail", one(build=E16_CU8), "build/disable_tls10_tls11", ("CU9 (15.1.1466.3)",)),
    Case("BLD006", "unknown", one(build=None), "build"),
    # TLS001
    Case("TLS001", "pass", one(), "schannel/TLS 1.2"),
    Case(
        "TLS001",
        "fail",
        one(schannel_map=schannel(tls12=OFF)),
        "schannel/TLS 1.2",
        ("not enabled on Server and Client",),
    ),
    Case("TLS001", "fail", one(schannel_map=schannel(tls12=(1, 1))), "schannel/TLS 1.2", ("Half Disabled",)),
    Case(
        "TLS001",
        "pass",
        one(schannel_map=schannel(tls12=ABSENT)),
        "schannel/TLS 1.2",
        ("Windows Server 2022 default",),
    ),
    Case("TLS001", "unknown", one(schannel_map={"TLS 1.0": proto(*ON)}), "schannel/TLS 1.2", ("reg export",)),
    # TLS002
    Case("TLS002", "pass", one(schannel_map=DISABLED_TLS), "schannel/TLS 1.0"),
    Case("TLS002", "fail", one(), "schannel/TLS 1.1", ("can still be negotiated on Server and Client",)),
    Case(
        "TLS002",
        "fail",
        one(schannel_map=schannel(tls10=(0, 0))),
        "schannel/TLS 1.0",
        ("Enabled=0 but is not disabled",),
    ),
    Case("TLS002", "unknown", one(schannel_map={"TLS 1.2": proto(*ON)}), "schannel/TLS 1.0"),
    # TLS003
    Case("TLS003", "pass", one(), "schannel/TLS 1.2"),
    Case(
        "TLS003",
        "fail",
        one(schannel_map={**READY_TLS, "TLS 1.0": proto(0, 1, client=(1, 0))}),
        "schannel/TLS 1.0",
        ("Misconfigured",),
    ),
    Case("TLS003", "unknown", one(schannel_map=schannel(tls13=None)), "schannel/TLS 1.3"),
    # TLS004
    Case("TLS004", "pass", one(), "schannel/TLS 1.0"),
    Case("TLS004", "fail", one(schannel_map=schannel(tls10=(1, 1))), "schannel/TLS 1.0", ("Half Disabled",)),
    Case("TLS004", "unknown", one(schannel_map=schannel(tls13=None)), "schannel/TLS 1.3"),
    # TLS005
    Case("TLS005", "pass", one(), "registry-anomaly"),
    Case("TLS005", "fail", one(schannel_anomalies=[ANOMALY]), None, ("misspelled-key", "TLS1.2")),
    Case("TLS005", "unknown", one(schannel_map={}, dotnet_map={}), "registry-anomaly"),
    # TLS006: absent TLS 1.3 on WS2022 is on by default (HealthChecker would say Disabled)
    Case(
        "TLS006",
        "pass",
        one(build=SE_RTM, os_family="Windows Server 2022"),
        "schannel/TLS 1.3",
        ("supported",),
    ),
    Case(
        "TLS006",
        "fail",
        one(build=E19_CU14, os_family="Windows Server 2022"),
        "schannel/TLS 1.3",
        ("Exchange 2019 CU14", "does not support TLS 1.3"),
    ),
    Case(
        "TLS006",
        "fail",
        one(os_family="Windows Server 2019", schannel_map=schannel(tls13=ON)),
        "schannel/TLS 1.3",
        ("Windows Server 2019 does not support TLS 1.3",),
    ),
    Case(
        "TLS006",
        "pass",
        one(os_family="Windows Server 2019"),
        "schannel/TLS 1.3",
        ("off on Server and Client",),
    ),
    Case("TLS006", "unknown", one(os_family=None), "schannel/TLS 1.3", ("Windows version", "unknown")),
    Case(
        "TLS006",
        "unknown",
        one(build=None, schannel_map=schannel(tls13=ON)),
        "schannel/TLS 1.3",
        ("Exchange build",),
    ),
    # TLS007
    Case("TLS007", "pass", one(os_family="Windows Server 2016"), "schannel/SSL 2.0", ("has no SSL 2.0",)),
    Case(
        "TLS007",
        "fail",
        one(os_family="Windows Server 2012 R2"),
        "schannel/SSL 3.0",
        ("can be negotiated on Server and Client",),
    ),
    Case(
        "TLS007",
        "fail",
        one(os_family="Windows Server 2019", schannel_map=schannel(ssl3=ON)),
        "schannel/SSL 3.0",
    ),
    Case("TLS007", "unknown", one(os_family=None), "schannel/SSL 3.0"),
    # TLS008
    Case("TLS008", "pass", one(), "schannel/TLS 1.2"),
    Case(
        "TLS008",
        "fail",
        one(schannel_map=schannel(tls12=(1, None))),
        "schannel/TLS 1.2",
        ("Server\\DisabledByDefault, Client\\DisabledByDefault",),
    ),
    Case("TLS008", "unknown", one(schannel_map={}), "schannel/TLS 1.1"),
    # NET
    Case("NET001", "pass", one(), "dotnet/v4.0.30319/x86/SchUseStrongCrypto"),
    Case(
        "NET001",
        "fail",
        one(dotnet_map=dotnet(1, {"v4.0.30319/x86/SchUseStrongCrypto": None})),
        "dotnet/v4.0.30319/x86/SchUseStrongCrypto",
        ("absent", "Wow6432Node"),
    ),
    Case(
        "NET001",
        "fail",
        one(dotnet_map=dotnet(0xFFFFFFFF)),
        "dotnet/v4.0.30319/x64/SystemDefaultTlsVersions",
        ("0xFFFFFFFF",),
    ),
    Case(
        "NET001", "unknown", one(dotnet_map={}), "dotnet/v4.0.30319/x64/SchUseStrongCrypto", ("reg export",)
    ),
    Case("NET002", "pass", one(), "dotnet/v2.0.50727/x64/SchUseStrongCrypto"),
    Case(
        "NET002",
        "fail",
        one(dotnet_map=dotnet(1, {"v2.0.50727/x64/SchUseStrongCrypto": 0})),
        "dotnet/v2.0.50727/x64/SchUseStrongCrypto",
        ("is 0",),
    ),
    Case(
        "NET002",
        "unknown",
        one(dotnet_map={"v4.0.30319": dotnet()["v4.0.30319"]}),
        "dotnet/v2.0.50727/x86/SystemDefaultTlsVersions",
    ),
    # ORG
    Case("ORG001", "pass", org(exo(AllowLegacyTLSClients=None)), None, ("$null",), "organization"),
    Case("ORG001", "pass", org(exo(AllowLegacyTLSClients=False)), None, ("set explicitly",), "organization"),
    Case(
        "ORG001", "pass", org(exo(SmtpClientAuthenticationDisabled=True)), None, ("absent",), "organization"
    ),
    Case(
        "ORG001",
        "fail",
        org(exo(AllowLegacyTLSClients=True)),
        None,
        ("smtp-legacy.office365.com", "imap-legacy.partner.outlook.cn", "security posture"),
        "organization",
    ),
    Case("ORG001", "not-applicable", org(ON_PREM), None, ("on-premises",), "organization"),
    Case("ORG001", "unknown", org(NO_DUMP), None, ("Get-TransportConfig",), "organization"),
    Case("ORG002", "pass", org(exo(SmtpClientAuthenticationDisabled=True)), None, (), "organization"),
    Case(
        "ORG002",
        "fail",
        org(exo(SmtpClientAuthenticationDisabled=False)),
        None,
        ("Basic authentication", "2027"),
        "organization",
    ),
    Case("ORG002", "not-applicable", org(ON_PREM), None, (), "organization"),
    Case("ORG002", "unknown", org(NO_DUMP), None, (), "organization"),
    # FLT
    Case("FLT001", "pass", two({}, {}), "fleet/tls-settings", ("identical",), "fleet"),
    Case(
        "FLT001",
        "fail",
        two({}, {"schannel_map": DISABLED_TLS}),
        "schannel/TLS 1.0/Server/Enabled",
        ("0 on EX02", "1 on EX01"),
        "fleet",
    ),
    Case(
        "FLT001",
        "fail",
        two({}, {"dotnet_map": dotnet(1, {"v4.0.30319/x86/SchUseStrongCrypto": None})}),
        "dotnet/v4.0.30319/x86/SchUseStrongCrypto",
        ("absent on EX02",),
        "fleet",
    ),
    Case("FLT001", "unknown", two({}, {"dotnet_map": {}}), "fleet/tls-settings", ("EX02",), "fleet"),
    Case("FLT001", "not-applicable", one(), "fleet/tls-settings", (), "fleet"),
    # INP
    Case("INP001", "pass", one(), "conflicts"),
    Case(
        "INP001",
        "fail",
        one(conflicts=[CONFLICT]),
        "conflict/build",
        ("15.2.1544.4 vs 15.2.1544.14", "ExSetup"),
    ),
    Case("INP002", "pass", org(exo(AllowLegacyTLSClients=None)), "conflicts", (), "organization"),
    Case(
        "INP002",
        "fail",
        org(
            Organization(
                environment="exchange-online", settings={"AllowLegacyTLSClients": True}, conflicts=[CONFLICT]
            )
        ),
        "conflict/build",
        (),
        "organization",
    ),
]



def _usage(*clients: tuple[str, str | None, str, str], short: bool = False) -> UsageReport:
    """A usage report from (source, server, client, tls_version) rows, as the usage layer builds it."""
    rows = [
        UsageClient(
            source=source, server=server, client=client, tls_version=version, count=3,
            unit="messages" if source.startswith("exo") else "sessions", users=[], user_agents=[],
            ehlo=["scan01"] if source == "smtp-receive" else [], mail_from=[], connectors=[], vdirs=[],
            first_seen=None, last_seen=None, sources=[f"logs/{server or 'exo'}/{source}.log"],
        )
        for source, server, client, version in clients
    ]
    windows = {c.source: SourceWindow(first=None, last=None, short=short) for c in rows}
    return UsageReport(clients=rows, totals={}, windows=windows, notes=[], skipped=[])


def _with_usage(usage: UsageReport | None) -> Report:
    return make_report([make_server(schannel_map=READY_TLS)]).model_copy(update={"usage": usage})


CASES += [
    Case("USE001", "fail", lambda: _with_usage(_usage(("smtp-receive", "EX01", "10.0.0.5", "TLS 1.0"))),
         "usage/legacy-clients", ("10.0.0.5", "TLS 1.0", "EHLO scan01", "cut them off")),
    Case("USE001", "pass", lambda: _with_usage(_usage(("iis", "ex01", "10.0.0.9", "TLS 1.2"), short=True)),
         "usage/legacy-clients", ("none on TLS 1.0/1.1", "less than 7 days")),
    Case("USE001", "not-applicable", lambda: _with_usage(None), "usage/legacy-clients", ("no TLS usage logs",)),
    Case("USE001", "not-applicable", lambda: _with_usage(_usage(("iis", "EX02", "10.0.0.9", "TLS 1.0"))),
         "usage/legacy-clients", ("for EX01",)),
    Case("USE002", "fail", lambda: _with_usage(_usage(("exo-smtp-auth", None, "mfp@contoso.com", "TLS 1.1"))),
         "usage/exo-smtp-auth", ("mfp@contoso.com", "AllowLegacyTLSClients"), "organization"),
    Case("USE002", "pass", lambda: _with_usage(_usage(("exo-smtp-auth", None, "app@contoso.com", "TLS 1.2"))),
         "usage/exo-smtp-auth", (), "organization"),
    Case("USE002", "not-applicable", lambda: _with_usage(_usage(("iis", "EX01", "10.0.0.9", "TLS 1.0"))),
         "usage/exo-smtp-auth", ("no Exchange Online SMTP AUTH",), "organization"),
]

# Rules that cannot be unknown: a conflict list is always known once the subject exists; the usage
# rules are not-applicable without logs (the plan's verify step asks for them).
NEVER_UNKNOWN = {"INP001", "INP002", "USE001", "USE002"}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rule_case(case: Case) -> None:
    report = evaluate(case.report(), as_of=AS_OF, select=[case.rule])
    mine = [f for f in report.findings if f.rule == case.rule and f.subject == case.subject]
    assert mine, f"no finding of {case.rule} for {case.subject}"
    assert {f.rule for f in report.findings} == {case.rule}
    matching = [
        f for f in mine if f.status == case.status and (case.setting is None or f.setting == case.setting)
    ]
    assert matching, [(f.status, f.setting, f.message) for f in mine]
    finding = matching[0]
    for text in case.says:
        assert text in finding.message, finding.message
    assert finding.docs is not None and finding.docs.endswith(f"/docs/rules/{case.rule}.md")
    if case.status == "fail":
        assert finding.remediation
    else:
        assert finding.remediation is None


def test_every_rule_has_pass_fail_and_unknown_cases() -> None:
    covered: dict[str, set[str]] = {}
    for case in CASES:
        covered.setdefault(case.rule, set()).add(case.status)
    for meta in rules():
        wanted = {"pass", "fail"} | (set() if meta.id in NEVER_UNKNOWN else {"unknown"})
        assert wanted <= covered.get(meta.id, set()), (
            f"{meta.id} lacks cases for {wanted - covered.get(meta.id, set())}"
        )


def test_fail_remediation_is_the_exact_reg_add_line() -> None:
    report = evaluate(
        make_report([make_server(dotnet_map=dotnet(1, {"v4.0.30319/x86/SchUseStrongCrypto": None}))]),
        as_of=AS_OF,
        select=["NET001"],
    )
    failing = [f for f in report.findings if f.status == "fail"]
    assert [f.remediation for f in failing] == [
        'reg add "HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\\v4.0.30319" /v SchUseStrongCrypto /t REG_DWORD /d 1 /f'
    ]


def test_tls001_remediation_lists_only_values_not_yet_right() -> None:
    report = evaluate(
        make_report([make_server(schannel_map=schannel(tls12=(1, 1)))]), as_of=AS_OF, select=["TLS001"]
    )
    (finding,) = [f for f in report.findings if f.status == "fail"]
    assert finding.remediation == (
        'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server" '
        "/v DisabledByDefault /t REG_DWORD /d 0 /f\n"
        'reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client" '
        "/v DisabledByDefault /t REG_DWORD /d 0 /f"
    )


def test_findings_carry_the_sources_of_the_facts() -> None:
    report = evaluate(make_report([make_server(build=E16_CU8)]), as_of=AS_OF, select=["BLD006"])
    (finding,) = report.findings
    assert [s.path for s in finding.sources] == ["EX01-exsetup.xml"]
    anomaly = evaluate(
        make_report([make_server(schannel_anomalies=[ANOMALY])]), as_of=AS_OF, select=["TLS005"]
    )
    assert anomaly.findings[0].sources == [ANOMALY.source]


def test_tls_value_text_names_values_and_the_default_used() -> None:
    report = evaluate(
        make_report(
            [make_server(os_family="Windows Server 2019", schannel_map=schannel(tls10=(None, None)))]
        ),
        as_of=AS_OF,
        select=["TLS002"],
    )
    finding = next(f for f in report.findings if f.setting == "schannel/TLS 1.0")
    assert (
        "Server Enabled=absent DisabledByDefault=absent [absent Enabled read as on: Windows Server 2019 default]"
        in finding.message
    )
    assert "HealthChecker state: Enabled" in finding.message


@pytest.mark.parametrize(
    ("as_of", "words"),
    [
        ("2026-06-30", "will start removing TLS 1.0/1.1 and the legacy endpoints for POP/IMAP on 2026-07-01"),
        ("2026-07-01", "is under way, completing by 2026-12-31"),
        ("2026-12-31", "is under way, completing by 2026-12-31"),
        ("2027-01-01", "has been completed for POP/IMAP"),
    ],
)
def test_org001_is_worded_by_the_evaluation_date(as_of: str, words: str) -> None:
    import datetime as dt

    report = evaluate(
        make_report([], exo(AllowLegacyTLSClients=True)),
        as_of=dt.date.fromisoformat(as_of),
        select=["ORG001"],
    )
    (finding,) = report.findings
    assert words in finding.message
    assert ("may still open smtp-legacy" in finding.message) is (as_of == "2027-01-01")


@pytest.mark.parametrize(
    ("as_of", "words"),
    [
        ("2026-06-01", "will disable Basic authentication"),
        ("2026-12-15", "is disabling"),
        ("2027-02-01", "has been disabled by default"),
    ],
)
def test_org002_is_worded_by_the_evaluation_date(as_of: str, words: str) -> None:
    import datetime as dt

    report = evaluate(
        make_report([], exo(SmtpClientAuthenticationDisabled=False)),
        as_of=dt.date.fromisoformat(as_of),
        select=["ORG002"],
    )
    assert words in report.findings[0].message
    assert report.findings[0].severity.value == "info"
