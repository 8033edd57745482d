"""Exchange SMTP protocol logs (SmtpReceive / SmtpSend; FrontEnd, Hub, Mailbox, Edge).

One TLS line per session (``SP_PROT_TLS1_0_SERVER``, in ``context`` with ``data``
empty; Microsoft's docs spell the send side ``SP_PROT-TLS1_0_CLIENT``). Everything else
about the peer is on other lines of the same session: remote endpoint, EHLO, AUTH user,
MAIL FROM, connector. Lines are grouped by session-id; a session whose first line
(sequence 0) or ``-`` line lies in another hourly file is handed back as a fragment and
joined across files, so it is counted once.

Speed: the loop works on bytes, splits each line once, and uses the csv module only for
lines whose first fields are quoted, so 1 GB takes seconds, not minutes.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator

from exotls.usage.accum import PRUNE_AT, READ_BUFFER, FileResult, RawAcc, cap, decode_bytes
from exotls.usage.naming import normalize_server
from exotls.usage.timeparse import parse_iso_bytes

__all__ = ["FIELDS", "Session", "fold_sessions", "merge_sessions", "read_smtp"]

FIELDS = b"date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context"

_TLS = re.compile(rb"SP_PROT[_-](TLS1(?:_[0-3])?|SSL[23])_(?:SERVER|CLIENT)")
_TLS_LABEL = {
    b"TLS1": b"TLS 1.0", b"TLS1_0": b"TLS 1.0", b"TLS1_1": b"TLS 1.1", b"TLS1_2": b"TLS 1.2",
    b"TLS1_3": b"TLS 1.3", b"SSL3": b"SSL 3.0", b"SSL2": b"SSL 2.0",
}
_RANK = {b"SSL 2.0": 0, b"SSL 3.0": 1, b"TLS 1.0": 2, b"TLS 1.1": 3, b"TLS 1.2": 4, b"TLS 1.3": 5}
_STATUS = re.compile(rb"^\d\.\d{1,3}\.\d{1,3}$")
_FAILED = b" (failed AUTH)"


def _cases(word: bytes) -> frozenset[bytes]:
    """Every letter case of a command word: SMTP verbs are case-insensitive."""
    options = [(bytes([byte]).lower(), bytes([byte]).upper()) for byte in word]
    return frozenset(b"".join(combo) for combo in itertools.product(*options))


# The first four bytes of ``data`` on the only lines that say who the peer is: EHLO/HELO,
# MAIL FROM, and on send logs the 220 banner. A quoted value is looked at after unquoting.
_WANTED_RECEIVE = _cases(b"EHLO") | _cases(b"HELO") | _cases(b"MAIL")
_WANTED_SEND = _WANTED_RECEIVE | {b"220 "}


class Session:
    """What one SMTP session says about its peer; bytes until the file is done."""

    __slots__ = (
        "banner", "conn", "ehlo", "end", "failed", "first", "last", "local_ehlo", "mail_from",
        "paths", "remote", "sid", "start", "tls", "users",
    )

    def __init__(self, sid: bytes, conn: bytes, remote: bytes, stamp: bytes, start: bool = False) -> None:
        self.sid = sid
        self.conn = conn
        self.remote = remote
        self.tls: bytes | None = None
        self.ehlo: set[bytes] = set()
        self.banner: set[bytes] = set()
        self.users: set[bytes] = set()
        self.failed: set[bytes] = set()
        self.mail_from: set[bytes] = set()
        self.local_ehlo: bytes | None = None
        self.first = stamp
        self.last = stamp
        self.start = start
        self.end = False
        self.paths: set[str] = set()

    def absorb(self, other: Session) -> None:
        """Join two pieces of one session cut by a file boundary (commutative)."""
        if other.remote and (not self.remote or other.remote < self.remote):
            self.remote = other.remote
        if other.tls is not None and (self.tls is None or _RANK.get(other.tls, 9) < _RANK.get(self.tls, 9)):
            self.tls = other.tls
        for name in ("ehlo", "banner", "users", "failed", "mail_from", "paths"):
            getattr(self, name).update(getattr(other, name))
        if other.local_ehlo and (self.local_ehlo is None or other.local_ehlo < self.local_ehlo):
            self.local_ehlo = other.local_ehlo
        self.first = min(self.first, other.first)
        self.last = max(self.last, other.last)
        self.start = self.start or other.start
        self.end = self.end or other.end


def _utf16_lines(handle: io.BufferedReader[io.FileIO]) -> Iterator[bytes]:
    for line in io.TextIOWrapper(handle, encoding="utf-16", newline=""):
        yield line.encode("utf-8")


def _lines(handle: io.BufferedReader[io.FileIO]) -> Iterable[bytes]:
    """Byte lines; a UTF-16 file (re-saved by an editor) is re-encoded to UTF-8 first."""
    head = handle.peek(4)[:4]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf16_lines(handle)
    if head.startswith(codecs.BOM_UTF8):
        handle.read(3)
    return handle


def _csv_fields(raw: bytes) -> list[bytes] | None:
    """The slow, exact path for a line with quoted fields: 9 fields or None."""
    text = decode_bytes(raw).rstrip("\r\n")
    try:
        row = next(csv.reader([text]))
    except (csv.Error, StopIteration):
        return None
    if len(row) != 9:
        return None
    return [field.encode("utf-8") for field in row]


def _address(command: bytes) -> bytes:
    """``MAIL FROM:<a@b> SIZE=1`` -> ``a@b`` (``<>`` stays ``<>``: the null sender)."""
    rest = command[10:].strip()
    if rest.startswith(b"<"):
        close = rest.find(b">")
        inner = rest[1:close] if close > 0 else rest[1:]
        return inner.strip().lower() or b"<>"
    return rest.split(b" ", 1)[0].lower()


def _is_probe(session: Session) -> bool:
    """Managed Availability: HealthMailbox users and senders are Exchange testing itself."""
    if session.users or session.failed:
        for user in session.users | session.failed:
            if user.rsplit(b"\\", 1)[-1].lower().startswith(b"healthmailbox"):
                return True
    return any(sender.startswith(b"healthmailbox") for sender in session.mail_from)


def fold_sessions(sessions: Iterable[Session], done: dict[tuple[bytes, bytes], RawAcc]) -> tuple[int, int]:
    """Count sessions per (remote IP, TLS version); return (probes, unknown) left out.

    A session without a TLS line is "none" only when it was seen from its first line
    to its last: a piece cut by a missing file may have negotiated TLS out of sight.
    Runs once per session (thousands per file): the value lists are unioned in place and
    pruned only when one grows past the cap, as ``union_capped`` does.
    """
    probes = unknown = 0
    for session in sessions:
        if (session.users or session.failed or session.mail_from) and _is_probe(session):
            probes += 1
            continue
        if session.tls is None and not (session.start and session.end):
            unknown += 1
            continue
        remote = session.remote
        host = remote.rpartition(b":")[0] if remote.find(b":") >= 0 else remote
        key = (host or b"", session.tls or b"none")
        acc = done.get(key)
        if acc is None:
            acc = done[key] = RawAcc()
        acc.count += 1
        acc.see(session.first)
        acc.see(session.last)
        if session.users:
            acc.users |= session.users
        if session.failed:
            acc.users |= {failed + _FAILED for failed in session.failed}
        if session.ehlo:
            acc.ehlo |= session.ehlo
        if session.banner:
            acc.ehlo |= session.banner
        if session.mail_from:
            acc.mail_from |= session.mail_from
        acc.connectors.add(session.conn)
        if (
            len(acc.users) > PRUNE_AT or len(acc.ehlo) > PRUNE_AT or len(acc.mail_from) > PRUNE_AT
            or len(acc.connectors) > PRUNE_AT
        ):
            for values in (acc.users, acc.ehlo, acc.mail_from, acc.connectors):
                if cap(values):
                    acc.truncated = True
    return probes, unknown


def merge_sessions(pieces: Iterable[Session]) -> Session:
    pieces = sorted(pieces, key=lambda piece: (piece.first, piece.last, sorted(piece.paths)))
    whole = pieces[0]
    for piece in pieces[1:]:
        whole.absorb(piece)
    return whole


def read_smtp(path: str, kind: str) -> tuple[FileResult, dict[tuple[bytes, bytes], RawAcc], bytes | None]:
    """Read one protocol log. Returns the file result (fragments included), the finished
    sessions per (IP, version), and the server name the content suggests.

    The loop is the hot path (GBs per week): every line is split once at its first eight
    commas; a receive log's ``>`` lines (our own replies, about 40% of a log) stop right
    there, and only lines whose first four data bytes name a command that carries peer
    identity (``_WANTED``) look further. The csv module only sees quoted lines.
    """
    result = FileResult(path=path, kind=kind)
    send = kind == "smtp-send"
    live: dict[bytes, Session] = {}
    finished: list[Session] = []
    done: dict[tuple[bytes, bytes], RawAcc] = {}
    content_server: bytes | None = None
    first_ts = b""
    last_ts = b""
    bad = 0
    first_bad = 0
    fields_seen = False
    probes = 0
    unknown_tls = 0
    skipped = b"" if send else b">"  # a receive log's ">" lines are our own replies
    wanted = _WANTED_SEND if send else _WANTED_RECEIVE
    with io.BufferedReader(io.FileIO(path), READ_BUFFER) as handle:
        for number, raw in enumerate(_lines(handle), 1):
            if raw[0] == 35:  # "#"
                if raw.startswith(b"#Fields:"):
                    fields_seen = True
                    if raw[8:].strip() != FIELDS:
                        result.error = f"line {number}: unexpected #Fields for an SMTP protocol log"
                        return result, {}, None
                continue
            try:
                stamp, conn, sid, seq, _, remote, event, data, context = raw.split(b",", 8)
                if conn[:1] == b'"':
                    raise ValueError  # a quoted connector id may hold commas: unquote the line
            except ValueError:
                fixed = _csv_fields(raw)
                if fixed is None:
                    if raw.strip():
                        bad += 1
                        first_bad = first_bad or number
                    continue
                stamp, conn, sid, seq, _, remote, event, data, context = fixed
            if event == skipped:
                continue
            session = live.get(sid)
            if session is None:
                # A session's first line in this file; sequence 0 means it starts here.
                session = live[sid] = Session(sid, conn, remote, stamp, seq == b"0")
                if not first_ts:
                    first_ts = stamp
                if content_server is None and not send:
                    content_server = conn.split(b"\\", 1)[0] if conn.find(b"\\") >= 0 else b""
            else:
                session.last = stamp
                if send and not session.remote and remote:
                    session.remote = remote
            if event == b"*":
                # bytes.find, not ``in``: ``in`` first tries the needle as an int and pays for the error.
                if raw.find(b"SP_PROT") >= 0:
                    match = _TLS.search(raw)
                    if match is None:
                        unknown_tls += 1
                    else:
                        session.tls = _TLS_LABEL[match.group(1)]
                    continue
                if raw.rstrip().endswith(b",authenticated"):
                    if data[:1] == b'"':
                        fixed = _csv_fields(raw)
                        if fixed is None:
                            continue
                        data = fixed[7]
                    if data:
                        session.users.add(data)
                    continue
                if data[:1] == b'"':
                    # A quoted data field moves the context: unquote first (rare).
                    fixed = _csv_fields(raw) if raw.find(b"User Name:") >= 0 else None
                    if fixed is None:
                        continue
                    context = fixed[8]
                context = context.strip()
                if context.startswith(b"User Name:"):
                    session.failed.add(context[10:].strip())
                continue
            if event == b"-":
                if stamp > last_ts:
                    last_ts = stamp
                session.end = True
                del live[sid]
                finished.append(session)
                if len(finished) >= 4096:
                    probes += _flush(finished, done, result)[0]
                continue
            if event == b"+":
                continue
            if data[:4] not in wanted:
                if data[:1] != b'"':
                    continue
                fixed = _csv_fields(raw)
                if fixed is None:
                    continue
                data = fixed[7]
            name = _command(session, event, data, send)
            if name and content_server is None:
                content_server = name
    if not fields_seen:
        result.error = "no #Fields header: not an Exchange SMTP protocol log"
        return result, {}, None
    probes += _flush(finished, done, result)[0]
    for _, session in sorted(live.items()):
        last_ts = max(last_ts, session.last)
        _keep_fragment(session, result)
    if probes:
        result.counters[("probe", kind)] += probes
    if unknown_tls:
        result.notes.append(f"{path}: {unknown_tls} TLS lines named a protocol this version of exotls does not know")
    if bad:
        result.notes.append(
            f"{path}: {bad} lines could not be read as protocol-log CSV and were not counted (first at line {first_bad})"
        )
    if first_ts:
        result.window(kind, parse_iso_bytes(first_ts))
        result.window(kind, parse_iso_bytes(last_ts))
    server = content_server.strip() if content_server else None
    return result, done, server or None


def _command(session: Session, event: bytes, data: bytes, send: bool) -> bytes | None:
    """A line whose data may name the peer: EHLO/HELO, MAIL FROM, or (send logs) the 220 banner.
    Returns the name a send log's own EHLO announces (the server, when nothing else names it)."""
    word = data[:4].upper()
    if send:
        if event == b">":
            if word == b"EHLO" or word == b"HELO":
                session.local_ehlo = data[5:].strip()
                return session.local_ehlo
            if data[:10].upper() == b"MAIL FROM:":
                session.mail_from.add(_address(data))
        elif data[:4] == b"220 ":
            host = data[4:].split(b" ", 1)[0]
            if host and not _STATUS.match(host):
                session.banner.add(host)
    elif word == b"EHLO" or word == b"HELO":
        name = data[5:].strip()
        if name:
            session.ehlo.add(name)
    elif data[:10].upper() == b"MAIL FROM:":
        session.mail_from.add(_address(data))
    return None


def _flush(finished: list[Session], done: dict[tuple[bytes, bytes], RawAcc], result: FileResult) -> tuple[int, int]:
    """Fold sessions seen from their first line to their last; keep the rest as fragments."""
    complete = [session for session in finished if session.start]
    for session in finished:
        if not session.start:
            # The session began in an earlier file: it is joined with that piece later.
            _keep_fragment(session, result)
    finished.clear()
    return fold_sessions(complete, done)


def _keep_fragment(session: Session, result: FileResult) -> None:
    """Key (server, kind, connector, session-id); the server is filled in when the file is done."""
    session.paths.add(result.path)
    result.fragments.append(((None, result.kind, decode_bytes(session.conn), decode_bytes(session.sid)), session))


def server_of(content: bytes | None) -> str | None:
    return normalize_server(decode_bytes(content)) if content else None
