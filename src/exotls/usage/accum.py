"""Per-client accumulators and the per-file result a worker process hands back.

Memory stays flat however large the input: a file holds one accumulator per distinct
(client, version), and each value list keeps only its ``LIST_CAP`` smallest values.
Keeping the smallest (not the first seen) makes the result independent of file and
line order, so a serial run and a process-pool run agree exactly.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

__all__ = [
    "LIST_CAP",
    "Acc",
    "FileResult",
    "Key",
    "RawAcc",
    "add_capped",
    "decode_bytes",
    "normalize_ip",
    "union_capped",
]

LIST_CAP = 50
_PRUNE_AT = LIST_CAP * 4

T = TypeVar("T", str, bytes)

# (source, server, client, tls_version)
Key = tuple[str, str | None, str | None, str]


def _prune(values: set[T]) -> None:
    keep = sorted(values)[:LIST_CAP]
    values.clear()
    values.update(keep)


def add_capped(values: set[T], value: T) -> bool:
    """Add one value; return True when the set had to drop values (it was truncated)."""
    if value in values:
        return False
    values.add(value)
    if len(values) > _PRUNE_AT:
        _prune(values)
        return True
    return False


def union_capped(values: set[T], more: set[T]) -> bool:
    values |= more
    if len(values) > _PRUNE_AT:
        _prune(values)
        return True
    return False


def decode_bytes(raw: bytes) -> str:
    """Logs are UTF-8 or ASCII in practice; a stray cp1252 byte must not lose the value."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def normalize_ip(text: str) -> str:
    """``[2001:db8::1]``, ``::ffff:10.0.0.1`` and ``10.0.0.1`` in one canonical form; else unchanged."""
    candidate = text.strip().strip("[]")
    if "%" in candidate:
        candidate = candidate.split("%", 1)[0]
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return text.strip()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


_LISTS = ("users", "user_agents", "ehlo", "mail_from", "connectors", "vdirs")


class RawAcc:
    """Hot-loop accumulator: raw bytes and raw timestamps, decoded once per file."""

    __slots__ = ("connectors", "count", "ehlo", "first", "last", "mail_from", "truncated", "user_agents", "users", "vdirs")

    def __init__(self) -> None:
        self.count = 0
        self.users: set[bytes] = set()
        self.user_agents: set[bytes] = set()
        self.ehlo: set[bytes] = set()
        self.mail_from: set[bytes] = set()
        self.connectors: set[bytes] = set()
        self.vdirs: set[bytes] = set()
        self.first = b""
        self.last = b""
        self.truncated = False

    def see(self, stamp: bytes) -> None:
        if not self.first or stamp < self.first:
            self.first = stamp
        if stamp > self.last:
            self.last = stamp

    def to_acc(
        self,
        parse_time: Callable[[bytes], datetime | None],
        decoders: Mapping[str, Callable[[bytes], str]] | None = None,
    ) -> Acc:
        acc = Acc()
        acc.count = self.count
        acc.truncated = self.truncated
        for name in _LISTS:
            decoder = (decoders or {}).get(name, decode_bytes)
            target: set[str] = getattr(acc, name)
            for raw in getattr(self, name):
                text = decoder(raw)
                if text:
                    target.add(text)
            if len(target) > _PRUNE_AT:
                _prune(target)
        acc.first = parse_time(self.first) if self.first else None
        acc.last = parse_time(self.last) if self.last else None
        return acc


class Acc:
    """One output row in the making: counts, capped value sets, first/last seen, files."""

    __slots__ = ("connectors", "count", "ehlo", "first", "last", "mail_from", "sources", "truncated", "user_agents", "users", "vdirs")

    def __init__(self) -> None:
        self.count = 0
        self.users: set[str] = set()
        self.user_agents: set[str] = set()
        self.ehlo: set[str] = set()
        self.mail_from: set[str] = set()
        self.connectors: set[str] = set()
        self.vdirs: set[str] = set()
        self.sources: set[str] = set()
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.truncated = False

    def see(self, stamp: datetime | None) -> None:
        if stamp is None:
            return
        if self.first is None or stamp < self.first:
            self.first = stamp
        if self.last is None or stamp > self.last:
            self.last = stamp

    def merge(self, other: Acc) -> None:
        self.count += other.count
        self.truncated = self.truncated or other.truncated
        for name in (*_LISTS, "sources"):
            if union_capped(getattr(self, name), getattr(other, name)):
                self.truncated = True
        self.see(other.first)
        self.see(other.last)

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)


@dataclass
class FileResult:
    """What one file contributed. ``error`` set means the file is skipped and nothing else counts.

    ``counters`` are typed tuples turned into notes at the end (probe exclusions,
    load-balancer hops, Schannel failures): summing counters is order-independent.
    ``fragments`` are SMTP sessions cut by the file's edges, merged across files later.
    """

    path: str
    kind: str
    entries: dict[Key, Acc] = field(default_factory=dict)
    windows: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    counters: Counter[tuple[str, ...]] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    fragments: list[tuple[tuple[str | None, str, str, str], Any]] = field(default_factory=list)
    error: str | None = None
    kinds: set[str] = field(default_factory=set)

    def absorb(self, other: FileResult) -> None:
        """Fold another file's result into this one (a worker's batch): commutative, like the collector."""
        self.kinds |= other.kinds or {other.kind}
        for key, acc in other.entries.items():
            mine = self.entries.get(key)
            if mine is None:
                self.entries[key] = acc
            else:
                mine.merge(acc)
        for source, (first, last) in other.windows.items():
            self.window(source, first)
            self.window(source, last)
        self.counters.update(other.counters)
        self.notes.extend(other.notes)
        self.fragments.extend(other.fragments)

    def window(self, source: str, stamp: datetime | None) -> None:
        if stamp is None:
            return
        current = self.windows.get(source)
        if current is None:
            self.windows[source] = (stamp, stamp)
        else:
            self.windows[source] = (min(current[0], stamp), max(current[1], stamp))

    def entry(self, key: Key) -> Acc:
        acc = self.entries.get(key)
        if acc is None:
            acc = self.entries[key] = Acc()
            acc.sources.add(self.path)
        return acc
