"""exotls' rules: the engine, every rule, verdicts and the remediation plan.

Public API::

    rules() -> list[RuleMeta]                # sorted by id
    get_rule(id) -> RuleMeta
    load_suppressions(path) -> list[Suppression]
    evaluate(report, *, as_of, select=None, skip=None, suppressions=(), table=None, rules=None) -> Report
    protocol_state(version, server_values, client_values, os_family) -> ProtocolState

Rules are listed in ``docs/rules/index.md``; each has its page ``docs/rules/<ID>.md``.
"""

from __future__ import annotations

from exotls.checks.engine import evaluate, load_suppressions
from exotls.checks.meta import RuleMeta
from exotls.checks.registry import get_rule, rule_metas
from exotls.checks.schannel import ProtocolState, SideState, protocol_state
from exotls.checks.suppress import Suppression

__all__ = [
    "ProtocolState",
    "RuleMeta",
    "SideState",
    "Suppression",
    "evaluate",
    "get_rule",
    "load_suppressions",
    "protocol_state",
    "rules",
]


def rules() -> list[RuleMeta]:
    """Every rule's metadata, sorted by id."""
    return rule_metas()
