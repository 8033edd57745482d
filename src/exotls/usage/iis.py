"""IIS W3C logs with the ``crypt-*`` custom fields (Exchange's HTTP protocols).

The admin adds ``crypt-protocol`` (server variable CRYPT_PROTOCOL) and friends; values
are hex without ``0x`` (``40`` TLS 1.0, ``400`` TLS 1.2) and ``-`` on plain HTTP. Every
``#Fields:`` line starts a new layout, so a file with two blocks is read with two
layouts. With a load balancer that bridges or offloads TLS, ``c-ip`` and
``crypt-protocol`` describe the balancer's hop, not the client: a request that carries
``X-Forwarded-For`` is counted for its ``c-ip`` (the hop that negotiated that TLS) and
the hop is named in the notes.
"""

from __future__ import annotations

import io
from operator import itemgetter

from exotls.usage.accum import READ_BUFFER, FileResult, RawAcc, add_capped, decode_bytes
from exotls.usage.timeparse import parse_w3c_bytes
from exotls.usage.versions import parse_iis_protocol

__all__ = ["SEEN_MAX", "VDIRS", "decode_user_agent", "decode_vdir", "read_iis"]

# cs-uri-stem first segment -> the name Exchange documents for the virtual directory.
VDIRS = {
    "owa": "/owa", "ecp": "/ecp", "ews": "/EWS", "mapi": "/mapi", "rpc": "/rpc",
    "microsoft-server-activesync": "/Microsoft-Server-ActiveSync", "autodiscover": "/Autodiscover",
    "oab": "/OAB", "powershell": "/PowerShell", "api": "/api", "": "/",
}
_XFF_NAMES = (b"x-forwarded-for", b"cs(x-forwarded-for)", b"x-forwarded-for-ip", b"cs(x_forwarded_for)")


def decode_user_agent(raw: bytes) -> str:
    """W3C logs write spaces inside a value as ``+``."""
    return decode_bytes(raw).replace("+", " ").strip()


def decode_vdir(raw: bytes) -> str:
    name = decode_bytes(raw)
    return VDIRS.get(name, "/" + name)


class _Layout:
    """Column positions of one ``#Fields`` block."""

    __slots__ = ("agent", "cip", "date", "port", "protocol", "server", "size", "stem", "time", "user", "xff")

    def __init__(self, names: list[bytes]) -> None:
        lowered = [name.lower() for name in names]

        def index(*candidates: bytes) -> int:
            for candidate in candidates:
                if candidate in lowered:
                    return lowered.index(candidate)
            return -1

        self.size = len(names)
        self.date = index(b"date")
        self.time = index(b"time")
        self.cip = index(b"c-ip")
        self.user = index(b"cs-username")
        self.agent = index(b"cs(user-agent)")
        self.stem = index(b"cs-uri-stem")
        self.port = index(b"s-port")
        self.protocol = index(b"crypt-protocol")
        self.server = index(b"s-computername")
        self.xff = index(*_XFF_NAMES)


_DASH = b"-"
_SPACE = b" "
_LOOPBACK = frozenset({b"127.0.0.1", b"::1"})
# A line's (c-ip, crypt-protocol, cs-username, cs(User-Agent), cs-uri-stem) -> its row, or
# _PROBE. Bounded (cleared when full) so memory stays flat; ~16k entries cost a few MB.
SEEN_MAX = 1 << 14
_PROBE = RawAcc()


