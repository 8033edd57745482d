"""Merge observations from many files into one record per server and one organization.

Servers match case-insensitively on their short name (``ex01`` matches
``EX01.contoso.com``). ExSetup's build wins over AdminDisplayVersion (which does not
move with Security Updates). Two dumps that disagree are reported as a ``Conflict``;
where neither can be preferred the fact is left unknown rather than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from exotls.extract.identity import server_key
from exotls.extract.observations import FileFacts, OrgObs, RegistryObs, ServerObs
from exotls.extract.osinfo import os_family
from exotls.extract.registry import interpret
from exotls.model import Conflict, Organization, OsInfo, Server, Source

__all__ = ["merge"]

_SIMPLE = ("fqdn", "edition", "site", "is_edge", "roles")


def _cu_line(build: str) -> str:
    return ".".join(build.split(".")[:3])


def _distinct(
    observations: Sequence[ServerObs], fact: str, source_key: str
) -> list[tuple[Any, Source | None]]:
    seen: dict[Any, Source | None] = {}
    for obs in observations:
        value = obs.facts.get(fact)
        if value is not None and value not in seen:
            seen[value] = obs.sources.get(source_key)
    return list(seen.items())


def _conflict(fact: str, values: list[tuple[Any, Source | None]], resolution: str) -> Conflict:
    return Conflict(
        fact=fact,
        values=[str(v) for v, _ in values],
        sources=[s for _, s in values if s is not None],
        resolution=resolution,
    )


def _build(server: Server, observations: Sequence[ServerObs]) -> None:
    exsetup = _distinct(observations, "exsetup_build", "exsetup_build")
    adv = _distinct(observations, "adv_build", "admin_display_version")
    texts = _distinct(observations, "admin_display_version", "admin_display_version")
    if texts:
        server.admin_display_version = str(texts[0][0])
    if len(exsetup) > 1:
        server.conflicts.append(_conflict("exsetup_build", exsetup, "left undecided: the build is unknown"))
    elif exsetup:
        build, source = exsetup[0]
        server.build, server.exsetup_build, server.build_source = build, build, "exsetup"
        if source is not None:
            server.sources["build"] = source
        stale = [(v, s) for v, s in adv if _cu_line(v) != _cu_line(build)]
        if stale:
            server.conflicts.append(
                _conflict(
                    "build",
                    [(build, source), *stale],
                    "ExSetup's version was used: it is the installed file; AdminDisplayVersion differs in its "
                    "CU build, so one of the dumps is older than the other",
                )
            )
        return
    if len(adv) > 1:
        server.conflicts.append(_conflict("admin_display_version", adv, "left undecided: the build is unknown"))
    elif adv:
        build, source = adv[0]
        server.build, server.build_source = build, "admin-display-version"
        if source is not None:
            server.sources["build"] = source


def _os(server: Server, observations: Sequence[ServerObs]) -> None:
    families = _distinct(observations, "os_family", "os")
    products = _distinct(observations, "os_product_name", "os")
    builds = _distinct(observations, "os_current_build", "os")
    if len(families) > 1:
        server.conflicts.append(_conflict("os", families, "left undecided: the OS is unknown"))
        return
    if families or products or builds:
        server.os = OsInfo(
            product_name=str(products[0][0]) if products else None,
            current_build=str(builds[0][0]) if builds else None,
            family=str(families[0][0]) if families else None,
        )
        source = (families or products or builds)[0][1]
        if source is not None:
            server.sources["os"] = source


def _server(key: str, observations: list[ServerObs], registry: list[RegistryObs]) -> Server:
    named = [o for o in observations if o.named and o.facts.get("name")]
    identities = sorted({o.identity for o in observations if o.identity} | {r.identity for r in registry if r.identity})
    name = str(named[0].facts["name"]) if named else (identities[0].split(".")[0] if identities else key)
    server = Server(name=name)
    ordered = named + [o for o in observations if o not in named]
    for fact in _SIMPLE:
        for obs in ordered:
            if obs.facts.get(fact) is not None:
                setattr(server, fact, obs.facts[fact])
                break
    if server.fqdn is None:
        fqdns = [i for i in identities if "." in i]
        server.fqdn = fqdns[0] if fqdns else None
    for obs in ordered:
        for fact, source in obs.sources.items():
            server.sources.setdefault(fact, source)
    _build(server, observations)
    _os(server, observations)
    if registry:
        facts = interpret(registry)
        server.schannel = facts.schannel
        server.dotnet = facts.dotnet
        server.schannel_anomalies = facts.anomalies
        server.cipher_suites = facts.cipher_suites
        for fact, source in facts.sources.items():
            server.sources.setdefault(fact, source)
        for fact, group in facts.conflicts:
            server.conflicts.append(
                Conflict(
                    fact=fact,
                    values=[v for v, _ in group],
                    sources=[s for _, s in group],
                    resolution="left undecided: rules treat this key as unknown",
                )
            )
        if server.os is None and (facts.os_product_name or facts.os_current_build):
            server.os = OsInfo(
                product_name=facts.os_product_name,
                current_build=facts.os_current_build,
                family=os_family(facts.os_product_name, facts.os_current_build),
            )
    return server


def _organization(observations: Sequence[OrgObs]) -> Organization:
    org = Organization()
    if not observations:
        return org
    environments = sorted({o.environment for o in observations} - {"unknown"})
    if len(environments) == 1:
        org.environment = "exchange-online" if environments[0] == "exchange-online" else "on-premises"
    if len(environments) > 1:
        org.conflicts.append(
            Conflict(fact="environment", values=environments, sources=[], resolution="left undecided")
        )
    org.name = next((o.name for o in observations if o.name), None)
    values: dict[str, list[tuple[Any, Source]]] = defaultdict(list)
    for obs in observations:
        for name, value in obs.settings.items():
            values[name].append((value, obs.sources[name]))
    for name in sorted(values):
        distinct = list(dict.fromkeys(v for v, _ in values[name]))
        if len(distinct) > 1:
            org.conflicts.append(
                Conflict(
                    fact=name,
                    values=[str(v) for v in distinct],
                    sources=[s for _, s in values[name]],
                    resolution="left undecided: the setting is unknown",
                )
            )
            continue
        org.settings[name] = distinct[0]
        org.sources[name] = values[name][0][1]
    return org


def merge(files: Sequence[FileFacts]) -> tuple[Organization, list[Server]]:
    """One Organization and the servers, sorted by name, from every file's observations."""
    servers: dict[str, list[ServerObs]] = defaultdict(list)
    registry: dict[str, list[RegistryObs]] = defaultdict(list)
    orgs: list[OrgObs] = []
    for facts in files:
        for obs in facts.servers:
            if obs.identity:
                servers[server_key(obs.identity)].append(obs)
        for reg in facts.registry:
            if reg.identity:
                registry[server_key(reg.identity)].append(reg)
        orgs.extend(facts.org)
    keys = sorted(set(servers) | set(registry))
    built = [_server(key, servers.get(key, []), registry.get(key, [])) for key in keys]
    return _organization(orgs), sorted(built, key=lambda s: s.name.casefold())
