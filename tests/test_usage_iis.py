"""IIS W3C logs: crypt-protocol hex, '-' on plain HTTP, two #Fields blocks, probes, load balancer hops."""

from __future__ import annotations

from pathlib import Path

from exotls.usage import analyze_usage
from exotls.usage.versions import parse_iis_protocol

FIX = Path(__file__).parent / "fixtures" / "usage"
LOG = FIX / "EX01" / "inetpub" / "logs" / "LogFiles" / "W3SVC1" / "u_ex240304.log"


def test_hex_values_map_to_versions() -> None:
    assert [parse_iis_protocol(v) for v in ("40", "100", "400", "1000", "10", "-", "660.000000", "zz")] == [
        "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3", "SSL 3.0", "none", None, None,
    ]


def test_requests_grouped_per_client_ip_across_field_blocks() -> None:
    report = analyze_usage([LOG], jobs=1)
    rows = {(c.client, c.tls_version): c for c in report.clients}
    old_ie = rows[("10.20.30.50", "TLS 1.0")]
    assert old_ie.count == 3  # two requests in block 1, one in block 2 (X-Forwarded-For '-')
    assert old_ie.users == ["CONTOSO\\alice", "alice@contoso.com"]
    assert old_ie.user_agents == [
        "ExchangeServicesClient/15.00.0913.015",
        "Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko",
    ]
    assert old_ie.vdirs == ["/EWS", "/ecp", "/owa"]
    assert old_ie.unit == "requests" and old_ie.server is None  # no folder below the path given, no SERVER_ prefix
    assert rows[("10.20.30.70", "TLS 1.1")].vdirs == ["/Microsoft-Server-ActiveSync"]
    assert rows[("10.20.30.61", "none")].vdirs == ["/Autodiscover"]
    assert rows[("10.20.30.80", "TLS 1.3")].count == 1
    assert report.totals["iis"] == {"TLS 1.0": 3, "TLS 1.1": 1, "TLS 1.2": 4, "TLS 1.3": 1, "none": 1}


def test_probes_excluded_and_load_balancer_hop_named() -> None:
    report = analyze_usage([FIX / "EX01" / "inetpub"], jobs=1)
    clients = {c.client for c in report.clients}
    assert "127.0.0.1" not in clients
    assert not any("HealthMailbox" in user for c in report.clients for user in c.users)
    assert any("2 requests from Exchange's own health probes" in note for note in report.notes)
    hop = [note for note in report.notes if "X-Forwarded-For" in note]
    assert hop == [
        "iis: unknown server: 10.1.0.5 sent 2 requests carrying X-Forwarded-For: it is a proxy or load "
        "balancer, so its TLS version is that hop's, not its clients'"
    ]
    assert any(note.startswith("iis: crypt-protocol and c-ip describe the TLS hop") for note in report.notes)
    assert any("port 444" in note for note in report.notes)
    assert any("1 lines did not match their #Fields layout" in note for note in report.notes)


def test_server_named_by_folder_below_the_given_path() -> None:
    report = analyze_usage([FIX], jobs=1)
    assert {c.server for c in report.clients if c.source == "iis"} == {"EX01"}


def test_block_without_crypt_fields_is_noted(tmp_path: Path) -> None:
    log = tmp_path / "u_ex240301.log"
    log.write_text(
        "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-03-01 00:00:00\r\n"
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
        "cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n"
        "2024-03-01 00:00:01 10.1.0.11 GET /owa/ - 443 - 10.9.9.9 Mozilla/5.0 - 302 0 0 1\r\n",
        encoding="ascii",
    )
    report = analyze_usage([log], jobs=1)
    assert report.clients == []
    assert any("1 requests were logged without a crypt-protocol field" in note for note in report.notes)