def read_iis(path: str) -> tuple[FileResult, dict[tuple[bytes, bytes], RawAcc], bytes | None]:
    """Count requests per (c-ip, crypt-protocol). Returns the result, the raw counts and
    the ``s-computername`` the content names, if any.

    The loop is the hot path (GBs per day): a missing column points at a ``-`` appended
    to each line, so no line pays for a column test, and timestamps stay raw bytes
    (``date`` + ``time`` concatenated sort like the time they name). A client repeats
    the same user, agent and URL all day: once a line's five identifying fields have been
    seen, a repeat only counts and moves the row's first/last time (``seen``). The full
    checks run again for a row that had to cut a list (``truncated``), exactly as before.
    """
    result = FileResult(path=path, kind="iis")
    counts: dict[tuple[bytes, bytes], RawAcc] = {}
    seen: dict[bytes, RawAcc] = {}
    hops: dict[bytes, int] = {}
    vdir_of: dict[bytes, bytes] = {}
    server: bytes | None = None
    bad = first_bad = no_crypt = probes = back_end = 0
    size = -1  # no #Fields yet: every line is bad
    i_date = i_time = i_cip = i_port = i_proto = i_xff = i_server = 0
    pick = itemgetter(0, 0, 0, 0, 0)
    layouts = 0
    with io.BufferedReader(io.FileIO(path), READ_BUFFER) as handle:
        if handle.peek(3)[:3] == b"\xef\xbb\xbf":
            handle.read(3)
        for number, raw in enumerate(handle, 1):
            if raw[0] == 35:  # "#"
                if raw.startswith(b"#Fields:"):
                    layout = _Layout(raw[8:].split())
                    layouts += 1
                    size = layout.size
                    i_date, i_time, i_user, i_agent, i_cip, i_stem, i_port, i_proto, i_xff, i_server = (
                        size if index < 0 else index
                        for index in (
                            layout.date, layout.time, layout.user, layout.agent, layout.cip, layout.stem,
                            layout.port, layout.protocol, layout.xff, layout.server,
                        )
                    )
                    pick = itemgetter(i_cip, i_proto, i_user, i_agent, i_stem)
                continue
            parts = raw.split()
            if len(parts) != size:
                if parts:
                    bad += 1
                    first_bad = first_bad or number
                continue
            if i_proto == size:
                no_crypt += 1
                continue
            parts.append(_DASH)
            combo = pick(parts)
            # One bytes key, not the tuple: hashing and comparing one object is several times
            # cheaper than five. Fields hold no whitespace, so the space-joined key is unique.
            known = _SPACE.join(combo)
            acc = seen.get(known)
            if acc is _PROBE:
                probes += 1
                continue
            stamp = parts[i_date] + parts[i_time]
            if acc is not None and not acc.truncated:
                if stamp > acc.last:
                    acc.last = stamp
                elif stamp < acc.first:
                    acc.first = stamp
                acc.count += 1
            else:
                cip, protocol, user, agent, stem = combo
                if (user.find(b"ealth") >= 0 or agent[:7] == b"AMProbe" or cip in _LOOPBACK) and (
                    user.lower().find(b"healthmailbox") >= 0 or agent.startswith(b"AMProbe") or cip in _LOOPBACK
                ):
                    probes += 1
                    _remember(seen, known, _PROBE)
                    continue
                key = (cip, protocol)
                acc = counts.get(key)
                if acc is None:
                    acc = counts[key] = RawAcc()
                    acc.first = acc.last = stamp
                    if server is None and i_server != size:
                        server = parts[i_server]
                elif stamp > acc.last:
                    acc.last = stamp
                elif stamp < acc.first:
                    acc.first = stamp
                acc.count += 1
                if user not in acc.users and user != _DASH and add_capped(acc.users, user):
                    acc.truncated = True
                if agent not in acc.user_agents and agent != _DASH and add_capped(acc.user_agents, agent):
                    acc.truncated = True
                vdir = vdir_of.get(stem)
                if vdir is None:
                    vdir = stem.split(b"/", 2)[1].lower() if stem[:1] == b"/" else _DASH
                    if len(vdir_of) < 65536:
                        vdir_of[stem] = vdir
                if vdir not in acc.vdirs and vdir != _DASH and add_capped(acc.vdirs, vdir):
                    acc.truncated = True
                if not acc.truncated:
                    _remember(seen, known, acc)
            if parts[i_port] == b"444":
                back_end += 1
            if parts[i_xff] != _DASH:
                cip = parts[i_cip]
                hops[cip] = hops.get(cip, 0) + 1
    if not layouts:
        result.error = "no #Fields header: not a W3C log"
        return result, {}, None
    for cip, hop_count in hops.items():
        result.counters[("lb-hop", decode_bytes(cip))] += hop_count
    if probes:
        result.counters[("probe", "iis")] += probes
    if back_end:
        result.counters[("back-end", "iis")] += back_end
    if no_crypt:
        result.notes.append(
            f"{path}: {no_crypt} requests were logged without a crypt-protocol field, so their TLS version is unknown"
        )
    if bad:
        result.notes.append(
            f"{path}: {bad} lines did not match their #Fields layout and were not counted (first at line {first_bad})"
        )
    _check_protocols(path, counts, result)
    if counts:
        result.window("iis", parse_w3c_bytes(min(acc.first for acc in counts.values())))
        result.window("iis", parse_w3c_bytes(max(acc.last for acc in counts.values())))
    return result, counts, server


def _remember(seen: dict[bytes, RawAcc], known: bytes, acc: RawAcc) -> None:
    if len(seen) >= SEEN_MAX:
        seen.clear()
    seen[known] = acc


def _check_protocols(path: str, counts: dict[tuple[bytes, bytes], RawAcc], result: FileResult) -> None:
    """Drop (and say so) values that are no SP_PROT protocol: Log Parser's ``660.000000`` and the like."""
    unknown = 0
    for key in [key for key in counts if parse_iis_protocol(decode_bytes(key[1])) is None]:
        unknown += counts.pop(key).count
    if unknown:
        result.notes.append(f"{path}: {unknown} requests had a crypt-protocol value that is no known protocol; not counted")
