"""Schannel events from Get-WinEvent CLIXML (UTF-16LE), Get-EventLog CLIXML and wevtutil XML."""

from __future__ import annotations

from pathlib import Path

import pytest

from exotls.errors import UnsafeInputError
from exotls.usage import analyze_usage, detect_usage_file
from exotls.usage.schannel_events import read_events_xml

FIX = Path(__file__).parent / "fixtures" / "usage"


def _rows(paths: list[Path]) -> dict[tuple[str | None, str | None, str], int]:
    report = analyze_usage(paths, jobs=1)
    return {(c.server, c.client, c.tls_version): c.count for c in report.clients if c.source == "schannel"}


def test_get_winevent_clixml_utf16() -> None:
    path = FIX / "EX01" / "Events" / "Schannel-GetWinEvent.xml"
    assert path.read_bytes()[:2] == b"\xff\xfe"
    assert detect_usage_file(path) == "schannel-clixml"
    report = analyze_usage([FIX / "EX01" / "Events"], jobs=1)
    rows = {(c.server, c.client, c.tls_version): c for c in report.clients}
    # inbound: no client identity; outbound: the target name
    assert rows[("EX01", None, "TLS 1.0")].count == 2
    assert rows[("EX01", None, "TLS 1.0")].unit == "handshakes"
    assert rows[("EX01", None, "TLS 1.2")].count == 1
    assert rows[("EX01", "smtp.partner.example", "TLS 1.0")].count == 1
    assert str(rows[("EX01", None, "TLS 1.0")].first_seen) == "2024-03-04 10:00:00+00:00"  # +01:00 -> UTC
    assert "schannel: EX01: 1 inbound TLS 1.0 connection attempts failed because no cipher suite was common (event 36874)" in report.notes
    assert "schannel: EX01: 1 fatal TLS alerts 70 (protocol_version) were sent (event 36888)" in report.notes
    assert any(note.startswith("schannel: inbound Schannel events carry no client identity") for note in report.notes)


def test_get_eventlog_and_wevtutil_shapes() -> None:
    rows = _rows([FIX / "EX02" / "Events"])
    assert rows == {
        ("EX02", None, "TLS 1.0"): 1,  # Get-EventLog ReplacementStrings
        ("EX02", None, "TLS 1.1"): 1,  # wevtutil UserData/EventXML
        ("EX02", None, "TLS 1.2"): 1,
        ("EX02", "ex01.contoso.com", "TLS 1.2"): 1,
    }


def test_wevtutil_without_root_element_and_utf16(tmp_path: Path) -> None:
    text = (FIX / "EX02" / "Events" / "schannel-wevtutil.xml").read_text("utf-8")
    bare = text.removeprefix("<Events>").removesuffix("</Events>").replace("</Event><Event", "</Event>\r\n<Event")
    target = tmp_path / "events.xml"
    target.write_bytes(b"\xff\xfe" + bare.encode("utf-16-le"))
    assert detect_usage_file(target) == "schannel-xml"
    events = [event for event in read_events_xml(str(target)) if event is not None]
    assert [event.event_id for event in events] == [36880, 36880, 36880, 36888]
    assert events[3].data["alertdesc"] == "40"


def test_wevtutil_doctype_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "evil.xml"
    target.write_text(
        '<?xml version="1.0"?><!DOCTYPE Events [<!ENTITY x SYSTEM "file:///etc/passwd">]><Events>'
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Schannel'/>"
        "<EventID>36880</EventID></System><UserData><EventXML><Protocol>&x;</Protocol></EventXML></UserData></Event></Events>",
        encoding="utf-8",
    )
    with pytest.raises(UnsafeInputError):
        list(read_events_xml(str(target)))
    report = analyze_usage([target], jobs=1)
    assert report.clients == []
    assert [s.reason for s in report.skipped] == ["the XML declares a DOCTYPE or entities, which wevtutil never writes"]


def test_broken_xml_is_skipped_with_line(tmp_path: Path) -> None:
    target = tmp_path / "cut.xml"
    text = (FIX / "EX02" / "Events" / "schannel-wevtutil.xml").read_text("utf-8")
    target.write_text(text[: len(text) // 2], encoding="utf-8")
    report = analyze_usage([target], jobs=1)
    assert len(report.skipped) == 1 and "XML is not well formed" in report.skipped[0].reason
