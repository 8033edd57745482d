"""The readers' fast paths must read every line the slow, exact reading would.

SMTP: ``>`` lines are dropped right after one split, and only lines whose data starts with
EHLO/HELO/MAIL (any case) or a quote are looked at further. IIS: a line whose identifying
fields were seen before only counts. Workers fold SMTP rows as bytes across files. Each
test below builds lines that a too-eager shortcut would skip or misread.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import exotls.usage.analyze as analyze_mod
import exotls.usage.iis as iis_mod
from exotls.usage import UsageReport, analyze_usage
from exotls.usage.accum import LIST_CAP, PRUNE_AT, FileResult
from exotls.usage.aggregate import Collector
from exotls.usage.analyze import process_file
from exotls.usage.timeparse import parse_iso, parse_iso_bytes

SMTP_HEAD = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Receive Protocol Log\r\n"
    "#Date: 2024-03-04T10:00:00.000Z\r\n#Fields: date-time,connector-id,session-id,sequence-number,"
    "local-endpoint,remote-endpoint,event,data,context\r\n"
)
IIS_HEAD = (
    "#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2024-03-04 00:00:00\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "sc-status time-taken crypt-protocol X-Forwarded-For\r\n"
)


def _rows(report: UsageReport) -> dict[tuple[str | None, str], object]:
    return {(c.client, c.tls_version): c for c in report.clients}


def _smtp_line(sid: int, seq: int, remote: str, event: str, data: str = "", context: str = "",
               conn: str = "EX01\\Default Frontend EX01", second: int = 0) -> str:
    return f"2024-03-04T10:00:{second:02d}.000Z,{conn},08DC00000000{sid:04X},{seq},10.1.0.11:25,{remote},{event},{data},{context}\r\n"


def _receive_log() -> str:
    relay = '"EX01\\Relay, Printers"'  # a connector name with a comma is quoted on every line
    a = [
        ("+", "", ""),
        ("*", "SMTPSubmit SMTPAcceptAnySender", "Set Session Permissions"),
        (">", '"220 EX01.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 4 Mar 2024 10:00:00 +0000"', ""),
        ("<", "ehlo printer.example", ""),  # lower case: SMTP verbs are case-insensitive
        ("<", "STARTTLS", ""),
        ("*", "", '"TLS protocol SP_PROT-TLS1_1_SERVER negotiation succeeded using bulk encryption, MAC and key exchange"'),
        ("<", "mail from:<Scanner@Contoso.com> SIZE=100", ""),
        ("*", '"CONTOSO\\svc,scan"', "authenticated"),  # quoted user with a comma
        ("-", "", "Local"),
    ]
    b = [
        ("+", "", ""),
        ("<", '"EHLO b.example, x"', ""),  # quoted data: unquoted before it is read
        (">", '"250 ok,<,EHLO fake.example"', ""),  # our own reply: never read as the peer's EHLO
        ("*", "", "TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded"),  # unquoted context
        ("*", '"a,b"', "User Name: mallory"),  # quoted data moves the context one field on
        ("-", "", "Local"),
    ]
    c = [("+", "", ""), ("<", "HELO c.example", ""), ("-", "", "Local")]
    lines = [SMTP_HEAD]
    lines += [_smtp_line(10, n, "[2001:db8::7]:50000", e, d, x, conn=relay) for n, (e, d, x) in enumerate(a)]
    lines += [_smtp_line(11, n, "10.9.9.9:41000", e, d, x) for n, (e, d, x) in enumerate(b)]
    lines += [_smtp_line(12, n, "[::ffff:10.8.8.8]:25", e, d, x) for n, (e, d, x) in enumerate(c)]
    # A ">" line with too few fields is a bad line, not a reply to skip silently (line 24).
    lines.append("2024-03-04T10:00:00.000Z,EX01\\Default Frontend EX01,08DC000000000013,0,10.1.0.11:25,10.7.7.7:1,>\r\n")
    return "".join(lines)


def test_smtp_fast_path_reads_every_line_that_names_the_peer(tmp_path: Path) -> None:
    (tmp_path / "RECV2024030410-1.LOG").write_text(_receive_log(), encoding="ascii", newline="")
    report = analyze_usage([tmp_path], jobs=1)
    rows = _rows(report)
    assert set(rows) == {("2001:db8::7", "TLS 1.1"), ("10.9.9.9", "TLS 1.2"), ("10.8.8.8", "none")}
    printer = rows[("2001:db8::7", "TLS 1.1")]
    assert printer.ehlo == ["printer.example"]
    assert printer.mail_from == ["scanner@contoso.com"]
    assert printer.users == ["CONTOSO\\svc,scan"]
    assert printer.connectors == ["EX01\\Relay, Printers"]
    other = rows[("10.9.9.9", "TLS 1.2")]
    assert other.ehlo == ["b.example, x"]
    assert other.users == ["mallory (failed AUTH)"]
    assert rows[("10.8.8.8", "none")].ehlo == ["c.example"]
    assert any("1 lines could not be read as protocol-log CSV and were not counted (first at line 24)" in note
               for note in report.notes)


def _iis(lines: list[str]) -> str:
    return IIS_HEAD + "".join(line + "\r\n" for line in lines)


def _req(time: str, cip: str, user: str = "CONTOSO\\alice", agent: str = "Outlook+16", port: str = "443",
         xff: str = "-", proto: str = "40", stem: str = "/owa/") -> str:
    return f"2024-03-04 {time} 10.1.0.11 GET {stem} - {port} {user} {cip} {agent} 200 15 {proto} {xff}"


def test_iis_repeated_lines_still_move_times_and_count_hops(tmp_path: Path) -> None:
    log = tmp_path / "u_ex240304.log"
    log.write_text(_iis([
        _req("10:00:00", "10.20.0.1"),
        _req("09:00:00", "10.20.0.1"),  # a repeat that is earlier than the row's first line
        _req("11:00:00", "10.20.0.1", port="444"),
        _req("10:30:00", "10.20.0.1", port="444"),
        _req("10:00:00", "10.20.0.2", xff="198.51.100.1"),
        _req("10:00:01", "10.20.0.2", xff="198.51.100.2"),
        _req("10:00:02", "10.20.0.3", agent="AMProbe/Local/ClientAccess"),
        _req("10:00:03", "10.20.0.3", agent="AMProbe/Local/ClientAccess"),
        _req("10:00:04", "10.20.0.3", agent="AMProbe/Local/ClientAccess"),
    ]), encoding="ascii", newline="")
    report = analyze_usage([log], jobs=1)
    alice = _rows(report)[("10.20.0.1", "TLS 1.0")]
    assert alice.count == 4
    assert (alice.first_seen, alice.last_seen) == (
        datetime(2024, 3, 4, 9, tzinfo=UTC), datetime(2024, 3, 4, 11, tzinfo=UTC)
    )
    assert ("10.20.0.3", "TLS 1.0") not in _rows(report)
    assert any("3 requests from Exchange's own health probes" in note for note in report.notes)
    assert any("2 requests on port 444" in note for note in report.notes)
    assert any("10.20.0.2 sent 2 requests carrying X-Forwarded-For" in note for note in report.notes)


def test_iis_cache_size_does_not_change_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(11)
    users = [f"CONTOSO\\u{n:03d}" for n in range(PRUNE_AT + 60)]  # one client cuts its user list
    lines = []
    expected: dict[tuple[str, str], tuple[set[str], int]] = {}
    for n in range(3000):
        cip = "10.30.0.1" if rng.random() < 0.5 else f"10.30.0.{rng.randint(2, 6)}"
        user = rng.choice(users) if cip == "10.30.0.1" else rng.choice(users[:3])
        stamp = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        proto = rng.choice(["40", "400"])
        agent = rng.choice(["Outlook+16", "AMProbe/x"]) if n % 50 == 0 else "Outlook+16"
        lines.append(_req(stamp, cip, user=user, proto=proto, stem=rng.choice(["/owa/", "/ews/x"]), agent=agent))
        if agent == "Outlook+16":
            seen, count = expected.get((cip, proto), (set(), 0))
            expected[(cip, proto)] = (seen | {user}, count + 1)
    log = tmp_path / "u_ex240304.log"
    log.write_text(_iis(lines), encoding="ascii", newline="")
    cached = analyze_usage([log], jobs=1).model_dump_json()
    monkeypatch.setattr(iis_mod, "SEEN_MAX", 1)  # the cache is cleared on every new line: the slow path alone
    assert analyze_usage([log], jobs=1).model_dump_json() == cached
    report = UsageReport.model_validate_json(cached)
    versions = {"40": "TLS 1.0", "400": "TLS 1.2"}
    got = {(c.client, c.tls_version): (c.users, c.count) for c in report.clients}
    assert got == {
        (cip, versions[proto]): (sorted(seen)[:LIST_CAP], count) for (cip, proto), (seen, count) in expected.items()
    }
    assert max(len(seen) for seen, _ in expected.values()) > PRUNE_AT
    assert any("2 rows had more than 50 values in a list" in note for note in report.notes)


def _hourly_logs(folder: Path, hours: int) -> tuple[set[str], int]:
    """One client, eight new EHLO names an hour: its raw lists outgrow PRUNE_AT across files."""
    names: set[str] = set()
    sessions = 0
    for hour in range(hours):
        lines = [SMTP_HEAD]
        for n in range(8):
            sid = hour * 100 + n
            name = f"h{hour:02d}x{n}.example"
            names.add(name)
            sessions += 1
            lines += [
                _smtp_line(sid, 0, "10.40.0.1:5000", "+", second=n),
                _smtp_line(sid, 1, "10.40.0.1:5000", "<", f"EHLO {name}", second=n),
                _smtp_line(sid, 2, "10.40.0.1:5000", "*", "", "TLS protocol SP_PROT_TLS1_0_SERVER succeeded", second=n),
                _smtp_line(sid, 3, "10.40.0.1:5000", "-", "", "Local", second=n),
            ]
        (folder / f"RECV20240304{hour:02d}-1.LOG").write_text("".join(lines), encoding="ascii", newline="")
    return names, sessions


def test_rows_folded_as_bytes_across_files_match_the_exact_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names, sessions = _hourly_logs(tmp_path, 30)
    assert len(names) > PRUNE_AT
    serial = analyze_usage([tmp_path], jobs=1)
    (row,) = serial.clients
    assert row.count == sessions
    assert row.ehlo == sorted(names)[:LIST_CAP]
    assert any("1 rows had more than 50 values in a list" in note for note in serial.notes)
    monkeypatch.setattr(analyze_mod, "POOL_MIN_BYTES", 0)
    assert analyze_usage([tmp_path], jobs=2).model_dump_json() == serial.model_dump_json()
    # Any grouping of the files gives the same report: two halves folded apart, then merged.
    tasks = [(str(path), None, "smtp-receive") for path in sorted(tmp_path.iterdir())]
    for cut in (1, 7, 29):
        collector = Collector()
        for part in (tasks[:cut], tasks[cut:]):
            merged = FileResult(path=part[0][0], kind="smtp-receive")
            for task in part:
                merged.absorb(process_file(task))
            collector.add(merged)
        assert collector.report().model_dump_json() == serial.model_dump_json()


def test_malformed_stamps_merge_the_same_in_any_order(tmp_path: Path) -> None:
    # " 2024-..." sorts first as bytes but is the latest time; "garbage" sorts last and does not parse.
    # Each row must still have first <= last, so rows merge the same whatever the order or grouping.
    lines = [SMTP_HEAD, _smtp_line(1, 0, "10.50.0.1:1", "+", second=1), _smtp_line(1, 1, "10.50.0.1:1", "-", second=2)]
    late = _smtp_line(2, 0, "10.50.0.1:1", "+").replace("2024-03-04T10:00:00.000Z", " 2024-03-04T12:00:00.000Z")
    lines += [late, _smtp_line(2, 1, "10.50.0.1:1", "-", second=3)]
    (tmp_path / "RECV2024030410-1.LOG").write_text("".join(lines), encoding="ascii", newline="")
    broken = _smtp_line(4, 1, "10.50.0.1:1", "-").replace("2024-03-04T10:00:00.000Z", "garbage")
    other = [SMTP_HEAD, _smtp_line(3, 0, "10.50.0.1:1", "+", second=30), _smtp_line(3, 1, "10.50.0.1:1", "-", second=31),
             _smtp_line(4, 0, "10.50.0.1:1", "+", second=40), broken]
    (tmp_path / "RECV2024030411-1.LOG").write_text("".join(other), encoding="ascii", newline="")
    paths = sorted(tmp_path.iterdir())
    reports = set()
    for order in (paths, paths[::-1]):
        for grouped in (True, False):
            results = [process_file((str(path), None, "smtp-receive")) for path in order]  # absorb adopts them
            collector = Collector()
            if grouped:  # one worker read both files
                merged = FileResult(path=results[0].path, kind="smtp-receive")
                for result in results:
                    merged.absorb(result)
                collector.add(merged)
            else:  # each file from another worker: rows merge as decoded rows
                for result in results:
                    collector.add(result)
            reports.add(collector.report().model_dump_json())
    assert len(reports) == 1
    (row,) = UsageReport.model_validate_json(reports.pop()).clients
    assert row.count == 4
    assert (row.first_seen, row.last_seen) == (
        datetime(2024, 3, 4, 10, 0, 3, tzinfo=UTC), datetime(2024, 3, 4, 12, tzinfo=UTC)
    )
    # The first file alone: its raw extremes (" 2024-...12:00" sorts first as bytes) are put in time order.
    alone = analyze_usage([paths[0]], jobs=1).clients[0]
    assert (alone.first_seen, alone.last_seen) == (
        datetime(2024, 3, 4, 10, 0, 3, tzinfo=UTC), datetime(2024, 3, 4, 12, tzinfo=UTC)
    )
    # The second alone: its last stamp does not parse, so both ends are the first one.
    alone = analyze_usage([paths[1]], jobs=1).clients[0]
    assert alone.first_seen == alone.last_seen == datetime(2024, 3, 4, 10, 0, 30, tzinfo=UTC)


_MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1))


@settings(max_examples=200, deadline=None)
@given(moment=_MOMENTS)
def test_exchange_stamp_fast_path_equals_the_general_parse(moment: datetime) -> None:
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    expected = moment.replace(tzinfo=UTC)
    parsed = parse_iso(text)
    assert parsed == expected and parsed is not None and parsed.tzinfo is UTC
    assert parse_iso_bytes(text.encode()) == expected
    assert parse_iso(text[:-1] + "+00:00") == expected  # the general path, with an explicit offset
    assert parse_iso(text[:-1] + "+01:00") == expected - timedelta(hours=1)


@pytest.mark.parametrize("text", ["2024-13-04T10:00:00.000Z", "2024-02-30T10:00:00.000Z", "2024-03-04T10:00:00.0x0Z"])
def test_exchange_stamp_shaped_garbage_is_none(text: str) -> None:
    assert parse_iso(text) is None
    assert parse_iso_bytes(text.encode()) is None


def test_fastpath_report_shape_is_unchanged(tmp_path: Path) -> None:
    (tmp_path / "RECV2024030410-1.LOG").write_text(_receive_log(), encoding="ascii", newline="")
    data = json.loads(analyze_usage([tmp_path], jobs=1).model_dump_json())
    assert list(data) == ["clients", "totals", "windows", "notes", "skipped"]
    assert data["totals"] == {"smtp-receive": {"TLS 1.1": 1, "TLS 1.2": 1, "none": 1}}
