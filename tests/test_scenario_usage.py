"""Whole-fleet scenario: logs among the inputs turn a ready server into a blocked one that names its clients."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path

from exotls import analyze

SAMPLES = Path(str(files("exotls") / "samples"))
LOGS = Path(__file__).parent / "fixtures" / "scenario-logs"
AS_OF = dt.date(2026, 11, 28)


def test_logs_turn_a_ready_server_into_a_blocked_one_naming_the_clients() -> None:
    before = {s.name: s for s in analyze([SAMPLES], as_of=AS_OF).servers}
    assert before["EX19-READY"].legacy_tls is not None and before["EX19-READY"].legacy_tls.verdict == "ready"

    report = analyze([SAMPLES, LOGS], as_of=AS_OF)
    server = {s.name: s for s in report.servers}["EX19-READY"]
    assert server.legacy_tls is not None
    assert server.legacy_tls.verdict == "blocked"
    assert server.legacy_tls.blockers == ["USE001"]
    assert "cut them off" in server.legacy_tls.summary
    (finding,) = [f for f in report.findings if f.rule == "USE001" and f.subject == "EX19-READY"]
    assert finding.status == "fail"
    assert "10.20.30.40" in finding.message and "scanner01.contoso.com" in finding.message
    assert "10.20.30.77" not in finding.message  # that client already uses TLS 1.2
    assert finding.sources and finding.sources[0].path.endswith("RECV2026112008-1.LOG")
    # The other servers had no logs: not-applicable, and their verdicts do not change.
    assert {s.name: s.legacy_tls.verdict for s in report.servers if s.name != "EX19-READY" and s.legacy_tls} == {
        name: s.legacy_tls.verdict for name, s in before.items() if name != "EX19-READY" and s.legacy_tls
    }
    assert report.fleet.verdict == "blocked" and report.fleet.counts["ready"] == 0
    assert report.usage is not None and report.usage.windows["smtp-receive"].short is True
    log_input = [i for i in report.inputs if i.path.endswith(".LOG")]
    assert [(i.status, i.kinds) for i in log_input] == [("ok", ["smtp-receive"])]
