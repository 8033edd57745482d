"""Message headers: folded Received lines, per-hop versions, non-SMTP hops left out."""

from __future__ import annotations

from pathlib import Path

from exotls.usage import analyze_usage, detect_usage_file

EML = Path(__file__).parent / "fixtures" / "usage" / "headers" / "scanned-document.eml"


def test_received_hops() -> None:
    assert detect_usage_file(EML) == "message-header"
    report = analyze_usage([EML], jobs=1)
    hops = {(c.server, c.client, c.tls_version): c for c in report.clients}
    assert set(hops) == {
        ("AM6PR01MB1234", "10.1.0.11", "TLS 1.2"),
        ("EX01", "10.1.0.11", "none"),
        ("EX01", "10.20.30.40", "TLS 1.0"),  # version=TLS1_0 folded onto the next line
        ("RELAY", "198.51.100.25", "TLS 1.1"),  # Postfix: using TLSv1.1
    }
    scanner = hops[("EX01", "10.20.30.40", "TLS 1.0")]
    assert scanner.ehlo == ["scanner01.contoso.com"]
    assert scanner.mail_from == ["scanner01@contoso.com"]
    assert str(scanner.first_seen) == "2024-03-04 10:15:01+00:00"
    assert any("1 hops were not SMTP" in note for note in report.notes)
    assert any("does not show the client's real TLS version" in note for note in report.notes)
