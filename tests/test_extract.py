"""Extract layer: facts per server and organization from real-shaped dumps of every kind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from exotls.extract import merge
from exotls.inputs import discover
from exotls.model import Organization, Server
from exotls.pipeline import extract_file

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def extracted(*paths: str | Path, server: str | None = None) -> tuple[Organization, list[Server], list]:
    candidates, notes = discover([str(p) for p in paths])
    files = [extract_file(c, server) for c in candidates]
    org, servers = merge(files)
    return org, servers, [f.input for f in files] + notes


def by_name(servers: list[Server]) -> dict[str, Server]:
    return {s.name: s for s in servers}


@pytest.fixture(scope="module")
def fleet() -> tuple[Organization, dict[str, Server], list]:
    org, servers, inputs = extracted(FIXTURES / "fleet")
    return org, by_name(servers), inputs


def test_every_fleet_file_is_read_and_recognised(fleet) -> None:
    _, _, inputs = fleet
    assert {Path(i.path).name: (i.status, i.kinds) for i in inputs} == {
        "Get-ExchangeServer.xml": ("ok", ["get-exchangeserver"]),
        "TransportConfig.json": ("ok", ["transport-config"]),
        "ExSetup.xml": ("ok", ["exsetup"]),
        "SCHANNEL.reg": ("ok", ["registry"]),
        "NETFramework.reg": ("ok", ["registry"]),
        "OS.xml": ("ok", ["os"]),
        "EX02_schannel.json": ("ok", ["registry"]),
        "HealthChecker-EX03-20261101120000.xml": ("ok", ["healthchecker"]),
    }
    encodings = {Path(i.path).name: i.encoding for i in inputs}
    assert encodings["SCHANNEL.reg"] == "utf-16-le-bom"
    assert encodings["TransportConfig.json"] == "utf-8"
    assert encodings["HealthChecker-EX03-20261101120000.xml"] == "utf-8-bom"


def test_servers_merge_across_files_by_short_name_and_fqdn(fleet) -> None:
    _, servers, _ = fleet
    assert sorted(servers) == ["EX01", "EX02", "EX03"]
    ex01 = servers["EX01"]
    assert ex01.fqdn == "EX01.contoso.com"
    assert ex01.edition == "Enterprise"
    assert ex01.roles == ["Mailbox"]
    assert ex01.site == "contoso.com/Configuration/Sites/Default-First-Site-Name"
    assert ex01.is_edge is False
    # The second server's Site is a <Ref> to the first server's ADObjectId.
    assert servers["EX02"].site == ex01.site


def test_exsetup_build_wins_over_admin_display_version_and_ignores_tostring(fleet) -> None:
    _, servers, _ = fleet
    ex01 = servers["EX01"]
    assert ex01.admin_display_version == "Version 15.1 (Build 2507.6)"
    assert ex01.exsetup_build == "15.1.2507.44"  # ToString says .006: never read
    assert (ex01.build, ex01.build_source) == ("15.1.2507.44", "exsetup")
    assert ex01.sources["build"].path.endswith("EX01/ExSetup.xml")
    assert ex01.conflicts == []  # same CU line: an SU does not change AdminDisplayVersion
    ex02 = servers["EX02"]
    assert (ex02.build, ex02.build_source) == ("15.2.1544.4", "admin-display-version")


def test_schannel_three_states_and_unsigned_dwords(fleet) -> None:
    _, servers, _ = fleet
    sch = servers["EX01"].schannel
    assert sch["TLS 1.0"]["Server"] == {"Enabled": 4294967295, "DisabledByDefault": 0}
    # Enabled written as REG_SZ: Windows ignores it, so it reads as absent, and an anomaly is recorded.
    assert sch["TLS 1.0"]["Client"] == {"Enabled": None, "DisabledByDefault": 1}
    assert sch["TLS 1.2"]["Server"] == {"Enabled": 1, "DisabledByDefault": 0}
    # Covered by the export but absent: None, not missing.
    assert sch["TLS 1.1"] == {"Server": {"Enabled": None, "DisabledByDefault": None},
                              "Client": {"Enabled": None, "DisabledByDefault": None}}
    assert sch["TLS 1.3"]["Server"] == {"Enabled": None, "DisabledByDefault": None}
    assert sch["SSL 2.0"]["Client"] == {"Enabled": None, "DisabledByDefault": 1}
    assert list(sch) == ["SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"]
    assert servers["EX01"].sources["schannel/TLS 1.0/Server/Enabled"].line is not None


def test_registry_anomalies_are_recorded(fleet) -> None:
    _, servers, _ = fleet
    kinds = {(a.kind, a.path.rsplit("\\", 2)[-1] if a.kind != "misspelled-key" else a.path.rsplit("\\", 1)[-1])
             for a in servers["EX01"].schannel_anomalies}
    assert ("wrong-type", "Client") in kinds
    assert ("value-on-protocol-key", "TLS 1.3") in {(a.kind, a.path.rsplit("\\", 1)[-1])
                                                    for a in servers["EX01"].schannel_anomalies}
    misspelled = [a for a in servers["EX01"].schannel_anomalies if a.kind == "misspelled-key"]
    assert [a.path.rsplit("\\", 1)[-1] for a in misspelled] == ["TLS1.1"]


def test_dotnet_coverage_is_per_hive(fleet) -> None:
    _, servers, _ = fleet
    dotnet = servers["EX01"].dotnet
    assert dotnet["v4.0.30319"]["x64"] == {"SystemDefaultTlsVersions": 1, "SchUseStrongCrypto": 1}
    assert dotnet["v2.0.50727"]["x64"] == {"SystemDefaultTlsVersions": None, "SchUseStrongCrypto": None}
    assert "x86" not in dotnet["v4.0.30319"]  # no Wow6432Node dump: unknown, not absent


def test_get_itemproperty_json_with_signed_dword_and_file_prefix_identity(fleet) -> None:
    _, servers, _ = fleet
    ex02 = servers["EX02"]
    assert ex02.schannel == {"TLS 1.2": {"Server": {"Enabled": 4294967295, "DisabledByDefault": 0}}}
    assert ex02.dotnet == {"v4.0.30319": {"x86": {"SystemDefaultTlsVersions": 1, "SchUseStrongCrypto": None}}}


def test_os_identity(fleet) -> None:
    _, servers, _ = fleet
    assert servers["EX01"].os is not None
    assert servers["EX01"].os.family == "Windows Server 2019"
    assert servers["EX01"].os.current_build == "17763"
    assert servers["EX03"].os is not None and servers["EX03"].os.family == "Windows Server 2022"


def test_healthchecker_xml_uses_raw_values_not_its_booleans(fleet) -> None:
    _, servers, _ = fleet
    ex03 = servers["EX03"]
    assert (ex03.build, ex03.build_source) == ("15.2.1748.43", "exsetup")
    assert ex03.schannel["TLS 1.0"]["Client"] == {"Enabled": 4294967295, "DisabledByDefault": 1}
    assert ex03.schannel["TLS 1.3"]["Server"] == {"Enabled": None, "DisabledByDefault": None}
    assert ex03.dotnet["v4.0.30319"]["x86"] == {"SystemDefaultTlsVersions": 1, "SchUseStrongCrypto": None}
    assert ex03.dotnet["v2.0.50727"]["x64"] == {"SystemDefaultTlsVersions": None, "SchUseStrongCrypto": None}


def test_exchange_online_transport_config_null_is_present(fleet) -> None:
    org, _, _ = fleet
    assert org.environment == "exchange-online"
    assert "AllowLegacyTLSClients" in org.settings and org.settings["AllowLegacyTLSClients"] is None
    assert org.settings["SmtpClientAuthenticationDisabled"] is True
    assert org.sources["AllowLegacyTLSClients"].path.endswith("TransportConfig.json")


def test_on_premises_format_list_transport_config_lacks_the_setting() -> None:
    org, servers, inputs = extracted(FIXTURES / "onprem")
    assert [i.status for i in inputs] == ["ok"]
    assert org.environment == "on-premises"
    assert "AllowLegacyTLSClients" not in org.settings
    assert servers == []


def test_conflicting_builds_are_reported_not_resolved() -> None:
    _, servers, _ = extracted(FIXTURES / "conflict")
    (ex09,) = servers
    assert ex09.build is None
    (conflict,) = ex09.conflicts
    assert conflict.fact == "exsetup_build"
    assert sorted(conflict.values) == ["15.2.1544.14", "15.2.1748.43"]
    assert len(conflict.sources) == 2


def test_dump_without_identity_is_an_error_unless_server_is_given(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "fleet" / "EX01" / "SCHANNEL.reg", tmp_path / "schannel.reg")
    _, servers, inputs = extracted(tmp_path)
    assert servers == []
    assert inputs[0].status == "error" and "no server identity" in (inputs[0].error or "")
    _, servers, inputs = extracted(tmp_path, server="EX77")
    assert [s.name for s in servers] == ["EX77"] and inputs[0].status == "ok"


def test_unrecognised_and_broken_files_are_listed_and_the_rest_still_read(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "fleet" / "EX01", tmp_path / "EX01")
    (tmp_path / "EX01" / "broken.xml").write_bytes(b'<Objs Version="1.1.0.1"><Obj RefId="0"><S>x</Obj>')
    (tmp_path / "EX01" / "services.json").write_text('[{"Name": "W3SVC", "Status": 4}]', encoding="utf-8")
    (tmp_path / "EX01" / "change.reg").write_text(
        'Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n', encoding="utf-8")
    _, servers, inputs = extracted(tmp_path)
    status = {Path(i.path).name: (i.status, i.error or "") for i in inputs}
    assert status["broken.xml"][0] == "error" and status["broken.xml"][1]
    assert status["services.json"][0] == "ignored" and "no Exchange or TLS facts" in status["services.json"][1]
    assert status["change.reg"][0] == "ignored" and "change script" in status["change.reg"][1]
    assert by_name(servers)["EX01"].schannel["TLS 1.2"]["Client"] == {"Enabled": 1, "DisabledByDefault": 0}


def test_same_inputs_in_any_order_merge_identically() -> None:
    files = sorted(str(p) for p in (FIXTURES / "fleet").rglob("*") if p.is_file())
    org_a, servers_a, _ = extracted(*files)
    org_b, servers_b, _ = extracted(*reversed(files))
    dump = lambda org, servers: json.dumps(  # noqa: E731
        [org.model_dump(mode="json"), [s.model_dump(mode="json") for s in servers]], sort_keys=True)
    assert dump(org_a, servers_a) == dump(org_b, servers_b)


def test_collect_log_turns_a_missing_key_into_absent_values(tmp_path: Path) -> None:
    folder = tmp_path / "EX05"
    folder.mkdir()
    shutil.copy(FIXTURES / "fleet" / "EX01" / "NETFramework.reg", folder / "NETFramework.reg")
    (folder / "collect-errors.txt").write_bytes(
        b"NETFramework-Wow6432Node.reg\tHKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework\t"
        b"ERROR: The system was unable to find the specified registry key or value.\r\n"
        b"OS.xml\t-\tAccess is denied\r\n"
    )
    _, servers, inputs = extracted(tmp_path)
    (ex05,) = servers
    # The key does not exist on the server: absent (Windows default), not unknown.
    assert ex05.dotnet["v4.0.30319"]["x86"] == {"SystemDefaultTlsVersions": None, "SchUseStrongCrypto": None}
    log = next(i for i in inputs if i.path.endswith("collect-errors.txt"))
    assert log.status == "ok" and log.kinds == ["collect-log"]
    assert any("Access is denied" in w for w in log.warnings)


def test_two_dumps_that_disagree_on_a_registry_value_leave_that_key_unknown(tmp_path: Path) -> None:
    folder = tmp_path / "EX06"
    folder.mkdir()
    shutil.copy(FIXTURES / "fleet" / "EX01" / "SCHANNEL.reg", folder / "SCHANNEL.reg")
    # A later Get-ItemProperty of TLS 1.2\Server (PowerShell 7 JSON) says Enabled=0; the export says 1.
    (folder / "EX06_tls12.json").write_text(
        '{\n  "Enabled": 0,\n  "DisabledByDefault": 0,\n'
        '  "PSPath": "Microsoft.PowerShell.Core\\\\Registry::HKEY_LOCAL_MACHINE\\\\SYSTEM\\\\CurrentControlSet'
        '\\\\Control\\\\SecurityProviders\\\\SCHANNEL\\\\Protocols\\\\TLS 1.2\\\\Server",\n'
        '  "PSChildName": "Server"\n}\n',
        encoding="utf-8",
    )
    _, servers, _ = extracted(tmp_path)
    (ex06,) = servers
    assert "Server" not in ex06.schannel["TLS 1.2"]  # unknown: neither dump is picked
    assert ex06.schannel["TLS 1.2"]["Client"] == {"Enabled": 1, "DisabledByDefault": 0}
    (conflict,) = ex06.conflicts
    assert conflict.fact.endswith("\\Protocols\\TLS 1.2\\Server\\Enabled")
    assert sorted(conflict.values) == ["0", "1"] and len(conflict.sources) == 2


def test_select_object_with_a_calculated_admin_display_version(tmp_path: Path) -> None:
    # Get-ExchangeServer | Select-Object Name, @{n='AdminDisplayVersion';e={$_.AdminDisplayVersion.ToString()}}
    # | Export-Clixml, Windows PowerShell 5.1 (UTF-16LE with BOM, CRLF, no trailing newline).
    text = (
        '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\n'
        '  <Obj RefId="0">\n'
        '    <TN RefId="0">\n'
        "      <T>Selected.Microsoft.Exchange.Data.Directory.Management.ExchangeServer</T>\n"
        "      <T>System.Management.Automation.PSCustomObject</T>\n"
        "      <T>System.Object</T>\n"
        "    </TN>\n"
        "    <MS>\n"
        '      <S N="Name">EX07</S>\n'
        '      <S N="AdminDisplayVersion">Version 15.2 (Build 1748.10)</S>\n'
        "    </MS>\n"
        "  </Obj>\n"
        "</Objs>"
    )
    (tmp_path / "servers.xml").write_bytes(b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"))
    _, servers, inputs = extracted(tmp_path)
    assert inputs[0].kinds == ["get-exchangeserver"]
    (ex07,) = servers
    assert (ex07.name, ex07.build, ex07.build_source) == ("EX07", "15.2.1748.10", "admin-display-version")


def test_a_mailbox_database_with_admin_display_version_is_not_a_server(tmp_path: Path) -> None:
    # Get-MailboxDatabase | Select-Object Name, Server, AdminDisplayVersion | ConvertTo-Json (PowerShell 7)
    (tmp_path / "EX08_dbs.json").write_text(
        '{\n  "Name": "DB01",\n  "Server": "EX08",\n  "AdminDisplayVersion": "Version 15.2 (Build 1748.10)"\n}\n',
        encoding="utf-8",
    )
    _, servers, inputs = extracted(tmp_path)
    assert servers == [] and inputs[0].status == "ignored"
