"""The report as a whole: exact JSON shape, ordering, determinism, pool == serial, renderers."""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
from pathlib import Path

import pytest

import exotls.usage.analyze as analyze_mod
from exotls.errors import UsageError
from exotls.usage import (
    analyze_usage,
    legacy_by_server,
    render_usage_csv,
    render_usage_table,
)
from exotls.usage.accum import LIST_CAP

FIX = Path(__file__).parent / "fixtures" / "usage"
CLIENT_KEYS = [
    "source", "server", "client", "tls_version", "count", "unit", "users", "user_agents", "ehlo", "mail_from",
    "connectors", "vdirs", "first_seen", "last_seen", "sources",
]


@pytest.fixture(scope="module")
def report_json() -> str:
    return analyze_usage([FIX], jobs=1).model_dump_json()


def test_exact_json_shape(report_json: str) -> None:
    data = json.loads(report_json)
    assert list(data) == ["clients", "totals", "windows", "notes", "skipped"]
    assert all(list(client) == CLIENT_KEYS for client in data["clients"])
    assert all(list(window) == ["first", "last", "short"] for window in data["windows"].values())
    versions = {"TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3", "SSL 3.0", "SSL 2.0", "none"}
    assert {client["tls_version"] for client in data["clients"]} <= versions
    assert set(data["totals"]) == set(data["windows"]) == {
        "smtp-receive", "smtp-send", "iis", "schannel", "exo-smtp-auth", "exo-messages", "message-header"
    }
    assert data["skipped"] == []


def test_legacy_first_then_count(report_json: str) -> None:
    clients = json.loads(report_json)["clients"]
    legacy = [c["tls_version"] in ("TLS 1.0", "TLS 1.1", "SSL 3.0", "SSL 2.0") for c in clients]
    assert legacy == sorted(legacy, reverse=True) and any(legacy) and not all(legacy)
    for group in (True, False):
        counts = [c["count"] for c, is_legacy in zip(clients, legacy, strict=True) if is_legacy == group]
        assert counts == sorted(counts, reverse=True)


def test_same_input_in_any_order_same_output() -> None:
    files = sorted(p for p in FIX.rglob("*") if p.is_file())
    shuffled = files[:]
    random.Random(7).shuffle(shuffled)
    in_order = analyze_usage(files, jobs=1).model_dump_json()
    assert analyze_usage([*shuffled, shuffled[0]], jobs=1).model_dump_json() == in_order  # duplicate read once
    folders = [FIX / "headers", FIX / "exo", FIX / "EX02", FIX / "EX01"]
    assert (
        analyze_usage(folders, jobs=1).model_dump_json()
        == analyze_usage(list(reversed(folders)), jobs=1).model_dump_json()
    )


def test_process_pool_output_identical_to_serial(monkeypatch: pytest.MonkeyPatch, report_json: str) -> None:
    monkeypatch.setattr("exotls.usage.analyze.POOL_MIN_BYTES", 0)
    calls: list[int] = []
    real = analyze_mod.ProcessPoolExecutor

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(analyze_mod, "ProcessPoolExecutor", counting)
    assert analyze_usage([FIX], jobs=2).model_dump_json() == report_json
    assert calls == [1]


def test_legacy_by_server(report_json: str) -> None:
    from exotls.usage import UsageReport

    report = UsageReport.model_validate_json(report_json)
    grouped = legacy_by_server(report)
    assert list(grouped) == ["EX01", "EX02", "RELAY"]
    assert {(c.source, c.client, c.tls_version) for c in grouped["EX02"]} == {
        ("schannel", None, "TLS 1.0"), ("schannel", None, "TLS 1.1")
    }
    assert all(c.source not in ("exo-smtp-auth", "exo-messages") for rows in grouped.values() for c in rows)
    assert ("smtp-receive", "10.20.30.41", "TLS 1.1") in {(c.source, c.client, c.tls_version) for c in grouped["EX01"]}


def test_bad_and_foreign_files_are_skipped_not_fatal(tmp_path: Path) -> None:
    shutil.copytree(FIX / "headers", tmp_path / "headers")
    (tmp_path / "readme.txt").write_text("not a log\n", encoding="utf-8")
    (tmp_path / "empty.LOG").write_bytes(b"")
    broken = tmp_path / "EX09"
    broken.mkdir()
    (broken / "events.xml").write_bytes(b'<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
                                        b'<Obj RefId="0"><TN RefId="0"><T>System.Diagnostics.Eventing.Reader.EventLogRecord</T>')
    report = analyze_usage([tmp_path, tmp_path / "nope"], jobs=1)
    reasons = {Path(item.path).name: item.reason for item in report.skipped}
    assert reasons["readme.txt"].startswith("not a TLS usage source")
    assert reasons["empty.LOG"] == "empty file"
    assert reasons["nope"] == "no such file or folder"
    assert "events.xml" in reasons
    assert report.totals["message-header"]["TLS 1.0"] == 1


def test_usage_errors() -> None:
    with pytest.raises(UsageError):
        analyze_usage([])
    with pytest.raises(UsageError):
        analyze_usage([FIX], jobs=0)


def test_lists_are_capped_deterministically(tmp_path: Path) -> None:
    header = (
        "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time s-ip cs-method cs-uri-stem "
        "cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status crypt-protocol crypt-cipher crypt-hash "
        "crypt-keyexchange\n"
    )
    users = [f"CONTOSO\\user{n:04d}" for n in range(LIST_CAP * 6)]
    lines = [f"2024-03-04 10:00:00 10.1.0.11 GET /owa/ - 443 {u} 10.9.9.9 UA 200 40 6610 8004 ae06\n" for u in users]
    random.Random(3).shuffle(lines)
    half = len(lines) // 2
    (tmp_path / "u_ex1.log").write_text(header + "".join(lines[:half]), encoding="ascii")
    (tmp_path / "u_ex2.log").write_text(header + "".join(lines[half:]), encoding="ascii")
    report = analyze_usage([tmp_path], jobs=1)
    (client,) = report.clients
    assert client.count == LIST_CAP * 6
    assert client.users == sorted(users)[:LIST_CAP]
    assert any(f"keeps the first {LIST_CAP}" in note for note in report.notes)


def test_csv_and_table(report_json: str) -> None:
    from exotls.usage import UsageReport

    report = UsageReport.model_validate_json(report_json)
    rows = list(csv.reader(io.StringIO(render_usage_csv(report))))
    assert rows[0] == CLIENT_KEYS
    assert len(rows) == len(report.clients) + 1
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["client"], first["tls_version"], first["count"]) == (
        report.clients[0].client, report.clients[0].tls_version, str(report.clients[0].count)
    )
    table = render_usage_table(report)
    assert table.startswith("Legacy TLS clients (TLS 1.0/1.1, SSL): ")
    assert "inbound Schannel events carry no client identity" in table
    assert "(not logged)" in table


def test_csv_neutralises_formulas(tmp_path: Path) -> None:
    log = tmp_path / "u_ex1.log"
    log.write_text(
        "#Fields: date time cs-uri-stem cs-username c-ip cs(User-Agent) crypt-protocol\n"
        "2024-03-04 10:00:00 /owa/ =HYPERLINK(1) 10.9.9.9 @SUM(1) 40\n",
        encoding="ascii",
    )
    rows = list(csv.reader(io.StringIO(render_usage_csv(analyze_usage([log], jobs=1)))))
    assert rows[1][CLIENT_KEYS.index("users")] == "'=HYPERLINK(1)"
    assert rows[1][CLIENT_KEYS.index("user_agents")] == "'@SUM(1)"
