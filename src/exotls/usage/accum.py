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
from functools import lru_cache
from typing import Any, TypeVar

__all__ = [
    "LIST_CAP",
    "PRUNE_AT",
    "READ_BUFFER",
    "Acc",
    "FileResult",
    "Key",
    "RawAcc",
    "RawKey",
    "RawRow",
    "add_capped",
    "cap",
    "client_of",
    "decode_bytes",
    "normalize_ip",
    "stamp_range",
    "union_capped",
]

LIST_CAP = 50
# Log readers iterate lines over this buffer: 64 KiB cuts the per-line cost by about a
# quarter against the default 8 KiB (fewer refills of the buffer).
READ_BUFFER = 1 << 16
# A set is cut back to LIST_CAP only when it grows past this: pruning is a sort.
PRUNE_AT = LIST_CAP * 4

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
    if len(values) > PRUNE_AT:
        _prune(values)
        return True
    return False


def union_capped(values: set[T], more: set[T]) -> bool:
    values |= more
    return cap(values)


def cap(values: set[T]) -> bool:
    """Cut a set that grew past ``PRUNE_AT`` back to its ``LIST_CAP`` smallest; True when it did."""
    if len(values) > PRUNE_AT:
        _prune(values)
        return True
    return False


def decode_bytes(raw: bytes) -> str:
    """Logs are UTF-8 or ASCII in practice; a stray cp1252 byte must not lose the value."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


@lru_cache(maxsize=1 << 16)
def normalize_ip(text: str) -> str:
    """``[2001:db8::1]``, ``::ffff:10.0.0.1`` and ``10.0.0.1`` in one canonical form; else unchanged.

    Cached: the same addresses recur in every hourly file, and ``ipaddress`` is slow."""
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
        return self.decoded(*stamp_range(self.first, self.last, parse_time), decoders)

    def decoded(
        self, first: datetime | None, last: datetime | None, decoders: Mapping[str, Callable[[bytes], str]] | None = None
    ) -> Acc:
        """The row as text, with its first and last time already parsed."""
        acc = Acc.__new__(Acc)  # every slot is set below: skip __init__'s empty sets (once per row per file)
        acc.count = self.count
        acc.truncated = self.truncated
        acc.sources = set()
        get = (decoders or {}).get
        acc.users = _decoded(self.users, get("users", decode_bytes))
        acc.user_agents = _decoded(self.user_agents, get("user_agents", decode_bytes))
        acc.ehlo = _decoded(self.ehlo, get("ehlo", decode_bytes))
        acc.mail_from = _decoded(self.mail_from, get("mail_from", decode_bytes))
        acc.connectors = _decoded(self.connectors, get("connectors", decode_bytes))
        acc.vdirs = _decoded(self.vdirs, get("vdirs", decode_bytes))
        acc.first = first
        acc.last = last
        return acc

    def fits(self, other: RawAcc) -> bool:
        """True when adding ``other`` can push no list past ``PRUNE_AT``: raw lists are never cut
        across files, because a cut in bytes order could keep other values than one in text order."""
        return (
            len(self.users) + len(other.users) <= PRUNE_AT
            and len(self.user_agents) + len(other.user_agents) <= PRUNE_AT
            and len(self.ehlo) + len(other.ehlo) <= PRUNE_AT
            and len(self.mail_from) + len(other.mail_from) <= PRUNE_AT
            and len(self.connectors) + len(other.connectors) <= PRUNE_AT
            and len(self.vdirs) + len(other.vdirs) <= PRUNE_AT
        )

    def add(self, other: RawAcc) -> None:
        """Union without cutting (callers check ``fits`` first); the raw first/last are not kept."""
        self.count += other.count
        self.truncated = self.truncated or other.truncated
        self.users |= other.users
        self.user_agents |= other.user_agents
        self.ehlo |= other.ehlo
        self.mail_from |= other.mail_from
        self.connectors |= other.connectors
        self.vdirs |= other.vdirs


def stamp_range(
    raw_first: bytes, raw_last: bytes, parse_time: Callable[[bytes], datetime | None]
) -> tuple[datetime | None, datetime | None]:
    """A row's first and last time. Raw stamps compare as bytes: a malformed one (" 2024-...",
    an offset, garbage that does not parse) can sort out of time order. Both ends come from
    the parsed ones, so every row has first <= last (or neither) and rows merge the same in
    any order (pool == serial)."""
    first = parse_time(raw_first) if raw_first else None
    last = parse_time(raw_last) if raw_last else None
    if first is None or last is None:
        first = last = first or last
    elif first > last:
        first, last = last, first
    return first, last


def client_of(raw_host: bytes) -> str | None:
    text = decode_bytes(raw_host).strip()
    return normalize_ip(text) if text else None


def _decoded(raw: set[bytes], decoder: Callable[[bytes], str]) -> set[str]:
    """Decoded, non-empty values; cut back like any list (a raw set already is, so rarely)."""
    if not raw:
        return set()
    values = {text for text in map(decoder, raw) if text}
    if len(values) > PRUNE_AT:
        _prune(values)
    return values


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
        """``union_capped`` on every list, unrolled: this runs for every row of every file."""
        self.count += other.count
        truncated = self.truncated or other.truncated
        for mine, theirs in (
            (self.users, other.users), (self.user_agents, other.user_agents), (self.ehlo, other.ehlo),
            (self.mail_from, other.mail_from), (self.connectors, other.connectors), (self.vdirs, other.vdirs),
            (self.sources, other.sources),
        ):
            if theirs:
                mine |= theirs
            if len(mine) > PRUNE_AT:
                _prune(mine)
                truncated = True
        self.truncated = truncated
        self.see(other.first)
        self.see(other.last)

    # A worker sends thousands of rows back to the parent: a tuple pickles in half the time of a dict.
    def __getstate__(self) -> tuple[Any, ...]:
        return (
            self.connectors, self.count, self.ehlo, self.first, self.last, self.mail_from, self.sources,
            self.truncated, self.user_agents, self.users, self.vdirs,
        )

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (
            self.connectors, self.count, self.ehlo, self.first, self.last, self.mail_from, self.sources,
            self.truncated, self.user_agents, self.users, self.vdirs,
        ) = state


# (source, server, raw remote host, raw TLS version): an SMTP row before decoding.
RawKey = tuple[str, str | None, bytes, bytes]


class RawRow:
    """One SMTP row over all the files one process read: raw values, parsed times, files.

    Hourly files repeat the same clients, so a process folds their rows as bytes and decodes
    each once (``FileResult.settle``), not once per file. The report is the same: it depends
    only on the union of each list's values, the counts, the earliest and latest times and
    whether a list was ever cut, never on how files were grouped.
    """

    __slots__ = ("acc", "first", "last", "paths")

    def __init__(self, acc: RawAcc, first: datetime | None, last: datetime | None, paths: set[str]) -> None:
        self.acc = acc
        self.first = first
        self.last = last
        self.paths = paths

    def add(self, other: RawRow) -> None:
        self.acc.add(other.acc)
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last
        self.paths |= other.paths
        if cap(self.paths):
            self.acc.truncated = True

    def to_acc(self) -> Acc:
        acc = self.acc.decoded(self.first, self.last)
        acc.sources = set(self.paths)
        return acc


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
    rows: dict[RawKey, RawRow] = field(default_factory=dict)

    def add_rows(
        self,
        done: Mapping[tuple[bytes, bytes], RawAcc],
        source: str,
        server: str | None,
        parse_time: Callable[[bytes], datetime | None],
    ) -> None:
        """A file's SMTP rows per (remote host, version), kept raw until ``settle``."""
        for (host, version), raw in done.items():
            first, last = stamp_range(raw.first, raw.last, parse_time)
            self._add_row((source, server, host, version), RawRow(raw, first, last, {self.path}))

    def _add_row(self, key: RawKey, row: RawRow) -> None:
        mine = self.rows.get(key)
        if mine is None:
            self.rows[key] = row
        elif mine.acc.fits(row.acc):
            mine.add(row)
        else:
            self._settle_row(key, mine)  # decoded rows may be cut: they merge like any row
            self.rows[key] = row

    def _settle_row(self, key: RawKey, row: RawRow) -> None:
        source, server, host, version = key
        self.merge_entry((source, server, client_of(host), version.decode("ascii")), row.to_acc())

    def settle(self) -> None:
        """Decode the raw SMTP rows into ``entries``."""
        for key, row in self.rows.items():
            self._settle_row(key, row)
        self.rows.clear()

    def merge_entry(self, key: Key, acc: Acc) -> None:
        mine = self.entries.get(key)
        if mine is None:
            self.entries[key] = acc
        else:
            mine.merge(acc)

    def absorb(self, other: FileResult) -> None:
        """Fold another file's result into this one (a worker's batch): commutative, like the collector."""
        self.kinds |= other.kinds or {other.kind}
        for raw_key, row in other.rows.items():
            self._add_row(raw_key, row)
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
