"""The engine: error isolation, selection, suppressions, determinism, no clock."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "rules"))
from rules_builders import AS_OF, E16_CU8, exo, make_report, make_server

from exotls.checks import evaluate, get_rule, load_suppressions, rules
from exotls.checks.base import Context, FleetRule, Outcome, ServerRule, define
from exotls.checks.registry import all_rules, validate
from exotls.errors import RuleDefinitionError, UsageError
from exotls.model import Finding, Server, Severity

BOOM = define(
    id="INP900",
    name="test-boom",
    title="A rule that always raises (test only)",
    severity=Severity.HIGH,
    scope="server",
    rationale="Exists to prove one broken rule never hides the others.",
    remediation="Nothing to do.",
    sources=["tests"],
)


def _boom(server: Server, ctx: Context) -> Iterator[Outcome]:
    raise KeyError(f"no such thing on {server.name}")


def _report():  # type: ignore[no-untyped-def]
    return make_report(
        [make_server("EX01", build=E16_CU8), make_server("EX02")], exo(AllowLegacyTLSClients=True)
    )


def test_a_rule_that_raises_is_an_error_finding_and_the_others_still_run() -> None:
    report = evaluate(_report(), as_of=AS_OF, rules=(*all_rules(), ServerRule(BOOM, _boom)))
    errors = [f for f in report.findings if f.rule == "INP900"]
    assert [(f.subject, f.status) for f in errors] == [("EX01", "error"), ("EX02", "error")]
    assert "KeyError" in errors[0].message and "no such thing on EX01" in errors[0].message
    assert {f.rule for f in report.findings} == {m.id for m in rules()} | {"INP900"}


def test_a_rule_returning_nothing_or_a_bad_status_is_an_error() -> None:
    def empty(server: Server, ctx: Context) -> Iterator[Outcome]:
        return iter(())

    def bad(server: Server, ctx: Context) -> Iterator[Outcome]:
        yield Outcome("maybe", "not a status")  # type: ignore[arg-type]

    meta_bad = BOOM.model_copy(update={"id": "INP901", "name": "test-bad"})
    report = evaluate(_report(), as_of=AS_OF, rules=(ServerRule(BOOM, empty), ServerRule(meta_bad, bad)))
    assert {f.status for f in report.findings} == {"error"}
    assert any("no result" in f.message for f in report.findings)


def test_select_and_skip_by_id_and_prefix() -> None:
    report = _report()
    tls = evaluate(report, as_of=AS_OF, select=["TLS"])
    assert {f.rule for f in tls.findings} == {m.id for m in rules() if m.id.startswith("TLS")}
    some = evaluate(report, as_of=AS_OF, select=["tls00", "NET001"], skip=["TLS002", "TLS00"])
    assert {f.rule for f in some.findings} == {"NET001"}
    none_of_org = evaluate(report, as_of=AS_OF, skip=["ORG"])
    assert not any(f.rule.startswith("ORG") for f in none_of_org.findings)
    assert (
        none_of_org.organization.verdict == "legacy-tls-allowed"
    )  # the verdict does not depend on selection
    with pytest.raises(UsageError, match="XYZ"):
        evaluate(report, as_of=AS_OF, select=["XYZ"])
    with pytest.raises(UsageError, match="TLS999"):
        evaluate(report, as_of=AS_OF, skip=["TLS999"])


def test_a_deselected_blocker_is_named_as_not_checked() -> None:
    report = evaluate(make_report([make_server(build=E16_CU8)]), as_of=AS_OF, skip=["BLD"])
    legacy = report.servers[0].legacy_tls
    assert legacy is not None and legacy.verdict == "ready"
    assert "Not checked (deselected): BLD005, BLD006" in legacy.summary


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suppressions.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_suppression_marks_the_finding_and_it_no_longer_blocks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[suppression]]\nrule = "BLD006"\nsubject = "EX01"\nreason = "replacing the server in Q3"\nexpires = 2026-09-30\n'
        '[[suppression]]\nrule = "ORG001"\nsubject = "*"\nreason = "scanner needs TLS 1.0"\n',
    )
    suppressions = load_suppressions(path)
    report = evaluate(_report(), as_of=AS_OF, suppressions=suppressions)
    bld = next(f for f in report.findings if f.rule == "BLD006" and f.subject == "EX01")
    assert bld.status == "fail" and bld.suppressed and bld.suppression_reason == "replacing the server in Q3"
    assert not any(f.suppressed for f in report.findings if f.subject == "EX02")
    assert next(f for f in report.findings if f.rule == "ORG001").suppressed
    assert report.servers[0].legacy_tls.verdict == "ready"  # type: ignore[union-attr]


def test_expired_suppression_no_longer_applies_and_says_so(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[suppression]]\nrule = "BLD006"\nsubject = "ex01"\nreason = "old waiver"\nexpires = "2026-05-31"\n',
    )
    report = evaluate(_report(), as_of=AS_OF, suppressions=load_suppressions(path))
    bld = next(f for f in report.findings if f.rule == "BLD006" and f.subject == "EX01")
    assert not bld.suppressed
    assert "suppression expired on 2026-05-31 and no longer applies: old waiver" in bld.message
    assert report.servers[0].legacy_tls.verdict == "blocked"  # type: ignore[union-attr]
    # The expiry day itself still counts.
    on_the_day = evaluate(_report(), as_of=dt.date(2026, 5, 31), suppressions=load_suppressions(path))
    assert next(f for f in on_the_day.findings if f.rule == "BLD006" and f.subject == "EX01").suppressed


def test_suppression_can_target_one_setting(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[suppression]]\nrule = "TLS002"\nsubject = "*"\nsetting = "schannel/TLS 1.0"\nreason = "printer"\n',
    )
    report = evaluate(_report(), as_of=AS_OF, suppressions=load_suppressions(path), select=["TLS002"])
    suppressed = {(f.subject, f.setting) for f in report.findings if f.suppressed}
    assert suppressed == {("EX01", "schannel/TLS 1.0"), ("EX02", "schannel/TLS 1.0")}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[suppression]]\nrule = "TLS002"\nsubject = "EX01"\n', "entry 1: field 'reason' is required"),
        (
            '[[suppression]]\nrule = "TLS002"\nsubject = "EX01"\nreason = "x"\n[[suppression]]\nrule = "TLS999"\nsubject = "*"\nreason = "x"\n',
            "entry 2: unknown rule id 'TLS999'",
        ),
        (
            '[[suppression]]\nrule = "TLS002"\nsubject = "EX01"\nreason = "x"\nexpires = "next year"\n',
            "entry 1: field 'expires' must be a date",
        ),
        (
            '[[suppression]]\nrule = "TLS002"\nsubject = "EX01"\nreason = "x"\nexpires = 2026-01-01T10:00:00\n',
            "not a date and time",
        ),
        (
            '[[suppression]]\nrule = "TLS002"\nsubject = "EX01"\nreason = "x"\nowner = "me"\n',
            "unknown field 'owner'",
        ),
        ('[[suppressions]]\nrule = "TLS002"\n', "unknown top-level key 'suppressions'"),
        ('suppression = "TLS002"\n', "array of tables"),
        ("[[suppression]\n", "not valid TOML"),
        ('suppression = ["x"]\n', "entry 1: expected a table"),
    ],
)
def test_bad_suppressions_file_names_file_and_entry(tmp_path: Path, text: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_suppressions(path)
    assert says in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_or_binary_suppressions_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read"):
        load_suppressions(tmp_path / "nope.toml")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00x")
    with pytest.raises(UsageError, match="not UTF-8"):
        load_suppressions(binary)


def test_findings_are_ordered_and_deterministic() -> None:
    report = _report()
    first = evaluate(report, as_of=AS_OF)
    keys = [(-f.severity.rank, f.rule, f.subject, f.setting or "") for f in first.findings]
    assert keys == sorted(keys)
    reversed_input = report.model_copy(update={"servers": list(reversed(report.servers))})
    assert evaluate(reversed_input, as_of=AS_OF).findings == first.findings
    again = evaluate(first, as_of=AS_OF)
    assert again.model_dump_json() == first.model_dump_json()


def test_evaluate_returns_a_new_report_and_keeps_other_layers_findings() -> None:
    usage = Finding(  # a finding another tool or layer put in the report, under an id no rule here owns
        rule="INP900", severity=Severity.MEDIUM, status="fail", subject="EX01", message="TLS 1.0 seen"
    )
    report = _report().model_copy(update={"findings": [usage]})
    out = evaluate(report, as_of=AS_OF)
    assert report.findings == [usage] and report.servers[0].legacy_tls is None
    assert usage in out.findings
    assert out is not report


def test_the_evaluation_date_is_an_input_not_the_clock() -> None:
    early = evaluate(_report(), as_of=dt.date(2025, 1, 1), select=["BLD002"])
    late = evaluate(_report(), as_of=dt.date(2026, 1, 1), select=["BLD002"])
    status = lambda r: next(f.status for f in r.findings if f.subject == "EX01")  # noqa: E731
    assert (status(early), status(late)) == ("pass", "fail")
    assert early.as_of == dt.date(2025, 1, 1)


def test_registry_metadata() -> None:
    metas = rules()
    ids = [m.id for m in metas]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert not any(i.startswith("EXO") for i in ids)  # EXO means Exchange Online, never a rule area
    assert get_rule("tls001").id == "TLS001"
    with pytest.raises(UsageError):
        get_rule("TLS999")
    assert {m.scope for m in metas} == {"server", "organization", "fleet"}


def test_registry_validation_rejects_bad_definitions() -> None:
    with pytest.raises(RuleDefinitionError, match="EXO001"):
        define(
            id="EXO001",
            name="x-y",
            title="A title long enough",
            severity=Severity.LOW,
            scope="server",
            rationale="long enough rationale text",
            remediation="do something",
            sources=["x"],
        )
    with pytest.raises(RuleDefinitionError, match="duplicate rule id"):
        validate([ServerRule(BOOM, _boom), ServerRule(BOOM, _boom)])
    with pytest.raises(RuleDefinitionError, match="scope"):
        validate([FleetRule(BOOM, lambda servers, ctx: iter(()))])


def test_a_planning_bug_is_a_visible_step_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from exotls.checks import engine

    def broken(server: Server, ctx: Context) -> list[object]:
        raise ValueError("bad table row")

    monkeypatch.setattr(engine, "build_plan", broken)
    report = evaluate(_report(), as_of=AS_OF)
    plan = report.servers[0].legacy_tls.plan  # type: ignore[union-attr]
    assert [(step.action, step.detail) for step in plan] == [
        ("error", "exotls could not build the plan: ValueError: bad table row")
    ]
