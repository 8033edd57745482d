"""Schannel events 36880 (handshake done), 36874 (no common cipher suite), 36888 (fatal alert).

Three export shapes: ``Get-WinEvent | Export-Clixml`` (EventLogRecord, data in
``Properties``), ``Get-EventLog | Export-Clixml`` (EventLogEntry, data in
``ReplacementStrings``) and ``wevtutil qe /f:xml`` (``<Event>`` elements, data in
``UserData/EventXML``). The data is positional and the same in all three:
36880 = (Type, Protocol, CipherSuite, ExchangeStrength, ContextHandle, TargetName, ...),
36874 = (Protocol), 36888 = (AlertDesc, ErrorState, TargetName). The message text is
only a fallback: its wording changed across Windows builds. An inbound (server-role)
event names no client: it proves a version is still negotiated, not by whom.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from exotls.errors import ExotlsError, ReadError, UnsafeInputError
from exotls.usage.accum import FileResult
from exotls.usage.naming import normalize_server
from exotls.usage.timeparse import as_utc, parse_iso
from exotls.usage.versions import IIS_PROTOCOLS, normalize_version

__all__ = ["ALERTS", "EVENT_IDS", "OUTBOUND_UNKNOWN", "SchannelEvent", "read_events_clixml", "read_events_xml"]

EVENT_IDS = frozenset({36880, 36874, 36888})
# IANA TLS alert registry: the codes an Exchange admin meets when versions are turned off.
ALERTS = {10: "unexpected_message", 20: "bad_record_mac", 40: "handshake_failure", 42: "bad_certificate",
          46: "certificate_unknown", 48: "unknown_ca", 70: "protocol_version", 71: "insufficient_security",
          80: "internal_error", 86: "inappropriate_fallback", 112: "unrecognized_name"}
OUTBOUND_UNKNOWN = "(target not logged)"
_NAMES = {
    36880: ("type", "protocol", "ciphersuite", "exchangestrength", "contexthandle", "targetname"),
    36874: ("protocol",),
    36888: ("alertdesc", "errorstate", "targetname"),
}
_MSG_ROLE = re.compile(r"\b(?:TLS|SSL) (server|client) handshake", re.IGNORECASE)
_MSG_PROTOCOL = re.compile(r"Protocol(?: version)?:\s*([^\r\n]+)", re.IGNORECASE)
_MSG_TARGET = re.compile(r"Target name:\s*([^\r\n]*)", re.IGNORECASE)
_MSG_ALERT = re.compile(r"fatal (?:alert|error) code is (\d+)|fatal alert was generated: (\d+)", re.IGNORECASE)
_MSG_36874 = re.compile(r"An? (\S+ \S+) connection request was received", re.IGNORECASE)
_EVENT_NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"


@dataclass(frozen=True, slots=True)
class SchannelEvent:
    event_id: int
    machine: str | None
    time: datetime | None
    data: dict[str, Any]
    message: str


def _items(value: Any) -> list[Any]:
    """A CLIXML list arrives as a PSObject whose payload is the list (or as a plain list)."""
    if isinstance(value, list):
        return value
    payload = getattr(value, "payload", None)
    return payload if isinstance(payload, list) else []


def _plain(value: Any) -> Any:
    """An EventProperty wraps its value in ``Value``; an enum or extended primitive in payload."""
    if hasattr(value, "properties"):
        if value.has("Value"):
            return _plain(value.get("Value"))
        if value.payload is not None and not isinstance(value.payload, (list, dict)):
            return value.payload
        return value.to_string
    return value


def _positional(event_id: int, values: list[Any]) -> dict[str, Any]:
    names = _NAMES.get(event_id, ())
    return {name: values[index] for index, name in enumerate(names) if index < len(values)}


def _event_from_psobject(obj: Any) -> SchannelEvent | None:
    if not hasattr(obj, "properties"):
        return None
    if obj.has("ProviderName") or obj.has("Properties"):  # Get-WinEvent EventLogRecord
        provider = str(obj.get("ProviderName") or "")
        event_id = obj.get("Id")
        stamp = obj.get("TimeCreated")
        values = [_plain(item) for item in _items(obj.get("Properties"))]
    elif obj.has("ReplacementStrings") or obj.has("EventID"):  # Get-EventLog EventLogEntry
        provider = str(obj.get("Source") or "")
        event_id = obj.get("EventID")
        if event_id is None and isinstance(obj.get("InstanceId"), int):
            event_id = obj.get("InstanceId") & 0xFFFF
        stamp = obj.get("TimeGenerated") or obj.get("TimeWritten")
        values = [_plain(item) for item in _items(obj.get("ReplacementStrings"))]
    else:
        return None
    if provider.casefold() != "schannel" or not isinstance(event_id, int) or event_id not in EVENT_IDS:
        return None
    message = obj.get("Message")
    return SchannelEvent(
        event_id=event_id,
        machine=str(obj.get("MachineName")) if obj.get("MachineName") else None,
        time=as_utc(stamp) if isinstance(stamp, datetime) else None,
        data=_positional(event_id, values),
        message=message if isinstance(message, str) else "",
    )


def read_events_clixml(path: str) -> Iterator[SchannelEvent | None]:
    """Yield Schannel events (None for every other object, so callers can count them)."""
    from exotls.readers import read

    document = read(path, stream=True)
    for obj in document.objects:
        yield _event_from_psobject(obj)


# --- wevtutil XML --------------------------------------------------------------------

_CHUNK = 1 << 20


def _codec(head: bytes) -> tuple[str, int]:
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return name, len(bom)
    sample = head[:512]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le", 0
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be", 0
    return "utf-8", 0


_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _prolog(text: str) -> tuple[str, bool]:
    """Drop the XML declaration, refuse a DOCTYPE, and say whether a root must be added."""
    text = _DECL.sub("", text.lstrip("\ufeff"), count=1)
    if re.search(r"<!DOCTYPE|<!ENTITY", text[: 1 << 16], re.IGNORECASE):
        raise UnsafeInputError("the XML declares a DOCTYPE or entities, which wevtutil never writes")
    stripped = text.lstrip()
    return text, not stripped.startswith("<Events")


def _iter_xml_events(path: str) -> Iterator[Any]:
    parser = etree.XMLPullParser(
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    with open(path, "rb") as handle:
        head = handle.read(_CHUNK)
        codec, skip = _codec(head)
        decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        text, wrap = _prolog(decoder.decode(head[skip:]))
        if wrap:
            parser.feed(b"<Events>")
        chunk = text.encode("utf-8")
        while True:
            parser.feed(chunk)
            for _, found in parser.read_events():
                element: Any = found
                if _is_event(element):
                    yield element
                    element.clear()
                    parent = element.getparent()
                    while parent is not None and element.getprevious() is not None:
                        del parent[0]
            data = handle.read(_CHUNK)
            if not data:
                break
            chunk = decoder.decode(data).encode("utf-8")
        tail = decoder.decode(b"", final=True).encode("utf-8") + (b"</Events>" if wrap else b"")
        parser.feed(tail)
        for _, element in parser.read_events():
            if _is_event(element):
                yield element
        parser.close()


def _is_event(element: Any) -> bool:
    return getattr(element, "tag", None) in (_EVENT_NS + "Event", "Event")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _event_from_xml(element: Any) -> SchannelEvent | None:
    system = provider = None
    data: dict[str, Any] = {}
    positional: list[Any] = []
    message = ""
    for child in element:
        name = _local(child.tag)
        if name == "System":
            system = child
        elif name in ("UserData", "EventData"):
            holder = child[0] if name == "UserData" and len(child) else child
            for item in holder:
                key = item.get("Name") or _local(item.tag)
                positional.append(item.text or "")
                data[key.casefold()] = item.text or ""
        elif name == "RenderingInfo":
            for item in child:
                if _local(item.tag) == "Message":
                    message = item.text or ""
    if system is None:
        return None
    fields = {_local(item.tag): item for item in system}
    provider = fields.get("Provider")
    if provider is None or (provider.get("Name") or "").casefold() != "schannel":
        return None
    try:
        event_id = int((fields["EventID"].text or "").strip())
    except (KeyError, ValueError):
        return None
    if event_id not in EVENT_IDS:
        return None
    created = fields.get("TimeCreated")
    computer = fields.get("Computer")
    named = {key: data[key] for key in _NAMES[event_id] if key in data}
    return SchannelEvent(
        event_id=event_id,
        machine=(computer.text or None) if computer is not None else None,
        time=parse_iso(created.get("SystemTime") or "") if created is not None else None,
        data=named or _positional(event_id, positional),
        message=message,
    )


def read_events_xml(path: str) -> Iterator[SchannelEvent | None]:
    try:
        for element in _iter_xml_events(path):
            yield _event_from_xml(element)
    except etree.XMLSyntaxError as err:
        line = err.lineno if isinstance(err.lineno, int) else None
        raise ReadError(f"XML is not well formed: {err.msg}", path=path, line=line) from None
    except UnicodeDecodeError as err:
        raise ReadError(f"bytes are not valid text in the detected encoding (offset {err.start})", path=path) from None
    except ExotlsError as err:
        raise err.at(path) from None


# --- interpretation ------------------------------------------------------------------


def _version(value: Any) -> str | None:
    if isinstance(value, int):
        return IIS_PROTOCOLS.get(value)
    if isinstance(value, str):
        return normalize_version(value)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            return None
    return None


def tally(event: SchannelEvent, server_hint: str | None, result: FileResult) -> None:
    """Count one event into the file result: successes as rows, failures as counters."""
    server = server_hint or normalize_server(event.machine)
    data, message = event.data, event.message
    if event.event_id == 36880:
        role = str(data.get("type") or "").strip().lower()
        if role not in ("server", "client"):
            match = _MSG_ROLE.search(message)
            role = match.group(1).lower() if match else ""
        version = _version(data.get("protocol"))
        if version is None:
            found = _MSG_PROTOCOL.search(message)
            version = normalize_version(found.group(1)) if found else None
        if version is None or role not in ("server", "client"):
            result.counters[("schannel-unreadable", result.path)] += 1
            return
        client: str | None = None
        if role == "client":
            target = str(data.get("targetname") or "").strip()
            if not target:
                found = _MSG_TARGET.search(message)
                target = found.group(1).strip() if found else ""
            client = target.lower() if target else OUTBOUND_UNKNOWN
        acc = result.entry(("schannel", server, client, version))
        acc.count += 1
        acc.see(event.time)
        result.counters[("schannel-role", role)] += 1
    elif event.event_id == 36874:
        version = _version(data.get("protocol"))
        if version is None:
            found = _MSG_36874.search(message)
            version = normalize_version(found.group(1)) if found else None
        result.counters[("s36874", server or "", version or "unknown version")] += 1
    else:
        alert = _int(data.get("alertdesc"))
        if alert is None:
            found = _MSG_ALERT.search(message)
            alert = int(found.group(1) or found.group(2)) if found else None
        result.counters[("s36888", server or "", str(alert) if alert is not None else "?")] += 1
    result.window("schannel", event.time)
