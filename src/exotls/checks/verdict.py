"""Per-server, organization and fleet verdicts, derived from findings and facts.

Decisions recorded in docs/rules/index.md:

* ``disabled`` follows HealthChecker's TLSVersionDisabled for both TLS 1.0 and TLS 1.1 and
  wins over everything else: a server that already runs without TLS 1.0/1.1 is "disabled"
  even if other findings (e.g. missing .NET values) still fail; those stay in the findings.
* ``blocked``: a non-suppressed ``fail`` of a rule tagged ``blocker`` (for TLS003 only on
  TLS 1.0-1.2; a TLS 1.3 mismatch does not stop disabling TLS 1.0/1.1).
* ``unknown``: no blocker failed, but a blocker said ``unknown`` or ``error``, or the dumps do
  not show TLS 1.0/1.1 at all.
* ``ready`` otherwise. A suppressed finding is an accepted risk and does not block; a rule
  left out by select/skip is named in the summary as not checked.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from exotls.checks.paths import HOW_TO_EXPORT
from exotls.checks.registry import blocker_ids
from exotls.checks.tls_facts import LEGACY, state_of
from exotls.model import Finding, Fleet, LegacyTls, Server, Verdict

__all__ = ["fleet_verdict", "server_verdict"]

# A blocker rule that reports per setting blocks only through these settings.
_BLOCKING_SETTINGS = {"TLS003": frozenset({"schannel/TLS 1.0", "schannel/TLS 1.1", "schannel/TLS 1.2"})}


def _blocks(finding: Finding, blockers: Collection[str]) -> bool:
    if finding.rule not in blockers or finding.suppressed:
        return False
    settings = _BLOCKING_SETTINGS.get(finding.rule)
    return settings is None or finding.setting in settings


def server_verdict(server: Server, findings: Sequence[Finding], ran: Collection[str]) -> LegacyTls:
    """The server's verdict from its own findings (``ran`` = ids of the rules that ran)."""
    blockers_all = blocker_ids()
    states = [state_of(server, version) for version in LEGACY]
    failing_other = sorted({f.rule for f in findings if f.status == "fail" and not f.suppressed})
    if all(state is not None and state.disabled for state in states):
        summary = "TLS 1.0 and 1.1 are disabled on Server and Client."
        if failing_other:
            summary += f" Still failing: {', '.join(failing_other)}."
        return LegacyTls(verdict="disabled", summary=summary)

    relevant = [f for f in findings if _blocks(f, blockers_all)]
    blockers = sorted({f.rule for f in relevant if f.status == "fail"})
    unknown_because: list[str] = []
    for finding in relevant:
        if finding.status in ("unknown", "error"):
            line = f"{finding.rule}: {finding.message}"
            if line not in unknown_because:
                unknown_because.append(line)
    for version, state in zip(LEGACY, states, strict=True):
        if state is None and not any(f"{version}\\" in line for line in unknown_because):
            unknown_because.append(
                f"{version}: no SCHANNEL export covers both sides on {server.name}: run {HOW_TO_EXPORT['schannel']}."
            )
    skipped = sorted(blockers_all - set(ran))
    not_checked = f" Not checked (deselected): {', '.join(skipped)}." if skipped else ""

    verdict: Verdict
    if blockers:
        verdict = "blocked"
        summary = (
            f"Blocked by {', '.join(blockers)}; fix them in the plan's order before disabling TLS 1.0/1.1."
        )
        if "USE001" in blockers:
            summary += " The logs show clients that still use TLS 1.0/1.1: disabling it now would cut them off (see USE001)."
    elif unknown_because:
        verdict = "unknown"
        summary = f"Cannot decide: {len(unknown_because)} input(s) missing (see unknown_because)."
    else:
        verdict = "ready"
        summary = "Every prerequisite is met: TLS 1.0 and 1.1 can be disabled once every server is ready (see the plan)."
    return LegacyTls(
        verdict=verdict, blockers=blockers, unknown_because=unknown_because, summary=summary + not_checked
    )


def fleet_verdict(verdicts: Sequence[Verdict]) -> Fleet:
    """Blocked if any server is, else unknown if any is, else disabled if all are, else ready."""
    counts = {"ready": 0, "blocked": 0, "disabled": 0, "unknown": 0}
    for verdict in verdicts:
        counts[verdict] += 1
    overall: Verdict
    if not verdicts:
        overall = "unknown"
    elif counts["blocked"]:
        overall = "blocked"
    elif counts["unknown"]:
        overall = "unknown"
    elif counts["disabled"] == len(verdicts):
        overall = "disabled"
    else:
        overall = "ready"
    return Fleet(verdict=overall, counts=counts)
