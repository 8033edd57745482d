"""Message headers (.eml, or headers pasted into a text file): per-hop TLS evidence.

Exchange 2016+ and Exchange Online write the negotiated version into each
``Received:`` hop: ``from A (B) by C (D) with Microsoft SMTP Server (version=TLS1_2,
cipher=...) id 15.20....; <date>``. Other MTAs write ``(using TLSv1.2 with cipher ...)``.
Microsoft warns that for authenticated client submission (SMTP AUTH) the header does
not show the client's real version, so the report says so.
"""

from __future__ import annotations

import email.parser
import email.policy
import email.utils
import re

from exotls.readers.encoding import decode
from exotls.usage.accum import FileResult, normalize_ip
from exotls.usage.naming import normalize_server
from exotls.usage.timeparse import as_utc
from exotls.usage.versions import normalize_version

__all__ = ["HEAD_BYTES", "read_headers"]

HEAD_BYTES = 4 << 20  # headers end long before this; the body is never read
_FROM = re.compile(r"^\s*from\s+(\S+)(?:\s+\(([^)]*)\))?", re.IGNORECASE)
_BY = re.compile(r"\bby\s+([^\s;()]+)", re.IGNORECASE)
_IP = re.compile(r"\[([0-9A-Fa-f:.]+)\]|\b(\d{1,3}(?:\.\d{1,3}){3})\b")
_VERSION = re.compile(r"version=([A-Za-z0-9_.]+)|\busing\s+(TLSv?[0-9._]+|SSLv?[0-9._]+)", re.IGNORECASE)
_WITH = re.compile(r"\bwith\s+([A-Za-z0-9-]+(?:\s+SMTP\s+Server)?)", re.IGNORECASE)
_PLAIN = {"smtp", "esmtp", "esmtpa", "microsoft smtp server", "lmtp"}
_ADDRESS = re.compile(r"<([^>]*)>")


def _unfold(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def read_headers(path: str) -> FileResult:
    result = FileResult(path=path, kind="message-header")
    with open(path, "rb") as handle:
        data = handle.read(HEAD_BYTES)
    text = decode(data).text.lstrip("\ufeff")
    block = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(block + "\n\n", headersonly=True)
    hops = message.get_all("Received") or []
    return_path = _ADDRESS.search(str(message.get("Return-Path") or ""))
    sender = return_path.group(1).strip().lower() if return_path else None
    unknown = ignored = 0
    for raw in hops:
        hop = _unfold(str(raw))
        head, _, when = hop.rpartition(";")
        head = head or hop
        found = _VERSION.search(head)
        version = normalize_version(found.group(1) or found.group(2)) if found else None
        if version is None:
            method = _WITH.search(head)
            name = _unfold(method.group(1)).lower() if method else ""
            if name.startswith("esmtps"):
                unknown += 1
                continue
            if name not in _PLAIN:
                ignored += 1  # mapi, HTTP, local delivery: not an SMTP hop
                continue
            version = "none"
        source = _FROM.match(head)
        helo = source.group(1) if source else None
        detail = (source.group(2) or "") if source else ""
        address = _IP.search(detail)
        client = normalize_ip(address.group(1) or address.group(2)) if address else (helo.lower() if helo else None)
        by = _BY.search(head)
        server = normalize_server(by.group(1)) if by else None
        stamp = None
        if when.strip():
            try:
                stamp = as_utc(email.utils.parsedate_to_datetime(when.strip()))
            except (TypeError, ValueError, IndexError):
                stamp = None
        acc = result.entry(("message-header", server, client, version))
        acc.count += 1
        acc.see(stamp)
        if helo:
            acc.ehlo.add(helo)
        if sender:
            acc.mail_from.add(sender)
        result.window("message-header", stamp)
    if not hops:
        result.notes.append(f"{path}: no Received headers")
    if unknown:
        result.notes.append(f"{path}: {unknown} hops used TLS (ESMTPS) without naming the version; not counted")
    if ignored:
        result.notes.append(f"{path}: {ignored} hops were not SMTP (MAPI, HTTP or local delivery); not counted")
    return result
