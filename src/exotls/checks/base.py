"""The shapes every rule shares: what a rule returns, what it may read, how it is declared.

A rule is a pure function of one subject (a server, the organization or the fleet) and a
``Context`` that carries the evaluation date and the release table: nothing reads the clock,
the file system or the network, so the same report always gives the same findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from exotls.checks.meta import RuleMeta
from exotls.errors import InvalidBuildError, RuleDefinitionError
from exotls.model import Organization, Report, Server, Source, Status
from exotls.releases import BuildInfo, ReleaseTable, lookup

__all__ = [
    "BuildLookup",
    "Context",
    "FleetRule",
    "OrganizationRule",
    "Outcome",
    "Rule",
    "ServerCheck",
    "ServerRule",
    "define",
    "fact_sources",
]


@dataclass(frozen=True)
class Outcome:
    """One result of one rule about one setting; the engine turns it into a ``Finding``.

    ``remediation`` overrides the rule's generic remediation when the exact fix depends on
    the values seen (for example the one ``reg add`` line that is missing).
    """

    status: Status
    message: str
    setting: str | None = None
    sources: tuple[Source, ...] = ()
    remediation: str | None = None


@dataclass(frozen=True)
class BuildLookup:
    """The release-table answer for one server's build, or why there is none."""

    info: BuildInfo | None
    missing: bool = False
    error: str | None = None


@dataclass
class Context:
    """What a rule may read besides its subject: the date, the table, the whole report."""

    as_of: dt.date
    report: Report
    table: ReleaseTable | None = None
    _builds: dict[str, BuildLookup] = field(default_factory=dict, repr=False)

    def build(self, server: Server) -> BuildLookup:
        """Look the server's build up once per run; a bad build string is an answer, not a crash."""
        if server.build is None:
            return BuildLookup(info=None, missing=True)
        return self.lookup_build(server.build)

    def lookup_build(self, build: str) -> BuildLookup:
        """Any build string, looked up once per run (a fleet runs a handful of builds)."""
        cached = self._builds.get(build)
        if cached is None:
            try:
                cached = BuildLookup(info=lookup(build, as_of=self.as_of, table=self.table))
            except InvalidBuildError as err:
                cached = BuildLookup(info=None, error=str(err))
            self._builds[build] = cached
        return cached


ServerCheck = Callable[[Server, Context], Iterable[Outcome]]
OrganizationCheck = Callable[[Organization, Context], Iterable[Outcome]]
FleetCheck = Callable[[Sequence[Server], Context], Iterable[Outcome]]


@dataclass(frozen=True)
class ServerRule:
    meta: RuleMeta
    check: ServerCheck


@dataclass(frozen=True)
class OrganizationRule:
    meta: RuleMeta
    check: OrganizationCheck


@dataclass(frozen=True)
class FleetRule:
    meta: RuleMeta
    check: FleetCheck


Rule = ServerRule | OrganizationRule | FleetRule


def define(**fields: Any) -> RuleMeta:
    """Validate rule metadata at import time; a bad definition is a ``RuleDefinitionError``."""
    try:
        return RuleMeta(**fields)
    except ValidationError as err:
        raise RuleDefinitionError(f"rule {fields.get('id', '?')}: {err}") from err


def fact_sources(sources: dict[str, Source], *facts: str) -> tuple[Source, ...]:
    """The sources of ``facts``, each falling back to its nearest recorded parent.

    ``schannel/TLS 1.0/Server/Enabled`` falls back to ``schannel/TLS 1.0/Server`` (the key)
    when the value itself has no source, e.g. because it was absent.
    """
    found: list[Source] = []
    seen: set[Source] = set()  # Source is frozen, so hashable: no pairwise pydantic __eq__
    for fact in facts:
        parts = fact.split("/")
        while parts:
            source = sources.get("/".join(parts))
            if source is not None:
                if source not in seen:
                    seen.add(source)
                    found.append(source)
                break
            parts.pop()
    return tuple(found)
