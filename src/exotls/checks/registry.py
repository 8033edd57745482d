"""Every rule exotls runs, from an explicit list of modules (no import side effects, no globbing).

Loading checks what per-rule validation cannot: ids are unique, each rule's declared scope
matches the kind of subject its function takes, and names are unique too.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from exotls.checks import build_rules, fleet_rules, input_rules, net_rules, org_rules, tls_rules, usage_rules
from exotls.checks.base import FleetRule, OrganizationRule, Rule, ServerRule
from exotls.checks.meta import RuleMeta
from exotls.errors import RuleDefinitionError, UsageError

__all__ = ["all_rules", "blocker_ids", "get_rule", "rule_metas", "validate"]

_MODULES = (build_rules, tls_rules, net_rules, org_rules, fleet_rules, input_rules, usage_rules)
_SCOPES = {ServerRule: "server", OrganizationRule: "organization", FleetRule: "fleet"}


def validate(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """Check a set of rules as a whole and return them sorted by id."""
    seen_ids: dict[str, Rule] = {}
    seen_names: dict[str, str] = {}
    for rule in rules:
        meta = rule.meta
        if meta.id in seen_ids:
            raise RuleDefinitionError(f"duplicate rule id {meta.id}")
        if meta.name in seen_names:
            raise RuleDefinitionError(
                f"rule {meta.id}: name {meta.name!r} is already used by {seen_names[meta.name]}"
            )
        expected = _SCOPES[type(rule)]
        if meta.scope != expected:
            raise RuleDefinitionError(
                f"rule {meta.id}: scope {meta.scope!r} but its check takes a {expected}"
            )
        seen_ids[meta.id] = rule
        seen_names[meta.name] = meta.id
    return tuple(sorted(seen_ids.values(), key=lambda rule: rule.meta.id))


@cache
def all_rules() -> tuple[Rule, ...]:
    return validate(rule for module in _MODULES for rule in module.RULES)


def rule_metas() -> list[RuleMeta]:
    return [rule.meta for rule in all_rules()]


def get_rule(rule_id: str) -> RuleMeta:
    """The metadata of one rule (case-insensitive id); an unknown id is a ``UsageError``."""
    wanted = rule_id.strip().upper()
    for rule in all_rules():
        if rule.meta.id == wanted:
            return rule.meta
    raise UsageError(f"unknown rule id {rule_id!r}")


def blocker_ids() -> frozenset[str]:
    """Rules whose failure blocks disabling TLS 1.0/1.1 on a server (tagged ``blocker``)."""
    return frozenset(rule.meta.id for rule in all_rules() if "blocker" in rule.meta.tags)
