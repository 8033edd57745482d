"""SCHANNEL, .NET, cipher-suite and OS facts from registry dumps of any shape.

Every registry source (a ``reg export``, ``Get-ItemProperty`` objects, HealthChecker's
TLS object) is first normalised to ``RegEntry`` items plus the subtrees the dump
covered; ``interpret`` then builds the per-server maps. A key the dump covered but
that is absent gives ``None`` values; a key no dump covered stays out of the map.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from exotls.model import DotNet, Protocols, RegistryAnomaly, Source

__all__ = [
    "DOTNET_VALUES",
    "DOTNET_VERSIONS",
    "PROTOCOLS_KEY",
    "SCHANNEL_VALUES",
    "STANDARD_PROTOCOLS",
    "RegEntry",
    "RegistryFacts",
    "RegistryObs",
    "canonical_key",
    "interpret",
]

HKLM = "HKEY_LOCAL_MACHINE"
_ROOTS = {
    "HKLM": HKLM,
    "HKEY_LOCAL_MACHINE": HKLM,
    "HKCU": "HKEY_CURRENT_USER",
    "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
    "HKU": "HKEY_USERS",
    "HKEY_USERS": "HKEY_USERS",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT",
    "HKCC": "HKEY_CURRENT_CONFIG",
    "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
}
_CONTROLSET = re.compile(r"\\ControlSet\d{3}\\", re.IGNORECASE)

SCHANNEL_KEY = HKLM + r"\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
PROTOCOLS_KEY = SCHANNEL_KEY + r"\Protocols"
# Protocols exotls always reports when the dumps cover the Protocols key.
STANDARD_PROTOCOLS = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
# Every protocol key name Schannel reads (registry names are case-insensitive).
_KNOWN_PROTOCOLS = {
    name.casefold(): name
    for name in (*STANDARD_PROTOCOLS, "PCT 1.0", "Multi-Protocol Unified Hello", "DTLS 1.0", "DTLS 1.2")
}
_SIDES = {"server": "Server", "client": "Client"}
SCHANNEL_VALUES = ("Enabled", "DisabledByDefault")
# Key names that are clearly meant as a protocol but that Schannel does not read.
_LOOKS_LIKE_PROTOCOL = re.compile(r"^\s*(tls|ssl|dtls)\s*[v_\-. ]*\s*\d", re.IGNORECASE)

DOTNET_KEYS = {
    "x64": HKLM + r"\SOFTWARE\Microsoft\.NETFramework",
    "x86": HKLM + r"\SOFTWARE\Wow6432Node\Microsoft\.NETFramework",
}
DOTNET_VERSIONS = ("v4.0.30319", "v2.0.50727")
DOTNET_VALUES = ("SystemDefaultTlsVersions", "SchUseStrongCrypto")

CIPHER_KEYS = (  # group policy first: it wins over the local list
    HKLM + r"\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002",
    HKLM + r"\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002",
)
CURRENT_VERSION_KEY = HKLM + r"\SOFTWARE\Microsoft\Windows NT\CurrentVersion"


@lru_cache(maxsize=4096)  # a fleet repeats the same few hundred key paths on every server
def canonical_key(path: str) -> str:
    """Full root name, single backslashes, ``ControlSet00N`` read as ``CurrentControlSet``."""
    text = path.strip().strip("\\")
    if "::" in text:  # PowerShell provider path
        text = text.split("::", 1)[1]
    root, _, rest = text.partition("\\")
    root = _ROOTS.get(root.rstrip(":").upper(), root)
    text = f"{root}\\{rest}" if rest else root
    return _CONTROLSET.sub(r"\\CurrentControlSet\\", text)


_fold = str.casefold  # registry names are case-insensitive


@dataclass(slots=True)
class RegEntry:
    """One key as a dump shows it: values map name -> (registry type or None, data, line)."""

    path: str
    values: Mapping[str, tuple[str | None, Any, int | None]] = field(default_factory=dict)
    line: int | None = None


@dataclass(slots=True)
class RegistryObs:
    """Registry keys from one file about one server, and the subtrees that file covered."""

    identity: str | None
    file: str
    kind: str
    entries: list[RegEntry]
    covered: list[str]


@dataclass(slots=True)
class RegistryFacts:
    """What ``interpret`` derives for one server."""

    schannel: Protocols
    dotnet: DotNet
    anomalies: list[RegistryAnomaly]
    sources: dict[str, Source]
    conflicts: list[tuple[str, list[tuple[str, Source]]]]
    cipher_suites: list[str] | None
    os_product_name: str | None
    os_current_build: str | None


def _source(obs: RegistryObs, line: int | None) -> Source:
    return Source(path=obs.file, line=line, kind=obs.kind)


class _Index:
    """All keys seen for one server, with coverage, and conflicting values detected.

    A server's dumps hold hundreds of values and the rules read a few dozen: a value's
    ``Source`` is built when it is first asked for, not for every value seen.
    """

    def __init__(self, observations: Sequence[RegistryObs]) -> None:
        self.keys: dict[str, tuple[RegEntry, RegistryObs]] = {}
        self.covered: list[str] = []
        self._values: dict[tuple[str, str], tuple[str | None, Any, RegistryObs, int | None]] = {}
        self._sources: dict[tuple[str, str], Source] = {}
        self.conflicts: dict[tuple[str, str], list[tuple[str, Source]]] = {}
        self.conflict_names: dict[tuple[str, str], str] = {}  # as the dump spells the key and value
        for obs in observations:
            self.covered.extend(_fold(c) + "\\" for c in obs.covered)
            for entry in obs.entries:
                folded = _fold(entry.path)
                self.keys.setdefault(folded, (entry, obs))
                for name, (rtype, data, line) in entry.values.items():
                    slot = (folded, name.casefold())
                    seen = self._values.get(slot)
                    if seen is None:
                        self._values[slot] = (rtype, data, obs, line)
                    elif seen[1] != data or (seen[0] != rtype and None not in (seen[0], rtype)):
                        group = self.conflicts.setdefault(slot, [(repr(seen[1]), self._source(slot))])
                        group.append((repr(data), _source(obs, line)))
                        self.conflict_names.setdefault(slot, f"{entry.path}\\{name}")
        self._sorted_keys = sorted(self.keys)
        self.conflicting_keys = {path for path, _ in self.conflicts}

    def _source(self, slot: tuple[str, str]) -> Source:
        source = self._sources.get(slot)
        if source is None:
            _, _, obs, line = self._values[slot]
            source = self._sources[slot] = _source(obs, line)
        return source

    def is_covered(self, path: str) -> bool:
        folded = _fold(path)
        return folded in self.keys or any((folded + "\\").startswith(root) for root in self.covered)

    def entry(self, path: str) -> tuple[RegEntry, RegistryObs] | None:
        return self.keys.get(_fold(path))

    def value(self, path: str, name: str) -> tuple[str | None, Any, Source] | None:
        slot = (_fold(path), name.casefold())
        found = self._values.get(slot)
        return None if found is None else (found[0], found[1], self._source(slot))

    def under(self, prefix: str) -> Iterator[tuple[RegEntry, RegistryObs]]:
        folded = _fold(prefix) + "\\"
        for key in self._sorted_keys:
            if key.startswith(folded):
                yield self.keys[key]


def _dword(
    index: _Index, path: str, name: str, fact: str, anomalies: list[RegistryAnomaly], sources: dict[str, Source]
) -> int | None:
    """A DWORD value, or None when absent or of a type Windows does not read as a DWORD."""
    found = index.value(path, name)
    if found is None:
        return None
    rtype, data, source = found
    sources[fact] = source
    if rtype not in (None, "REG_DWORD") or isinstance(data, bool) or not isinstance(data, int):
        anomalies.append(
            RegistryAnomaly(
                kind="wrong-type",
                path=path,
                name=name,
                value=repr(data),
                detail=f"{name} is {rtype or type(data).__name__}, not REG_DWORD: Windows ignores it and uses its default",
                source=source,
            )
        )
        return None
    return data


def _key_values(
    index: _Index,
    key: str,
    fact: str,
    names: Sequence[str],
    anomalies: list[RegistryAnomaly],
    sources: dict[str, Source],
) -> dict[str, int | None] | None:
    """The DWORDs of one key; None when no dump covered it, or two dumps disagree on it.

    A value two dumps disagree on is not a fact: the key is left out (unknown) rather than
    one dump picked; the conflict itself is reported.
    """
    if not index.is_covered(key) or _fold(key) in index.conflicting_keys:
        return None
    found = index.entry(key)
    if found is not None:
        sources[fact] = _source(found[1], found[0].line)
    return {name: _dword(index, key, name, f"{fact}/{name}", anomalies, sources) for name in names}


def _schannel(index: _Index, anomalies: list[RegistryAnomaly], sources: dict[str, Source]) -> Protocols:
    protocols: Protocols = {}
    present = {
        _KNOWN_PROTOCOLS[entry.path.rsplit("\\", 2)[-2].casefold()]
        for entry, _ in index.under(PROTOCOLS_KEY)
        if entry.path.count("\\") == PROTOCOLS_KEY.count("\\") + 2
        and entry.path.rsplit("\\", 2)[-2].casefold() in _KNOWN_PROTOCOLS
    }
    for protocol in sorted(set(STANDARD_PROTOCOLS) | present, key=_protocol_order):
        for side in ("Server", "Client"):
            key = f"{PROTOCOLS_KEY}\\{protocol}\\{side}"
            values = _key_values(index, key, f"schannel/{protocol}/{side}", SCHANNEL_VALUES, anomalies, sources)
            if values is not None:
                protocols.setdefault(protocol, {})[side] = values
    return protocols


_PROTOCOL_ORDER = {p: i for i, p in enumerate(STANDARD_PROTOCOLS)}


def _protocol_order(name: str) -> tuple[int, str]:
    return (_PROTOCOL_ORDER.get(name, len(_PROTOCOL_ORDER)), name)


def _schannel_anomalies(index: _Index, observations: Iterable[RegistryObs]) -> list[RegistryAnomaly]:
    """Keys Schannel never reads: misspelled protocol names, values on the wrong key, wrong hive."""
    found: list[RegistryAnomaly] = []
    depth = PROTOCOLS_KEY.count("\\")
    misspelled: set[str] = set()
    for entry, obs in index.under(PROTOCOLS_KEY):
        parts = entry.path.split("\\")[depth + 1 :]
        protocol = parts[0]
        if protocol.casefold() not in _KNOWN_PROTOCOLS:
            # One finding per misspelled protocol key, at the first key of it the dump shows.
            if _LOOKS_LIKE_PROTOCOL.match(protocol) and protocol.casefold() not in misspelled:
                misspelled.add(protocol.casefold())
                found.append(
                    RegistryAnomaly(
                        kind="misspelled-key",
                        path=entry.path,
                        detail=f"key {protocol!r} is not a protocol name Schannel reads "
                        "(it reads 'TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3' with one space): its values are ignored",
                        source=_source(obs, entry.line),
                    )
                )
            continue
        if len(parts) == 1 and entry.values:
            found.append(
                RegistryAnomaly(
                    kind="value-on-protocol-key",
                    path=entry.path,
                    name=", ".join(entry.values),
                    detail=f"values set on '{protocol}' itself are ignored: Schannel reads them only "
                    f"under '{protocol}\\Server' and '{protocol}\\Client'",
                    source=_source(obs, entry.line),
                )
            )
        elif len(parts) == 2 and parts[1].casefold() not in _SIDES:
            found.append(
                RegistryAnomaly(
                    kind="unknown-side",
                    path=entry.path,
                    detail=f"subkey {parts[1]!r} is neither 'Server' nor 'Client': Schannel ignores it",
                    source=_source(obs, entry.line),
                )
            )
    schannel_fold = _fold(SCHANNEL_KEY)
    for obs in observations:
        for entry in obs.entries:
            folded = _fold(entry.path)
            if "\\securityproviders\\schannel" in folded and not folded.startswith(schannel_fold):
                found.append(
                    RegistryAnomaly(
                        kind="wrong-hive",
                        path=entry.path,
                        detail="Schannel reads its settings only from HKLM\\SYSTEM\\CurrentControlSet\\Control\\"
                        "SecurityProviders\\SCHANNEL: this key has no effect",
                        source=Source(path=obs.file, line=entry.line, kind=obs.kind),
                    )
                )
    return found


def _dotnet(index: _Index, anomalies: list[RegistryAnomaly], sources: dict[str, Source]) -> DotNet:
    dotnet: DotNet = {}
    for version in DOTNET_VERSIONS:
        for arch, base in DOTNET_KEYS.items():
            key = f"{base}\\{version}"
            values = _key_values(index, key, f"dotnet/{version}/{arch}", DOTNET_VALUES, anomalies, sources)
            if values is not None:
                dotnet.setdefault(version, {})[arch] = values
    return dotnet


def _cipher_suites(index: _Index, sources: dict[str, Source]) -> list[str] | None:
    for key in CIPHER_KEYS:
        found = index.value(key, "Functions")
        if found is None:
            continue
        _, data, source = found
        sources["cipher_suites"] = source
        if isinstance(data, list):
            return [str(item) for item in data if str(item)]
        if isinstance(data, str):
            return [item.strip() for item in data.split(",") if item.strip()]
    return None


def _os_value(index: _Index, names: Sequence[str], sources: dict[str, Source]) -> str | None:
    for name in names:
        found = index.value(CURRENT_VERSION_KEY, name)
        if found is not None and found[1] is not None:
            sources["os"] = found[2]
            return str(found[1])
    return None


def interpret(observations: Sequence[RegistryObs]) -> RegistryFacts:
    """Build one server's SCHANNEL, .NET, cipher and OS facts from all its registry dumps."""
    index = _Index(observations)
    anomalies: list[RegistryAnomaly] = []
    sources: dict[str, Source] = {}
    schannel = _schannel(index, anomalies, sources)
    dotnet = _dotnet(index, anomalies, sources)
    anomalies.extend(_schannel_anomalies(index, observations))
    conflicts = [(f"registry {index.conflict_names[slot]}", group) for slot, group in sorted(index.conflicts.items())]
    return RegistryFacts(
        schannel=schannel,
        dotnet=dotnet,
        anomalies=sorted(anomalies, key=lambda a: (a.path.casefold(), a.kind, a.name or "")),
        sources=sources,
        conflicts=conflicts,
        cipher_suites=_cipher_suites(index, sources),
        os_product_name=_os_value(index, ("ProductName",), sources),
        os_current_build=_os_value(index, ("CurrentBuild", "CurrentBuildNumber"), sources),
    )
