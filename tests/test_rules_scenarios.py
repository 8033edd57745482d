"""Whole-fleet scenarios: verdicts per server, the fleet, the organization and the plans."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "rules"))
from rules_builders import (
    AS_OF,
    DISABLED_TLS,
    E16_CU8,
    E19_CU14,
    SE_RTM,
    dotnet,
    exo,
    make_report,
    make_server,
    schannel,
)

from exotls.checks import evaluate
from exotls.model import RegistryChange, Report
from exotls.releases.lookup import lookup

SCHANNEL = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols"


def latest_se() -> str:
    build = lookup(SE_RTM, as_of=AS_OF).latest_su_for_cu
    assert build is not None
    return build


def fleet() -> Report:
    v4_missing = dotnet(
        1,
        {
            f"v4.0.30319/{arch}/{name}": None
            for arch in ("x64", "x86")
            for name in ("SystemDefaultTlsVersions", "SchUseStrongCrypto")
        },
    )
    return make_report(
        [
            make_server("EX16", build=E16_CU8, os_family="Windows Server 2016"),
            make_server("EX19", build=E19_CU14, os_family="Windows Server 2019", dotnet_map=v4_missing),
            make_server("EXREADY", build=latest_se(), os_family="Windows Server 2022"),
            make_server(
                "EXDONE", build=latest_se(), os_family="Windows Server 2022", schannel_map=DISABLED_TLS
            ),
        ],
        exo(AllowLegacyTLSClients=True),
    )


def test_fleet_verdicts() -> None:
    report = evaluate(fleet(), as_of=AS_OF)
    verdicts = {server.name: server.legacy_tls.verdict for server in report.servers if server.legacy_tls}
    assert verdicts == {"EX16": "blocked", "EX19": "blocked", "EXREADY": "ready", "EXDONE": "disabled"}
    by_name = {server.name: server.legacy_tls for server in report.servers}
    assert by_name["EX16"] is not None and by_name["EX16"].blockers == ["BLD006"]
    assert by_name["EX19"] is not None and by_name["EX19"].blockers == ["NET001"]
    assert (
        by_name["EXREADY"] is not None
        and by_name["EXREADY"].blockers == []
        and by_name["EXREADY"].unknown_because == []
    )
    assert report.fleet.verdict == "blocked"
    assert report.fleet.counts == {"ready": 1, "blocked": 2, "disabled": 1, "unknown": 0}
    assert report.organization.verdict == "legacy-tls-allowed"
    org_findings = [f for f in report.findings if f.rule == "ORG001"]
    assert [f.status for f in org_findings] == ["fail"]


def test_plans_follow_microsofts_order_and_omit_done_steps() -> None:
    report = evaluate(fleet(), as_of=AS_OF)
    plans = {server.name: server.legacy_tls.plan for server in report.servers if server.legacy_tls}
    actions = {name: [step.action for step in plan] for name, plan in plans.items()}
    assert actions == {
        "EX16": ["update", "verify", "disable-legacy-tls", "reboot"],
        "EX19": ["update", "set-dotnet-keys", "reboot", "verify", "disable-legacy-tls", "reboot"],
        "EXREADY": ["verify", "disable-legacy-tls", "reboot"],
        "EXDONE": [],
    }
    for plan in plans.values():
        assert [step.order for step in plan] == list(range(1, len(plan) + 1))

    ex16_update = plans["EX16"][0]
    assert f"to Exchange SE {lookup(latest_se(), as_of=AS_OF).name} ({latest_se()})" in ex16_update.detail
    assert "past end of support" in ex16_update.detail and "disabling TLS 1.0/1.1" in ex16_update.detail

    dotnet_step = plans["EX19"][1]
    assert dotnet_step.registry == [
        RegistryChange(path=rf"HKLM\SOFTWARE\{hive}Microsoft\.NETFramework\v4.0.30319", name=name, data=1)
        for hive in ("", "Wow6432Node\\")
        for name in ("SystemDefaultTlsVersions", "SchUseStrongCrypto")
    ]
    assert dotnet_step.commands[0] == (
        'reg add "HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\v4.0.30319" /v SystemDefaultTlsVersions /t REG_DWORD /d 1 /f'
    )

    disable = plans["EXREADY"][1]
    assert disable.registry == [
        RegistryChange(path=f"{SCHANNEL}\\{version}\\{side}", name=name, data=data)
        for version in ("TLS 1.0", "TLS 1.1")
        for side in ("Server", "Client")
        for name, data in (("Enabled", 0), ("DisabledByDefault", 1))
    ]
    assert disable.commands[0] == f'reg add "{SCHANNEL}\\TLS 1.0\\Server" /v Enabled /t REG_DWORD /d 0 /f'
    verify = plans["EXREADY"][0]
    assert (
        "SP_PROT_TLS1_2" in verify.detail
        and "crypt-protocol" in verify.detail
        and "exotls usage" in verify.detail
    )


def test_plan_enables_tls12_and_disables_unsupported_tls13_before_the_first_reboot() -> None:
    server = make_server(
        "EX01",
        build=E19_CU14,
        os_family="Windows Server 2022",
        schannel_map=schannel(tls12=(1, None), tls13=(None, None)),
    )
    report = evaluate(make_report([server]), as_of=AS_OF)
    plan = report.servers[0].legacy_tls.plan  # type: ignore[union-attr]
    assert [step.action for step in plan][:3] == ["update", "enable-tls12", "reboot"]
    changes = {
        (c.path.rsplit("\\", 2)[-2], c.path.rsplit("\\", 1)[-1], c.name, c.data) for c in plan[1].registry
    }
    assert changes == {
        ("TLS 1.2", "Server", "DisabledByDefault", 0),
        ("TLS 1.2", "Client", "DisabledByDefault", 0),
        ("TLS 1.3", "Server", "Enabled", 0),
        ("TLS 1.3", "Server", "DisabledByDefault", 1),
        ("TLS 1.3", "Client", "Enabled", 0),
        ("TLS 1.3", "Client", "DisabledByDefault", 1),
    }
    assert "disable TLS 1.3" in plan[1].detail


def test_disabled_server_with_other_problems_stays_disabled_and_lists_them() -> None:
    server = make_server("EX01", build=latest_se(), schannel_map=DISABLED_TLS, dotnet_map=dotnet(None))
    report = evaluate(make_report([server]), as_of=AS_OF)
    legacy = report.servers[0].legacy_tls
    assert legacy is not None and legacy.verdict == "disabled"
    assert "NET001" in legacy.summary and "NET002" in legacy.summary
    assert [step.action for step in legacy.plan] == ["set-dotnet-keys", "reboot"]


def test_unknown_when_inputs_are_missing_and_the_reason_names_the_dump() -> None:
    server = make_server("EX01", build=None, schannel_map={}, dotnet_map={})
    report = evaluate(make_report([server]), as_of=AS_OF)
    legacy = report.servers[0].legacy_tls
    assert legacy is not None and legacy.verdict == "unknown"
    text = "\n".join(legacy.unknown_because)
    assert "ExSetup" in text and "reg export" in text and "TLS 1.0\\Server" in text
    assert not any(line.startswith("TLS 1.0:") for line in legacy.unknown_because)  # already said by TLS003
    without_tls003 = evaluate(make_report([server]), as_of=AS_OF, skip=["TLS003"]).servers[0].legacy_tls
    assert without_tls003 is not None
    assert any(line.startswith("TLS 1.0: no SCHANNEL export") for line in without_tls003.unknown_because)
    assert report.fleet.verdict == "unknown"
    assert legacy.plan[0].action == "confirm-build"


def test_blocked_wins_over_unknown_and_keeps_the_unknowns() -> None:
    server = make_server("EX01", build=E16_CU8, dotnet_map={})
    legacy = evaluate(make_report([server]), as_of=AS_OF).servers[0].legacy_tls
    assert legacy is not None and legacy.verdict == "blocked" and legacy.blockers == ["BLD006"]
    assert any(line.startswith("NET001:") for line in legacy.unknown_because)


def test_fleet_verdict_order() -> None:
    ready = make_server("A", build=latest_se())
    done = make_server("B", build=latest_se(), schannel_map=DISABLED_TLS)
    unknown = make_server("C", build=latest_se(), dotnet_map={})
    assert (
        evaluate(
            make_report([done, make_server("D", build=latest_se(), schannel_map=DISABLED_TLS)]), as_of=AS_OF
        ).fleet.verdict
        == "disabled"
    )
    assert evaluate(make_report([ready, done]), as_of=AS_OF).fleet.verdict == "ready"
    assert evaluate(make_report([ready, done, unknown]), as_of=AS_OF).fleet.verdict == "unknown"
    empty = evaluate(make_report([]), as_of=AS_OF).fleet
    assert empty.verdict == "unknown" and empty.counts == {
        "ready": 0,
        "blocked": 0,
        "disabled": 0,
        "unknown": 0,
    }


def test_tls13_mismatch_does_not_block_but_tls10_mismatch_does() -> None:
    tls13_mismatch = schannel(tls13=(0, 1))
    tls13_mismatch["TLS 1.3"]["Client"] = {"Enabled": 1, "DisabledByDefault": 0}
    ok = evaluate(make_report([make_server(build=latest_se(), schannel_map=tls13_mismatch)]), as_of=AS_OF)
    assert any(f.rule == "TLS003" and f.status == "fail" for f in ok.findings)
    assert ok.servers[0].legacy_tls.verdict == "ready"  # type: ignore[union-attr]
    tls10_mismatch = schannel()
    tls10_mismatch["TLS 1.0"]["Server"] = {"Enabled": 0, "DisabledByDefault": 1}
    bad = evaluate(make_report([make_server(build=latest_se(), schannel_map=tls10_mismatch)]), as_of=AS_OF)
    assert bad.servers[0].legacy_tls.blockers == ["TLS003"]  # type: ignore[union-attr]
