"""SARIF 2.1.0 for GitHub code scanning.

Choices (see docs/ci.md):
- results for ``fail`` at the severity's level, and for ``unknown``/``error`` as ``note``:
  a check that could not run is worth a look, never worth blocking a merge;
  ``pass`` and ``not-applicable`` give no result;
- suppressed findings stay, with an ``external`` suppression and its reason, so GitHub
  shows them as dismissed instead of losing the history;
- ``partialFingerprints.primaryLocationLineHash`` is a hash of rule, subject and setting,
  never of a line number or date, so alerts do not churn when dumps are re-exported.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from exotls.checks.meta import DOCS_BASE, RuleMeta
from exotls.model import Finding, Report, Severity

__all__ = [
    "LEVELS",
    "SARIF_SCHEMA",
    "SARIF_VERSION",
    "SECURITY_SEVERITY",
    "artifact_uri",
    "fingerprint",
    "render_sarif",
    "sarif_log",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = DOCS_BASE.split("/blob/", 1)[0]

LEVELS: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# Mid-band scores (GitHub: >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low);
# info gets none, so GitHub does not count it as a security alert.
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
_REPORTED = frozenset({"fail", "unknown", "error"})
_MESSAGE = {
    "fail": "{message}",
    "unknown": "Not checked on {subject}: {message}",
    "error": "Rule {rule} could not run on {subject}: {message}",
}
_MAX_TEXT = 1024  # GitHub's limit for short and full descriptions
_DRIVE = re.compile(r"^[A-Za-z]:/")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _descriptor(meta: RuleMeta) -> dict[str, Any]:
    sources = "\n".join(f"- <{url}>" for url in meta.sources)
    properties: dict[str, Any] = {"tags": _unique(["security", *meta.tags]), "scope": meta.scope}
    if meta.severity in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[meta.severity]
    return {
        "id": meta.id,
        "name": meta.name,
        "shortDescription": {"text": _clip(meta.title)},
        "fullDescription": {"text": _clip(meta.rationale)},
        "help": {
            "text": f"{meta.remediation}\n\nDocumentation: {meta.docs_url}",
            "markdown": (
                f"**Remediation:** {meta.remediation}\n\n"
                f"[{meta.id} documentation]({meta.docs_url})\n\nSources:\n{sources}"
            ),
        },
        "helpUri": meta.docs_url,
        "defaultConfiguration": {"level": LEVELS[meta.severity]},
        "properties": properties,
    }


def _fallback_descriptor(finding: Finding) -> dict[str, Any]:
    """A descriptor from the finding itself, for a rule id the caller gave no metadata for."""
    help_text = finding.remediation or "See the rule documentation."
    docs = finding.docs if finding.docs and finding.docs.startswith(("https://", "http://")) else None
    descriptor: dict[str, Any] = {
        "id": finding.rule,
        "shortDescription": {"text": f"exotls rule {finding.rule}"},
        "fullDescription": {"text": _clip(finding.message)},
        "help": {"text": help_text + (f"\n\nDocumentation: {docs}" if docs else "")},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"tags": ["security"]},
    }
    if docs:
        descriptor["helpUri"] = docs
    if finding.severity in SECURITY_SEVERITY:
        descriptor["properties"]["security-severity"] = SECURITY_SEVERITY[finding.severity]
    return descriptor


def artifact_uri(path: str) -> str:
    """A path as a SARIF URI: forward slashes, percent-encoded; absolute paths as ``file:`` URIs."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    if _DRIVE.match(p):
        return "file:///" + quote(p, safe="/:")
    if p.startswith("//"):
        return "file:" + quote(p, safe="/")
    if p.startswith("/"):
        return "file://" + quote(p, safe="/")
    return quote(p, safe="/")


def fingerprint(finding: Finding) -> str:
    """sha256 of rule|subject|setting: stable across re-exports, dates and line moves."""
    key = f"{finding.rule}|{finding.subject}|{finding.setting or ''}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _location(finding: Finding, report: Report) -> list[dict[str, Any]]:
    if finding.sources:
        path, line = finding.sources[0].path, finding.sources[0].line
    elif report.inputs:
        path, line = report.inputs[0].path, None
    else:
        return []
    return [{
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(path)},
            "region": {"startLine": line if line and line > 0 else 1},
        },
        "logicalLocations": [{"name": finding.subject}],
    }]


def _result(finding: Finding, index: int, report: Report, occurrence: int) -> dict[str, Any]:
    text = _MESSAGE[finding.status].format(rule=finding.rule, subject=finding.subject, message=finding.message)
    if finding.status == "fail" and finding.subject not in text:
        text = f"{finding.subject}: {text}"
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity] if finding.status == "fail" else "note",
        "message": {"text": text},
        "locations": _location(finding, report),
        "partialFingerprints": {"primaryLocationLineHash": f"{fingerprint(finding)}:{occurrence}"},
        "properties": {
            "subject": finding.subject,
            "status": finding.status,
            "severity": finding.severity.value,
            **({"setting": finding.setting} if finding.setting else {}),
        },
    }
    if not result["locations"]:
        del result["locations"]
    if finding.suppressed:
        suppression: dict[str, str] = {"kind": "external"}
        if finding.suppression_reason:
            suppression["justification"] = finding.suppression_reason
        result["suppressions"] = [suppression]
    return result


def sarif_log(report: Report, rules: Sequence[RuleMeta]) -> dict[str, Any]:
    """The SARIF log as a dict: every known rule, one result per reported finding."""
    descriptors = [_descriptor(meta) for meta in rules]
    index = {meta.id: i for i, meta in enumerate(rules)}
    reported = [f for f in report.findings if f.status in _REPORTED]
    for finding in reported:
        if finding.rule not in index:
            index[finding.rule] = len(descriptors)
            descriptors.append(_fallback_descriptor(finding))
    seen: dict[str, int] = {}
    results = []
    for finding in reported:
        key = fingerprint(finding)
        seen[key] = seen.get(key, 0) + 1
        results.append(_result(finding, index[finding.rule], report, seen[key]))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": report.tool.name,
            "version": report.tool.version,
            "informationUri": INFORMATION_URI,
            "rules": descriptors,
        }},
        "results": results,
        "properties": {
            "schema_version": report.schema_version,
            "as_of": report.as_of.isoformat(),
            "releases_as_of": report.releases_as_of.isoformat() if report.releases_as_of else None,
            "fleet_verdict": report.fleet.verdict,
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render_sarif(report: Report, rules: Sequence[RuleMeta]) -> str:
    """The SARIF log as indented JSON text with a trailing newline."""
    return json.dumps(sarif_log(report, rules), indent=2, ensure_ascii=False) + "\n"
