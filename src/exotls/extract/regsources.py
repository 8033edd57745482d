"""Registry dumps of every shape, normalised to ``RegistryObs``.

- ``reg export``: keys with typed values; the first key is the exported root, so the
  whole subtree below it is covered (an absent key there is absent on the server).
- ``Get-ItemProperty`` objects: one key each, named by PSPath; value types come from
  the value shapes (PowerShell does not say); only that key is covered.
- HealthChecker's TLS settings object: raw values in its ``*Value`` members (null means
  absent); its derived booleans are ignored because they can be wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from exotls.extract.coerce import as_dword, as_text
from exotls.extract.registry import DOTNET_KEYS, PROTOCOLS_KEY, RegEntry, RegistryObs, canonical_key
from exotls.readers.values import PSObject, RegKey

__all__ = [
    "is_healthchecker_tls",
    "is_item_property",
    "is_registry_key_listing",
    "item_property_observation",
    "reg_export_observation",
    "tls_settings_observation",
]

# Members PowerShell's registry provider adds to Get-ItemProperty output; not registry values.
_PROVIDER_NOISE = frozenset(
    n.casefold()
    for n in (
        "PSPath", "PSParentPath", "PSChildName", "PSDrive", "PSProvider", "PSComputerName",
        "RunspaceId", "PSShowComputerName", "PSIsContainer",
    )
)


def reg_export_observation(keys: Iterable[RegKey], path: str, identity: str | None) -> RegistryObs:
    entries: list[RegEntry] = []
    root: str | None = None
    for key in keys:
        if key.deleted:
            continue
        canonical = canonical_key(key.path)
        root = root or canonical
        values = {
            name: (value.type, value.data, value.line) for name, value in key.values.items() if not value.deleted
        }
        entries.append(RegEntry(path=canonical, values=values, line=key.line))
    return RegistryObs(identity=identity, file=path, kind="reg-export", entries=entries, covered=[root] if root else [])


def is_item_property(obj: Any) -> bool:
    if not isinstance(obj, PSObject):
        return False
    ps_path = obj.get("PSPath")
    return isinstance(ps_path, str) and "registry::" in ps_path.casefold()


def is_registry_key_listing(obj: Any) -> bool:
    """``Get-ChildItem`` of the registry: key names and value names, but no value data."""
    return isinstance(obj, PSObject) and obj.is_type("Microsoft.Win32.RegistryKey")


def _typed(value: Any) -> tuple[str | None, Any]:
    """Guess the registry type PowerShell hid: ints are DWORDs (signed in PowerShell), lists multi-strings."""
    if isinstance(value, bool):
        return ("REG_SZ", value)
    if isinstance(value, int):
        dword = as_dword(value)
        return ("REG_DWORD", dword) if dword is not None else ("REG_QWORD", value)
    if isinstance(value, str):
        return ("REG_SZ", value)
    if isinstance(value, bytes):
        return ("REG_BINARY", value)
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return ("REG_MULTI_SZ", value)
        return ("REG_BINARY", value)
    if isinstance(value, PSObject) and isinstance(value.payload, list):
        return _typed(list(value.payload))
    return (None, as_text(value))


def item_property_observation(objects: Iterable[PSObject], path: str, fallback: str | None) -> list[RegistryObs]:
    """Group Get-ItemProperty objects by server (PSComputerName when remote, else ``fallback``)."""
    by_server: dict[str | None, RegistryObs] = {}
    for obj in objects:
        identity = as_text(obj.get("PSComputerName")) or fallback
        key = canonical_key(str(obj.get("PSPath")))
        values = {
            name: (*_typed(value), obj.line_of(name))
            for name, value in obj.properties.items()
            if name.casefold() not in _PROVIDER_NOISE
        }
        obs = by_server.setdefault(
            identity, RegistryObs(identity=identity, file=path, kind="get-itemproperty", entries=[], covered=[])
        )
        obs.entries.append(RegEntry(path=key, values=values, line=obj.line))
    return list(by_server.values())


def is_healthchecker_tls(obj: Any) -> bool:
    """HealthChecker's ``Get-AllTlsSettings`` result: Registry.TLS and Registry.NET hashtables."""
    if not isinstance(obj, PSObject):
        return False
    registry = obj.get("Registry")
    return isinstance(registry, PSObject) and registry.has("TLS") and registry.has("NET")


def _dict_payload(value: Any) -> dict[Any, Any]:
    if isinstance(value, PSObject) and isinstance(value.payload, dict):
        return value.payload
    if isinstance(value, PSObject):  # a hashtable that went through JSON: keys became properties
        return dict(value.properties)
    return {}


def _entry(path: str, values: dict[str, Any], line: int | None) -> RegEntry:
    present = {name: ("REG_DWORD", as_dword(v) if isinstance(v, int) else v, line) for name, v in values.items()
               if v is not None}
    return RegEntry(path=path, values=present, line=line)


def tls_settings_observation(obj: PSObject, path: str, identity: str | None) -> RegistryObs:
    registry = obj.get("Registry")
    entries: list[RegEntry] = []
    covered: list[str] = []
    for version, item in sorted(_dict_payload(registry.get("TLS")).items(), key=lambda kv: str(kv[0])):
        if not isinstance(item, PSObject):
            continue
        protocol = f"TLS {str(version).strip()}"
        for side in ("Server", "Client"):
            key = f"{PROTOCOLS_KEY}\\{protocol}\\{side}"
            covered.append(key)
            values = {name: item.get(f"{side}{name}Value") for name in ("Enabled", "DisabledByDefault")}
            entries.append(_entry(key, values, item.line_of(f"{side}EnabledValue")))
    for _name, item in sorted(_dict_payload(registry.get("NET")).items(), key=lambda kv: str(kv[0])):
        if not isinstance(item, PSObject):
            continue
        version = as_text(item.get("NetVersion"))
        if not version:
            continue
        for arch, prefix in (("x64", ""), ("x86", "Wow")):
            key = f"{DOTNET_KEYS[arch]}\\{version}"
            covered.append(key)
            values = {n: item.get(f"{prefix}{n}Value") for n in ("SystemDefaultTlsVersions", "SchUseStrongCrypto")}
            entries.append(_entry(key, values, item.line_of(f"{prefix}SystemDefaultTlsVersionsValue")))
    return RegistryObs(identity=identity, file=path, kind="healthchecker-tls", entries=entries, covered=covered)
