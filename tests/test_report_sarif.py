"""SARIF: valid against the OASIS 2.1.0 schema, levels mapped, fingerprints that do not churn."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from exotls.model import Finding, Report, Severity
from exotls.report import render
from exotls.report.sarif import artifact_uri, sarif_log
from report_samples import HOSTILE_NAME, sample_report, sample_rules

SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _log(report: Report | None = None) -> dict[str, Any]:
    text = render(report or sample_report(), "sarif", rules=sample_rules())
    return json.loads(text)


def _results_by(log: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["ruleId"], r["properties"]["subject"]): r for r in log["runs"][0]["results"]}


def test_schema_valid() -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(_log())


def test_schema_valid_hostile_and_empty() -> None:
    validator = jsonschema.Draft4Validator(SCHEMA)
    validator.validate(_log(sample_report(first_name=HOSTILE_NAME)))
    empty = Report(tool=sample_report().tool, as_of=dt.date(2025, 1, 1))
    log = _log(empty)
    validator.validate(log)
    assert log["runs"][0]["results"] == []


def test_schema_rejects_a_broken_log() -> None:
    """The validator really checks: a result without a message is invalid SARIF."""
    log = _log()
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_driver_and_rules() -> None:
    driver = _log()["runs"][0]["tool"]["driver"]
    assert driver["name"] == "exotls"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"] == "https://github.com/exotls/exotls"
    rules = {r["id"]: r for r in driver["rules"]}
    assert list(rules) == [m.id for m in sample_rules()]
    bld = rules["BLD001"]
    assert bld["name"] == "build-out-of-support"
    assert bld["shortDescription"]["text"] == "Exchange build is out of support"
    assert bld["fullDescription"]["text"].startswith("Builds older than the supported CU")
    assert bld["helpUri"] == "https://github.com/exotls/exotls/blob/main/docs/rules/BLD001.md"
    assert "Install the latest Cumulative Update" in bld["help"]["text"]
    assert bld["helpUri"] in bld["help"]["text"] and bld["helpUri"] in bld["help"]["markdown"]
    assert bld["defaultConfiguration"]["level"] == "error"
    assert "security" in bld["properties"]["tags"] and "build" in bld["properties"]["tags"]
    scores = {i: r["properties"].get("security-severity") for i, r in rules.items()}
    assert scores == {"BLD001": "9.5", "TLS002": "8.0", "NET001": "8.0", "ORG001": "5.5", "TLS001": "2.0", "INP001": None}


def test_levels_and_statuses() -> None:
    results = _results_by(_log())
    levels = {key: r["level"] for key, r in results.items()}
    assert levels == {
        ("TLS001", "EX01"): "note",  # low
        ("BLD001", "EX02"): "error",  # critical
        ("TLS002", "EX02"): "error",  # high
        ("NET001", "EX02"): "error",  # high
        ("NET001", "EX04"): "note",  # high but unknown
        ("ORG001", "contoso.onmicrosoft.com"): "warning",  # medium
        ("TLS001", "EDGE01"): "note",  # suppressed low
        ("INP001", "EX03"): "note",  # the rule raised (status error)
    }
    # pass and not-applicable give no result
    assert ("TLS001", "EX03") not in results and ("TLS002", "EX04") not in results
    assert results[("NET001", "EX04")]["message"]["text"].startswith("Not checked on EX04: ")
    assert results[("INP001", "EX03")]["message"]["text"].startswith("Rule INP001 could not run on EX03: ")


def test_rule_index_points_at_the_rule() -> None:
    run = _log()["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]


def test_unknown_rule_gets_a_descriptor() -> None:
    report = sample_report()
    report.findings.append(Finding(
        rule="FLT900", severity=Severity.MEDIUM, status="fail", subject="fleet", message="Servers disagree.",
    ))
    run = _log(report)["runs"][0]
    jsonschema.Draft4Validator(SCHEMA).validate(_log(report))
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids[-1] == "FLT900"
    result = run["results"][-1]
    assert result["ruleIndex"] == len(ids) - 1 and result["level"] == "warning"
    assert result["message"]["text"] == "fleet: Servers disagree."  # subject added to the title


def test_suppressions() -> None:
    results = _results_by(_log())
    assert results[("TLS001", "EDGE01")]["suppressions"] == [{
        "kind": "external",
        "justification": "Edge kept on TLS 1.0 for partner relay until 2025-06 (CHG-1234).",
    }]
    assert all("suppressions" not in r for k, r in results.items() if k != ("TLS001", "EDGE01"))


def test_locations() -> None:
    results = _results_by(_log())
    loc = results[("BLD001", "EX02")]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "dumps/servers.xml"}, "region": {"startLine": 57}}
    # backslashes become slashes
    loc = results[("TLS002", "EX02")]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "dumps/ex02-schannel.reg"
    # a source without a line starts at line 1
    assert results[("NET001", "EX02")]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    # no source at all: the first input file, line 1
    loc = results[("NET001", "EX04")]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "dumps/ex01-schannel.reg"}, "region": {"startLine": 1}}


@pytest.mark.parametrize(("path", "uri"), [
    ("dumps/a b.xml", "dumps/a%20b.xml"),
    (".\\dumps\\ex01.reg", "dumps/ex01.reg"),
    ("C:\\exports\\ex01.xml", "file:///C:/exports/ex01.xml"),
    ("/srv/dumps/x#1.xml", "file:///srv/dumps/x%231.xml"),
    ("\\\\fs01\\share\\x.reg", "file://fs01/share/x.reg"),
])
def test_artifact_uri(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


def _fingerprints(report: Report) -> dict[tuple[str, str], str]:
    return {k: r["partialFingerprints"]["primaryLocationLineHash"] for k, r in _results_by(_log(report)).items()}


def test_fingerprints_stable() -> None:
    base = _fingerprints(sample_report())
    assert base == _fingerprints(sample_report())
    assert base == _fingerprints(sample_report(line_shift=40))
    assert base == _fingerprints(sample_report(as_of=dt.date(2026, 1, 31)))
    assert len(set(base.values())) == len(base)  # every alert distinct
    # but a different server is a different alert
    assert _fingerprints(sample_report(first_name="EX09"))[("TLS001", "EX09")] != base[("TLS001", "EX01")]


def test_duplicate_keys_get_distinct_fingerprints() -> None:
    report = sample_report()
    twin = next(f for f in report.findings if f.rule == "BLD001")
    report.findings.append(twin.model_copy())
    results = sarif_log(report, [])["runs"][0]["results"]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results if r["ruleId"] == "BLD001"]
    assert len(hashes) == 2 and len(set(hashes)) == 2


def test_deterministic_text() -> None:
    rules = sample_rules()
    assert render(sample_report(), "sarif", rules=rules) == render(sample_report(), "sarif", rules=rules)


def test_registered_rules_by_default_and_schema_valid() -> None:
    """With no rules given, SARIF describes every registered rule (the real metadata)."""
    from exotls.checks import rules

    registered = rules()
    log = json.loads(render(sample_report(), "sarif"))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    descriptors = log["runs"][0]["tool"]["driver"]["rules"]
    assert [d["id"] for d in descriptors[: len(registered)]] == [r.id for r in registered]
    for descriptor in descriptors:
        assert 0 < len(descriptor["shortDescription"]["text"]) <= 1024
        assert 0 < len(descriptor["fullDescription"]["text"]) <= 1024
        assert descriptor["help"]["text"]
    for result in log["runs"][0]["results"]:
        assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]
