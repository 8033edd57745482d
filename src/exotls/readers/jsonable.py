"""Neutral values to JSON-able data: the ``exotls read --format json`` contract.

Shapes:

* ``PSObject`` -> ``{"type_names": [...], "to_string": str|null, "properties": {...}}``
  plus ``"items"`` (list payload), ``"entries"`` (dict payload, as a list of
  ``{"key", "value"}`` because keys can be any value), or ``"value"`` (any other payload).
* ``None``, ``bool``, ``int``, ``str`` as they are; a non-finite float as the string
  ``"NaN"``, ``"Infinity"`` or ``"-Infinity"`` (JSON has no such numbers).
* ``bytes`` -> base64; ``OpaqueData`` (Exchange's ``SerializationData``, never read) ->
  ``{"opaque": "SerializationData"}``; ``datetime`` -> ISO 8601; ``timedelta`` -> an ISO 8601
  duration in the form CLIXML uses (``-P1DT2H3M4.5S``: days, hours, minutes, seconds only);
  ``Decimal``, ``UUID`` and ``Version`` -> strings.
* ``SecureString`` -> ``{"secure_string": true}`` (never its content);
  ``ScriptBlock`` -> ``{"script_block": {"length": N}}``: script text is never shown, only its size.
* ``RegKey`` -> ``{"path", "values": {name: {"type", "data"}}}`` with DWORD/QWORD as
  unsigned ints, binary as hex pairs ``"01,02"``, REG_MULTI_SZ as a list; ``"deleted":
  true`` is added only for keys or values a change script deletes.
* A bare ``dict`` -> ``{"entries": [...]}``; lists and tuples -> arrays.

References: CLIXML can share one object in several places and can make cycles. An
object that is its own ancestor is written ``{"$ref": "<RefId>"}``. A shared object is
written in full wherever it appears, except that an object reached more than
``MAX_NESTING`` objects deep, or a repeat once ``REPEAT_LIMIT`` repeats have been
written in full, becomes ``{"$ref": ...}`` too: a chain or lattice of Refs could
otherwise expand without bound (a "billion laughs" made of Refs). The first time an
object is met it is always written in full, so nothing is lost.
"""

from __future__ import annotations

import base64
import math
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from exotls.readers.values import OpaqueData, PSObject, RegKey, RegValue, ScriptBlock, SecureString, Version

__all__ = ["MAX_NESTING", "REPEAT_LIMIT", "duration_text", "to_jsonable"]

MAX_NESTING = 100
REPEAT_LIMIT = 100_000

_FLOATS = {math.inf: "Infinity", -math.inf: "-Infinity"}


def duration_text(value: timedelta) -> str:
    """A ``timedelta`` as the xs:duration PowerShell writes for a TimeSpan."""
    micro = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if micro < 0 else ""
    micro = abs(micro)
    seconds, frac = divmod(micro, 1_000_000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    out = f"{sign}P"
    if days:
        out += f"{days}D"
    time = ""
    if hour:
        time += f"{hour}H"
    if minute:
        time += f"{minute}M"
    if sec or frac or not (days or hour or minute):
        time += f"{sec}.{frac:06d}".rstrip("0").rstrip(".") + "S" if frac else f"{sec}S"
    return out + ("T" + time if time else "")


def _reg_data(value: RegValue) -> Any:
    data = value.data
    if isinstance(data, bytes):
        return ",".join(f"{byte:02x}" for byte in data)
    if isinstance(data, list):
        return list(data)
    return data


def _reg_value(value: RegValue) -> dict[str, Any]:
    out: dict[str, Any] = {"type": value.type, "data": _reg_data(value)}
    if value.deleted:
        out["deleted"] = True
    return out


def _reg_key(key: RegKey) -> dict[str, Any]:
    out: dict[str, Any] = {
        "path": key.path,
        "values": {name: _reg_value(v) for name, v in key.values.items()},
    }
    if key.deleted:
        out["deleted"] = True
    return out


class _Renderer:
    """One rendering: tracks ancestors (cycles), objects seen, and the expansion budget."""

    __slots__ = ("ancestors", "budget", "seen")

    def __init__(self, repeat_limit: int) -> None:
        self.ancestors: set[int] = set()
        self.seen: set[int] = set()
        self.budget = repeat_limit

    def value(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, PSObject):
            return self.psobject(value)
        if isinstance(value, float):
            if math.isnan(value):
                return "NaN"
            return _FLOATS.get(value, value)
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {"entries": self.entries(value)}
        if isinstance(value, bytes):
            return base64.b64encode(value).decode("ascii")
        if isinstance(value, OpaqueData):
            return {"opaque": value.name}
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, timedelta):
            return duration_text(value)
        if isinstance(value, (Decimal, UUID, Version)):
            return str(value)
        if isinstance(value, SecureString):
            return {"secure_string": True}
        if isinstance(value, ScriptBlock):
            return {"script_block": {"length": len(value.text)}}
        if isinstance(value, RegKey):
            return _reg_key(value)
        if isinstance(value, RegValue):
            return {"name": value.name, **_reg_value(value)}
        return str(value)

    def entries(self, mapping: dict[Any, Any]) -> list[dict[str, Any]]:
        return [{"key": self.value(k), "value": self.value(v)} for k, v in mapping.items()]

    def psobject(self, obj: PSObject) -> dict[str, Any]:
        key = id(obj)
        if obj.ref_id is not None:
            repeat = key in self.seen
            if key in self.ancestors or len(self.ancestors) >= MAX_NESTING or (repeat and self.budget <= 0):
                return {"$ref": obj.ref_id}
            if repeat:
                self.budget -= 1
            self.seen.add(key)
        self.ancestors.add(key)
        try:
            out: dict[str, Any] = {
                "type_names": list(obj.type_names),
                "to_string": obj.to_string,
                "properties": {name: self.value(v) for name, v in obj.properties.items()},
            }
            payload = obj.payload
            if isinstance(payload, list):
                out["items"] = [self.value(item) for item in payload]
            elif isinstance(payload, dict):
                out["entries"] = self.entries(payload)
            elif payload is not None:
                out["value"] = self.value(payload)
        finally:
            self.ancestors.discard(key)
        return out


def to_jsonable(value: Any, *, repeat_limit: int = REPEAT_LIMIT) -> Any:
    """Render any reader value (or list of them) as data ``json.dumps`` accepts."""
    return _Renderer(repeat_limit).value(value)
