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
import re
from collections.abc import Iterable, Iterator

from exotls.usage.accum import FileResult, RawAcc, decode_bytes, normalize_ip, union_capped
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


class Session:
    """What one SMTP session says about its peer; bytes until the file is done."""

    __slots__ = (
        "banner", "conn", "ehlo", "end", "failed", "first", "last", "local_ehlo", "mail_from",
        "paths", "remote", "sid", "start", "tls", "users",
    )

    def __init__(self, sid: bytes, conn: bytes, remote: bytes, stamp: bytes) -> None:
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
        self.start = False
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


def _utf16_lines(handle: io.BufferedReader) -> Iterator[bytes]:
    for line in io.TextIOWrapper(handle, encoding="utf-16", newline=""):
        yield line.encode("utf-8")


def _lines(handle: io.BufferedReader) -> Iterable[bytes]:
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
    for user in session.users | session.failed:
        if user.rsplit(b"\\", 1)[-1].lower().startswith(b"healthmailbox"):
            return True
    return any(sender.startswith(b"healthmailbox") for sender in session.mail_from)


def fold_sessions(sessions: Iterable[Session], done: dict[tuple[bytes, bytes], RawAcc]) -> tuple[int, int]:
    """Count sessions per (remote IP, TLS version); return (probes, unknown) left out.

    A session without a TLS line is "none" only when it was seen from its first line
    to its last: a piece cut by a missing file may have negotiated TLS out of sight.
    """
    probes = unknown = 0
    for session in sessions:
        if _is_probe(session):
            probes += 1
            continue
        if session.tls is None and not (session.start and session.end):
            unknown += 1
            continue
        remote = session.remote
        host = remote.rpartition(b":")[0] if b":" in remote else remote
        key = (host or b"", session.tls or b"none")
        acc = done.get(key)
        if acc is None:
            acc = done[key] = RawAcc()
        acc.count += 1
        acc.see(session.first)
        acc.see(session.last)
        users = session.users | {failed + _FAILED for failed in session.failed}
        for target, values in (
            (acc.users, users),
            (acc.ehlo, session.ehlo | session.banner),
            (acc.mail_from, session.mail_from),
            (acc.connectors, {session.conn}),
        ):
            if union_capped(target, values):
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
    sessions per (IP, version), and the server name the content suggests."""
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
    with open(path, "rb") as handle:
        for number, raw in enumerate(_lines(handle), 1):
            if raw[0] == 35:  # "#"
                if raw.startswith(b"#Fields:"):
                    fields_seen = True
                    if raw[8:].strip() != FIELDS:
                        result.error = f"line {number}: unexpected #Fields for an SMTP protocol log"
                        return result, {}, None
                continue
            parts = raw.split(b",", 8)
            if len(parts) != 9 or parts[1][:1] == b'"':
                fixed = _csv_fields(raw)
                if fixed is None:
                    if raw.strip():
                        bad += 1
                        first_bad = first_bad or number
                    continue
                parts = fixed
            event = parts[6]
            if event == skipped:
                continue
            stamp = parts[0]
            sid = parts[2]
            session = live.get(sid)
            if session is None:
                # A session's first line in this file; sequence 0 means it starts here.
                session = live[sid] = Session(sid, parts[1], parts[5], stamp)
                session.start = parts[3] == b"0"
                if not first_ts:
                    first_ts = stamp
                if content_server is None and not send:
                    content_server = parts[1].split(b"\\", 1)[0] if b"\\" in parts[1] else b""
            else:
                session.last = stamp
                if send and not session.remote and parts[5]:
                    session.remote = parts[5]
            if event == b"*":
                if b"SP_PROT" in raw:
                    match = _TLS.search(raw)
                    if match is None:
                        unknown_tls += 1
                    else:
                        session.tls = _TLS_LABEL[match.group(1)]
                    continue
                tail = raw.rstrip()
                if tail.endswith(b",authenticated"):
                    if parts[7][:1] == b'"':
                        fixed = _csv_fields(raw)
                        if fixed is None:
                            continue
                        parts = fixed
                    if parts[7]:
                        session.users.add(parts[7])
                elif b"User Name:" in raw:
                    fixed = _csv_fields(raw) if parts[7][:1] == b'"' else parts
                    if fixed is not None:
                        context = fixed[8].strip()
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
            data = parts[7]
            if data[:1] == b'"':
                fixed = _csv_fields(raw)
                if fixed is None:
                    continue
                data = fixed[7]
            word = data[:4].upper()
            if send:
                if event == b">":
                    if word == b"EHLO" or word == b"HELO":
                        name = data[5:].strip()
                        session.local_ehlo = name
                        if content_server is None and name:
                            content_server = name
                    elif data[:10].upper() == b"MAIL FROM:":
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


def client_of(raw_host: bytes) -> str | None:
    text = decode_bytes(raw_host).strip()
    return normalize_ip(text) if text else None
