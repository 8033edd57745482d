"""The exact registry changes that bring a server to Microsoft's recommended values.

Shared by rule remediations and the plan so both always ask for the same thing. A change is
listed for every value not already exactly the target, including absent values: Microsoft's
guidance and HealthChecker both want the values written explicitly.
"""

from __future__ import annotations

from exotls.checks.paths import DOTNET_ARCHES, DOTNET_VALUES, SIDES, dotnet_key, reg_add, schannel_key
from exotls.model import RegistryChange, Server

__all__ = ["DISABLE", "ENABLE", "commands", "dotnet_changes", "schannel_changes"]

ENABLE = {"Enabled": 1, "DisabledByDefault": 0}
DISABLE = {"Enabled": 0, "DisabledByDefault": 1}


def schannel_changes(server: Server, version: str, target: dict[str, int]) -> list[RegistryChange]:
    """Changes that set ``version`` on Server and Client to ``target`` (ENABLE or DISABLE)."""
    sides = server.schannel.get(version, {})
    changes: list[RegistryChange] = []
    for side in SIDES:
        values = sides.get(side)
        for name, data in target.items():
            if values is None or values.get(name) != data:
                changes.append(RegistryChange(path=schannel_key(version, side), name=name, data=data))
    return changes


def dotnet_changes(server: Server, version: str) -> list[RegistryChange]:
    """Every .NET value under ``version`` not known to be exactly 1 (absent, wrong, or not dumped)."""
    arches = server.dotnet.get(version, {})
    changes: list[RegistryChange] = []
    for arch in DOTNET_ARCHES:
        values = arches.get(arch)
        for name in DOTNET_VALUES:
            if values is None or values.get(name) != 1:
                changes.append(RegistryChange(path=dotnet_key(version, arch), name=name, data=1))
    return changes


def commands(changes: list[RegistryChange]) -> str:
    """The ``reg add`` lines for ``changes``, one per line."""
    return "\n".join(reg_add(change) for change in changes)
