"""What one file says, before files are merged per server.

Extraction of a file yields observations; ``merge`` groups them by server. They are
plain picklable dataclasses so files can be extracted in a process pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exotls.extract.registry import RegistryObs
from exotls.model import InputFile, Source

__all__ = ["FileFacts", "OrgObs", "RegistryObs", "ServerObs"]


@dataclass(slots=True)
class ServerObs:
    """Facts about one server from one file; ``named`` when the identity is the server's own Name."""

    identity: str | None
    facts: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    named: bool = False


@dataclass(slots=True)
class OrgObs:
    """Organization settings from one TransportConfig object."""

    environment: str
    settings: dict[str, Any]
    sources: dict[str, Source]
    name: str | None = None


@dataclass(slots=True)
class FileFacts:
    """Everything extracted from one input file, with its entry for ``report.inputs``."""

    input: InputFile
    servers: list[ServerObs] = field(default_factory=list)
    registry: list[RegistryObs] = field(default_factory=list)
    org: list[OrgObs] = field(default_factory=list)
    usage: bool = False
