"""Recognise what each top-level value of a document is and collect its observations.

Recognisers are tried in order (a table, not a ladder): the first that claims a value
extracts it. A document whose values nobody claims is reported as ignored, with the
type names it held, so nothing is dropped silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from exotls.extract.coerce import as_text
from exotls.extract.exchange import (
    exsetup_observation,
    is_exchange_server,
    is_exsetup,
    is_server_version,
    server_observation,
    server_version_observation,
)
from exotls.extract.healthchecker import healthchecker_observations, is_healthchecker
from exotls.extract.observations import FileFacts, ServerObs
from exotls.extract.osinfo import os_family
from exotls.extract.regsources import (
    is_healthchecker_tls,
    is_item_property,
    is_registry_key_listing,
    item_property_observation,
    reg_export_observation,
    tls_settings_observation,
)
from exotls.extract.transport import is_transport_config, transport_observation
from exotls.model import InputFile, Source
from exotls.readers.values import Document, PSObject

__all__ = ["extract_document"]

_NO_IDENTITY = (
    "no server identity: the dump does not name its server; put it in a folder named after the server "
    "(EX01/schannel.reg), prefix the file name (EX01_schannel.reg), or pass --server NAME"
)


@dataclass(slots=True)
class _Context:
    path: str
    fallback: str | None
    facts: FileFacts
    item_properties: list[PSObject]
    notes: list[str]


def _is_os(obj: Any) -> bool:
    if isinstance(obj, PSObject):
        has_name = obj.has("ProductName") or obj.has("Caption")
        has_build = obj.has("CurrentBuild") or obj.has("CurrentBuildNumber") or obj.has("BuildNumber")
        return has_name and has_build
    return isinstance(obj, str) and obj.strip().startswith("Windows Server")


def _os(obj: Any, ctx: _Context) -> None:
    product: str | None
    if isinstance(obj, str):
        product, build, identity, line = obj.strip(), None, None, None
    else:
        product = as_text(obj.get("ProductName")) or as_text(obj.get("Caption"))
        build = as_text(obj.get("CurrentBuild")) or as_text(obj.get("CurrentBuildNumber")) or as_text(
            obj.get("BuildNumber")
        )
        identity = as_text(obj.get("PSComputerName")) or as_text(obj.get("CSName"))
        line = obj.line
    obs = ServerObs(identity=identity or ctx.fallback)
    obs.facts.update(os_product_name=product, os_current_build=build, os_family=os_family(product, build))
    obs.sources["os"] = Source(path=ctx.path, line=line, kind="os")
    ctx.facts.servers.append(obs)
    ctx.facts.input.kinds.append("os")


def _server(obj: Any, ctx: _Context) -> None:
    ctx.facts.servers.append(server_observation(obj, ctx.path))
    ctx.facts.input.kinds.append("get-exchangeserver")


def _exsetup(obj: Any, ctx: _Context) -> None:
    obs = exsetup_observation(obj, ctx.path)
    if obs is None:
        ctx.notes.append("ExSetup FileVersionInfo without a readable ProductVersion")
        return
    obs.identity = obs.identity or ctx.fallback
    ctx.facts.servers.append(obs)
    ctx.facts.input.kinds.append("exsetup")


def _server_version(obj: Any, ctx: _Context) -> None:
    obs = server_version_observation(obj, ctx.path)
    if obs is None:
        return
    obs.identity = ctx.fallback
    ctx.facts.servers.append(obs)
    ctx.facts.input.kinds.append("server-version")


def _transport(obj: Any, ctx: _Context) -> None:
    ctx.facts.org.append(transport_observation(obj, ctx.path))
    ctx.facts.input.kinds.append("transport-config")


def _healthchecker(obj: Any, ctx: _Context) -> None:
    servers, registry = healthchecker_observations(obj, ctx.path)
    for obs in servers:
        obs.identity = obs.identity or ctx.fallback
    for reg in registry:
        reg.identity = reg.identity or ctx.fallback
    ctx.facts.servers.extend(servers)
    ctx.facts.registry.extend(registry)
    ctx.facts.input.kinds.append("healthchecker")


def _tls_settings(obj: Any, ctx: _Context) -> None:
    ctx.facts.registry.append(tls_settings_observation(obj, ctx.path, ctx.fallback))
    ctx.facts.input.kinds.append("healthchecker-tls")


def _item_property(obj: Any, ctx: _Context) -> None:
    ctx.item_properties.append(obj)


def _key_listing(obj: Any, ctx: _Context) -> None:
    ctx.notes.append(
        "Get-ChildItem output lists registry key and value names but not their data: "
        "pipe it to Get-ItemProperty, or use reg export"
    )


_RECOGNISERS: tuple[tuple[Callable[[Any], bool], Callable[[Any, _Context], None]], ...] = (
    (is_healthchecker, _healthchecker),
    (is_healthchecker_tls, _tls_settings),
    (is_transport_config, _transport),
    (is_exchange_server, _server),
    (is_exsetup, _exsetup),
    (is_server_version, _server_version),
    (is_item_property, _item_property),
    (is_registry_key_listing, _key_listing),
    (_is_os, _os),
)


def _describe(values: Iterable[Any]) -> str:
    kinds: Counter[str] = Counter()
    for value in values:
        if isinstance(value, PSObject):
            kinds[value.type_names[0] if value.type_names else "object without type names"] += 1
        else:
            kinds[type(value).__name__] += 1
    return ", ".join(f"{name} x{count}" for name, count in sorted(kinds.items())[:5])


def extract_document(doc: Document, *, fallback_identity: str | None) -> FileFacts:
    """Observations from one read document; sets the input entry's kinds, status and error."""
    entry = InputFile(
        path=doc.path, format=doc.format, encoding=doc.encoding, warnings=list(doc.warnings)
    )
    facts = FileFacts(input=entry)
    if doc.format == "reg":
        if doc.change_script:
            entry.status = "ignored"
            entry.error = "this .reg file deletes keys or values: it is a change script, not an export of current state"
            return facts
        facts.registry.append(reg_export_observation(doc.objects, doc.path, fallback_identity))
        entry.kinds.append("registry")
        return _finish(facts)
    ctx = _Context(path=doc.path, fallback=fallback_identity, facts=facts, item_properties=[], notes=[])
    seen: list[Any] = []
    for value in doc.objects:
        for claims, extract in _RECOGNISERS:
            if claims(value):
                extract(value, ctx)
                break
        else:
            if len(seen) < 50:
                seen.append(value)
    if ctx.item_properties:
        facts.registry.extend(item_property_observation(ctx.item_properties, doc.path, fallback_identity))
        entry.kinds.append("registry")
    if not entry.kinds and seen:
        entry.status = "ignored"
        entry.error = f"no Exchange or TLS facts recognised (holds: {_describe(seen)})"
    elif not entry.kinds:
        entry.status = "ignored"
        entry.error = "; ".join(dict.fromkeys(ctx.notes)) or "the file holds no objects"
    entry.warnings.extend(dict.fromkeys(ctx.notes))
    return _finish(facts)


def _finish(facts: FileFacts) -> FileFacts:
    """A per-server dump with no identity is an error for that file: it cannot be attributed."""
    entry = facts.input
    entry.kinds = list(dict.fromkeys(entry.kinds))
    anonymous = [o for o in facts.servers if o.identity is None] + [r for r in facts.registry if r.identity is None]
    if anonymous:
        facts.servers = [o for o in facts.servers if o.identity is not None]
        facts.registry = [r for r in facts.registry if r.identity is not None]
        if not facts.servers and not facts.registry and not facts.org:
            entry.status = "error"
            entry.error = _NO_IDENTITY
        else:
            entry.warnings.append("some objects were skipped: " + _NO_IDENTITY)
    return facts
