"""HealthChecker's own XML (``HealthChecker-<SERVER>-<yyyyMMddHHmmss>.xml``).

Only its collected data is used (server name, ExSetup build, OS, raw TLS registry
values); its verdicts and derived booleans are not facts, and some are wrong.
"""

from __future__ import annotations

from typing import Any

from exotls.extract.coerce import as_text
from exotls.extract.exchange import (
    admin_display_build,
    exsetup_observation,
    is_exchange_server,
    server_observation,
)
from exotls.extract.observations import ServerObs
from exotls.extract.osinfo import HEALTHCHECKER_OS, os_family
from exotls.extract.registry import RegistryObs
from exotls.extract.regsources import is_healthchecker_tls, tls_settings_observation
from exotls.model import Source
from exotls.readers.values import PSObject

__all__ = ["healthchecker_observations", "is_healthchecker"]


def is_healthchecker(obj: Any) -> bool:
    return isinstance(obj, PSObject) and isinstance(obj.get("HealthCheckerExchangeServer"), PSObject)


def _walk(obj: Any, *names: str) -> Any:
    for name in names:
        if not isinstance(obj, PSObject):
            return None
        obj = obj.get(name)
    return obj


def healthchecker_observations(obj: PSObject, path: str) -> tuple[list[ServerObs], list[RegistryObs]]:
    kind = "healthchecker"
    root = obj.get("HealthCheckerExchangeServer")
    name = as_text(_walk(root, "ServerName"))
    servers: list[ServerObs] = []
    obs = ServerObs(identity=name, named=name is not None)
    if name:
        obs.facts["name"] = name
        obs.sources["identity"] = Source(path=path, line=root.line_of("ServerName"), kind=kind)
    setup = _walk(root, "ExchangeInformation", "BuildInformation", "ExchangeSetup")
    if isinstance(setup, PSObject):
        if not setup.has("ProductVersion") and setup.has("FileVersion"):
            setup = PSObject(setup.type_names, {"ProductVersion": setup.get("FileVersion")}, line=setup.line)
        found = exsetup_observation(setup, path)
        if found is not None:
            obs.facts.update(found.facts)
            obs.sources.update({k: v.model_copy(update={"kind": kind}) for k, v in found.sources.items()})
    if "exsetup_build" not in obs.facts:
        text, build = admin_display_build(_walk(root, "ExchangeInformation", "BuildInformation",
                                                "VersionInformation", "BuildVersion"))
        if build:
            obs.facts["adv_build"] = build
            obs.facts["admin_display_version"] = text
            obs.sources["admin_display_version"] = Source(path=path, line=root.line, kind=kind)
    os_info = _walk(root, "OSInformation", "BuildInformation")
    family = HEALTHCHECKER_OS.get(as_text(_walk(os_info, "MajorVersion")) or "")
    family = family or os_family(None, as_text(_walk(os_info, "BuildVersion")))
    product = as_text(_walk(root, "OSInformation", "RegistryValues", "ProductName"))
    product = product or as_text(_walk(os_info, "FriendlyName"))
    if family or product:
        obs.facts["os_family"] = family or os_family(product, None)
        obs.facts["os_product_name"] = product
        obs.sources["os"] = Source(path=path, line=os_info.line if isinstance(os_info, PSObject) else None, kind=kind)
    servers.append(obs)
    exchange_server = _walk(root, "ExchangeInformation", "GetExchangeServer")
    if is_exchange_server(exchange_server):
        details = server_observation(exchange_server, path)
        details.identity = details.identity or name
        servers.append(details)
    registry: list[RegistryObs] = []
    tls = _walk(root, "OSInformation", "TLSSettings")
    if is_healthchecker_tls(tls):
        found_tls = tls_settings_observation(tls, path, name)
        found_tls.kind = kind
        registry.append(found_tls)
    return servers, registry
