"""Exchange Online report CSVs: header spellings, percent and number formats, encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from exotls.usage import analyze_usage, detect_usage_file, legacy_smtp_auth_senders
from exotls.usage.exo_reports import _number

EXO = Path(__file__).parent / "fixtures" / "usage" / "exo"


@pytest.mark.parametrize(
    ("text", "integral", "expected"),
    [("1,234", True, 1234.0), ("1.000", True, 1000.0), ("12,5 %", False, 12.5), ("33.3%", False, 33.3),
     ("1.234,5", False, 1234.5), ("1,234.5", False, 1234.5), ("1\u00a0234", True, 1234.0), ("", True, 0.0),
     ("n/a", True, None)],
)
def test_number_formats(text: str, integral: bool, expected: float | None) -> None:
    assert _number(text, integral=integral) == expected


def test_smtp_auth_report_percentages_utf8_bom() -> None:
    report = analyze_usage([EXO / "SmtpAuthClientsReport.csv"], jobs=1)
    rows = {(c.client, c.tls_version): c.count for c in report.clients}
    assert rows == {
        ("scanner-hq@contoso.com", "TLS 1.0"): 1234,  # "1,234" messages, 100%
        ("erp@contoso.com", "TLS 1.0"): 5,
        ("erp@contoso.com", "TLS 1.2"): 5,
        ("crm@contoso.com", "TLS 1.2"): 500,
        ("printer-branch@contoso.com", "TLS 1.1"): 1,  # 33.3% of 3
        ("printer-branch@contoso.com", "TLS 1.2"): 2,
    }
    assert all(c.server is None and c.unit == "messages" for c in report.clients)
    assert report.windows["exo-smtp-auth"].first is None
    assert [c.client for c in legacy_smtp_auth_senders(report)] == [
        "scanner-hq@contoso.com", "erp@contoso.com", "printer-branch@contoso.com"
    ]
    assert any("read as percentages" in note for note in report.notes)


def test_smtp_auth_report_fractions_utf16_tab_other_header_spelling() -> None:
    path = EXO / "smtp-auth-unicode.txt"
    assert detect_usage_file(path) == "exo-smtp-auth"
    report = analyze_usage([path], jobs=1)
    rows = {(c.client, c.tls_version): c.count for c in report.clients}
    assert rows == {
        ("scanner-hq@contoso.com", "TLS 1.0"): 100,
        ("scanner-hq@contoso.com", "TLS 1.2"): 300,
        ("app@fabrikam.example", "TLS 1.2"): 7,
    }
    assert any("written as fractions" in note for note in report.notes)


def test_messages_reports_counts_and_percentages() -> None:
    report = analyze_usage([EXO / "InboundMessagesReport.csv", EXO / "outbound-percent.csv"], jobs=1)
    rows = {(c.client, c.tls_version): c.count for c in report.clients}
    assert rows[("Inbound - from Internet", "TLS 1.0")] == 8
    assert rows[("Inbound - from Internet", "none")] == 12
    assert rows[("Inbound - From OnPrem, Hybrid", "TLS 1.2")] == 250
    assert rows[("Outbound - to Internet", "TLS 1.0")] == 20  # 2 % of "1.000"
    assert rows[("Outbound - to Internet", "TLS 1.2")] == 970 + 500
    window = report.windows["exo-messages"]
    assert (str(window.first), str(window.last), window.short) == (
        "2024-03-01 00:00:00+00:00", "2024-03-08 00:00:00+00:00", False
    )
    assert any("month/day/year" in note for note in report.notes)


def test_csv_without_tls_columns_is_not_a_report(tmp_path: Path) -> None:
    other = tmp_path / "mailboxes.csv"
    other.write_text("DisplayName,PrimarySmtpAddress\nAlice,alice@contoso.com\n", encoding="utf-8")
    assert detect_usage_file(other) is None
