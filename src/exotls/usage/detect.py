"""Which usage source a file is, from its first bytes (never from its name alone).

``detect_usage_file`` is what ``exotls analyze`` routes files with, so it must be cheap
(one small read) and must never raise: an unreadable, binary or unknown file is None.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from exotls.usage.exo_reports import classify_header

__all__ = ["HEAD_SIZE", "KINDS", "detect_usage_file", "detect_usage_head", "sniff_text"]

HEAD_SIZE = 64 * 1024
KINDS = (
    "smtp-receive", "smtp-send", "iis", "schannel-clixml", "schannel-xml", "exo-smtp-auth", "exo-messages",
    "message-header",
)
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
_MAIL_HEADERS = ("received", "return-path", "from", "to", "subject", "date", "message-id", "mime-version",
                 "x-ms-exchange", "authentication-results", "arc-", "dkim-signature", "delivered-to", "x-")
# A DOCTYPE is matched so the reader can refuse it by name instead of "unknown file".
_EVENTS_START = re.compile(r"(?:<\?xml[^>]*\?>\s*)?(?:<!DOCTYPE[^>\[]*(?:\[[^\]]*\])?\s*>\s*)?<(?:Events|Event)[\s>]")
_EVENT_TYPES = ("Eventing.Reader.EventLogRecord", "System.Diagnostics.EventLogEntry")


def _text(head: bytes) -> str | None:
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            body = head[len(bom):]
            if codec != "utf-8":
                body = body[: len(body) // 2 * 2]
            return body.decode(codec, errors="replace")
    sample = head[:1024]
    if len(sample) >= 4:
        if sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) < len(sample) // 16:
            return head[: len(head) // 2 * 2].decode("utf-16-le", errors="replace")
        if sample[0::2].count(0) > len(sample) // 4 and sample[1::2].count(0) < len(sample) // 16:
            return head[: len(head) // 2 * 2].decode("utf-16-be", errors="replace")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace")


def sniff_text(text: str, name: str = "") -> str | None:
    """The usage kind of a file whose first characters are ``text``."""
    if "\x00" in text:
        return None
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("#Software: Microsoft Exchange") or body.startswith("#Fields: date-time,connector-id"):
        if "#Log-type: SMTP Send" in body[:2048]:
            return "smtp-send"
        if "#Log-type: SMTP Receive" in body[:2048]:
            return "smtp-receive"
        if "date-time,connector-id,session-id" in body[:4096]:
            upper = name.upper()
            return "smtp-send" if upper.startswith("SEND") or "SMTPSEND" in upper else "smtp-receive"
        return None
    if body.startswith("#Software: Microsoft Internet Information Services") or (
        body.startswith(("#Version:", "#Date:", "#Fields:")) and "#Fields: date time" in body[:4096]
    ):
        return "iis"
    if body.startswith(("<Objs", "#< CLIXML")) or (body.startswith("<?xml") and "<Objs" in body[:512]):
        return "schannel-clixml" if any(kind in body for kind in _EVENT_TYPES) else None
    if body.startswith("<"):
        window = body[:4096]
        if _EVENTS_START.match(window) and "<System>" in window.replace(" ", ""):
            return "schannel-xml"
        return None
    first = next((line for line in body.splitlines() if line.strip() and not line.lower().startswith("sep=")), "")
    kind = classify_header(first)
    if kind is not None:
        return kind
    lines = [line for line in body.splitlines()[:200] if line.strip()]
    headers = [line for line in lines if _HEADER_LINE.match(line)]
    names = {line.split(":", 1)[0].lower() for line in headers}
    if "received" in names and lines and _HEADER_LINE.match(lines[0]) and (
        any(name.startswith(_MAIL_HEADERS) for name in names)
    ):
        return "message-header"
    return None


def detect_usage_file(path: str | Path) -> str | None:
    """One of ``KINDS`` for a usage log or report, None for anything else; never raises."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_SIZE)
    except Exception:
        return None
    return detect_usage_head(head, Path(path).name)


def detect_usage_head(head: bytes, name: str = "") -> str | None:
    """``detect_usage_file`` for a file whose first bytes the caller already holds
    (at least ``HEAD_SIZE`` of them, or the whole file); never raises."""
    try:
        text = _text(head[:HEAD_SIZE])
        return None if text is None else sniff_text(text, name)
    except Exception:
        return None
