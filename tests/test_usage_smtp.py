"""SMTP protocol logs: sessions across hourly files, quoting, IPv6, both TLS spellings, probes."""

from __future__ import annotations

import shutil
from pathlib import Path

from exotls.usage import UsageReport, analyze_usage

FIX = Path(__file__).parent / "fixtures" / "usage"
PROTO = FIX / "EX01" / "TransportRoles" / "Logs" / "FrontEnd" / "ProtocolLog"


def _rows(report: UsageReport, source: str) -> dict[tuple[str | None, str], object]:
    return {(c.client, c.tls_version): c for c in report.clients if c.source == source}


def test_receive_sessions_tie_tls_to_client_identity() -> None:
    report = analyze_usage([FIX], jobs=1)
    rows = _rows(report, "smtp-receive")
    scanner = rows[("10.20.30.40", "TLS 1.0")]
    # one session on Client Frontend (hour 10) and one on the quoted relay connector (hour 11)
    assert scanner.count == 2
    assert scanner.unit == "sessions"
    assert scanner.server == "EX01"
    assert scanner.users == ["CONTOSO\\svc-scanner"]
    assert scanner.ehlo == ["scanner01.contoso.com"]
    assert scanner.mail_from == ["scanner01@contoso.com"]
    assert scanner.connectors == ["EX01\\Client Frontend EX01", "EX01\\Relay, Printers and Scanners"]
    assert [Path(p).name for p in scanner.sources] == ["RECV2024030410-1.LOG", "RECV2024030411-1.LOG"]


def test_session_crossing_hourly_files_is_counted_once_with_both_halves() -> None:
    report = analyze_usage([PROTO / "SmtpReceive"], jobs=1)
    legacy_app = _rows(report, "smtp-receive")[("10.20.30.41", "TLS 1.1")]
    assert legacy_app.count == 1
    # TLS line and EHLO are in hour 10, AUTH and MAIL FROM in hour 11
    assert legacy_app.users == ["CONTOSO\\svc-legacyapp"]
    assert legacy_app.mail_from == ["legacyapp@contoso.com"]
    assert legacy_app.ehlo == ["legacyapp.contoso.com"]
    assert str(legacy_app.first_seen) == "2024-03-04 10:59:59.901000+00:00"
    assert report.totals["smtp-receive"] == {"TLS 1.0": 3, "TLS 1.1": 1, "TLS 1.2": 1, "none": 1}


def test_half_session_alone_counts_once_and_unknown_tail_is_noted() -> None:
    only_first = analyze_usage([PROTO / "SmtpReceive" / "RECV2024030410-1.LOG"], jobs=1)
    assert _rows(only_first, "smtp-receive")[("10.20.30.41", "TLS 1.1")].count == 1
    only_second = analyze_usage([PROTO / "SmtpReceive" / "RECV2024030411-1.LOG"], jobs=1)
    rows = _rows(only_second, "smtp-receive")
    # the hour-11 half of 10.20.30.41 has no TLS line, and 192.0.2.99's start is in a missing file
    assert ("10.20.30.41", "none") not in rows and ("192.0.2.99", "none") not in rows
    assert any("2 sessions were cut by a log file that was not given" in note for note in only_second.notes)


def test_ipv6_no_tls_failed_auth_and_health_probe() -> None:
    report = analyze_usage([PROTO / "SmtpReceive"], jobs=1)
    rows = _rows(report, "smtp-receive")
    plain = rows[("2001:db8::25", "none")]
    assert plain.mail_from == ["orders@partner.example"]
    assert rows[("10.20.30.42", "TLS 1.0")].users == ["mfp02@contoso.com (failed AUTH)"]
    assert not any(c.client == "10.1.0.11" for c in report.clients)  # the HealthMailbox session
    assert any("1 sessions from Exchange's own health probes" in note for note in report.notes)


def test_send_log_hyphen_spelling_banner_host_and_ipv6_target() -> None:
    report = analyze_usage([PROTO / "SmtpSend"], jobs=1)
    rows = _rows(report, "smtp-send")
    partner = rows[("198.51.100.25", "TLS 1.0")]  # SP_PROT-TLS1_0_CLIENT, the documented spelling
    assert partner.ehlo == ["mail.partner.example"]
    assert partner.mail_from == ["alice@contoso.com"]
    assert partner.connectors == ["Outbound to Partner"]
    assert rows[("2001:db8:1::25", "TLS 1.2")].ehlo == ["mx6.partner.example"]
    assert report.totals == {"smtp-send": {"TLS 1.0": 1, "TLS 1.2": 1}}


def test_server_from_connector_id_when_folder_names_nothing(tmp_path: Path) -> None:
    target = tmp_path / "RECV2024030410-1.LOG"
    shutil.copy(PROTO / "SmtpReceive" / "RECV2024030410-1.LOG", target)
    report = analyze_usage([target], jobs=1)
    assert {c.server for c in report.clients} == {"EX01"}
    renamed = tmp_path / "ex09_RECV2024030410-1.LOG"
    target.rename(renamed)
    assert {c.server for c in analyze_usage([renamed], jobs=1).clients} == {"EX09"}


def test_bad_lines_and_foreign_fields_are_reported(tmp_path: Path) -> None:
    text = (PROTO / "SmtpReceive" / "RECV2024030410-1.LOG").read_bytes()
    (tmp_path / "RECV1.LOG").write_bytes(text + b'2024-03-04T10:59:59.999Z,"unterminated,quote\r\n')
    (tmp_path / "RECV2.LOG").write_bytes(text.replace(b"date-time,connector-id", b"date-time,other-field", 1))
    report = analyze_usage([tmp_path], jobs=1)
    assert any("1 lines could not be read as protocol-log CSV" in note for note in report.notes)
    assert [(Path(s.path).name, s.reason) for s in report.skipped] == [
        ("RECV2.LOG", "line 5: unexpected #Fields for an SMTP protocol log")
    ]
    assert report.totals["smtp-receive"]["TLS 1.0"] == 2


def test_utf16_resaved_log_reads_the_same(tmp_path: Path) -> None:
    source = PROTO / "SmtpReceive" / "RECV2024030410-1.LOG"
    target = tmp_path / "RECV2024030410-1.LOG"
    target.write_bytes(b"\xff\xfe" + source.read_text("ascii").encode("utf-16-le"))
    resaved, original = analyze_usage([target], jobs=1), analyze_usage([source], jobs=1)
    assert original.clients
    assert [c.model_dump(exclude={"sources"}) for c in resaved.clients] == [
        c.model_dump(exclude={"sources"}) for c in original.clients
    ]
