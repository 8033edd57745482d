"""The usage report: who negotiated which TLS version, from which evidence.

The JSON shape is a contract with the lead's CLI and rules, so every model forbids
extra keys and every list is sorted: the same evidence always serialises the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "LEGACY_VERSIONS",
    "SOURCES",
    "TLS_VERSIONS",
    "UNITS",
    "Skipped",
    "Source",
    "SourceWindow",
    "TlsVersion",
    "Unit",
    "UsageClient",
    "UsageReport",
]

Source = Literal[
    "smtp-receive", "smtp-send", "iis", "schannel", "exo-smtp-auth", "exo-messages", "message-header"
]
TlsVersion = Literal["TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3", "SSL 3.0", "SSL 2.0", "none"]
Unit = Literal["sessions", "requests", "handshakes", "messages"]

SOURCES: tuple[Source, ...] = (
    "smtp-receive", "smtp-send", "iis", "schannel", "exo-smtp-auth", "exo-messages", "message-header"
)
TLS_VERSIONS: tuple[TlsVersion, ...] = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3", "none")
# What disabling TLS 1.0/1.1 (and the long-disabled SSL) would cut off.
LEGACY_VERSIONS: frozenset[str] = frozenset({"SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1"})
UNITS: dict[Source, Unit] = {
    "smtp-receive": "sessions",
    "smtp-send": "sessions",
    "iis": "requests",
    "schannel": "handshakes",
    "exo-smtp-auth": "messages",
    "exo-messages": "messages",
    "message-header": "messages",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UsageClient(_Strict):
    """One peer (client IP, sender address, target host or connector) at one TLS version.

    ``client`` is null where the evidence carries no identity (inbound Schannel events).
    Lists hold at most ``aggregate.LIST_CAP`` values, the first ones in sorted order.
    """

    source: Source
    server: str | None
    client: str | None
    tls_version: TlsVersion
    count: int
    unit: Unit
    users: list[str]
    user_agents: list[str]
    ehlo: list[str]
    mail_from: list[str]
    connectors: list[str]
    vdirs: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    sources: list[str]

    @property
    def legacy(self) -> bool:
        """True for TLS 1.0/1.1 and SSL: the versions a hardened server refuses."""
        return self.tls_version in LEGACY_VERSIONS


class SourceWindow(_Strict):
    """First and last timestamp of one source's evidence; ``short`` when it spans < 7 days."""

    first: datetime | None
    last: datetime | None
    short: bool


class Skipped(_Strict):
    """A file that was not analyzed, and why."""

    path: str
    reason: str


class UsageReport(_Strict):
    """Legacy clients first, then by count; ``totals`` is ``{source: {tls_version: count}}``."""

    clients: list[UsageClient]
    totals: dict[str, dict[str, int]]
    windows: dict[str, SourceWindow]
    notes: list[str]
    skipped: list[Skipped]
