"""MS-PSRP 2.2.5.1 primitive elements: element text to a Python value, one small function each.

Every function takes the element text (``None`` for an empty element) and raises
``ValueError``, ``TypeError`` or ``ArithmeticError`` on a bad lexical form; the walker
turns that into a ``ReadError`` with the line, so no function here needs to know where
it is. Formats follow .NET ``XmlConvert`` as PowerShell writes them (formats.md a.2).
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from exotls.readers.psescape import decode_ps
from exotls.readers.values import ScriptBlock, SecureString, Version

__all__ = ["BAD_VALUE", "PRIMITIVES", "WHAT", "parse_duration", "to_string"]

Converter = Callable[[str | None], Any]

# What a converter raises for a malformed value (binascii.Error and UnicodeError are ValueErrors).
BAD_VALUE: tuple[type[Exception], ...] = (ValueError, TypeError, ArithmeticError)

_SECURE = SecureString()


def to_string(text: str | None) -> str:
    """``S``, ``ToString``, ``T``, ``URI``, ``XD``: never trimmed; an empty element is ``""``."""
    if text is None:
        return ""
    if "_x" in text or "_X" in text:
        return decode_ps(text)
    return text


_BOOLS = {"true": True, "false": False, "1": True, "0": False}


def _bool(text: str | None) -> bool:
    # XmlConvert.ToBoolean accepts true/false/1/0 around white space.
    value = _BOOLS.get((text or "").strip())
    if value is None:
        raise ValueError(f"not a Boolean: {text!r}")
    return value


def _ranged(bits: int, signed: bool) -> Converter:
    """An integer of a .NET type: out of its range it was not written by PowerShell (XmlConvert
    would have refused it), so it is a bad value rather than a number no real setting can hold."""
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)

    def convert(text: str | None) -> int:
        value = int(text)  # type: ignore[arg-type]  # None raises TypeError, reported as a bad value
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return value

    return convert


def _float(text: str | None) -> float:
    # Python's float() reads XmlConvert's INF, -INF and NaN as well as exponents.
    return float(text)  # type: ignore[arg-type]


def _decimal(text: str | None) -> Decimal:
    return Decimal((text or "").strip())


def _char(text: str | None) -> str:
    unit = int(text)  # type: ignore[arg-type]
    if not 0 <= unit <= 0xFFFF:
        raise ValueError(f"not a UTF-16 code unit: {unit}")
    return chr(unit)


_DATETIME = re.compile(
    r"\s*(\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,7}))?(Z|[+-]\d\d:\d\d)?\s*\Z"
)


def _datetime(text: str | None) -> datetime:
    """xs:dateTime; 7 fractional digits tolerated, the 100 ns digit is dropped."""
    if text is not None and len(text) >= 19 and text[10] == "T":
        # The C parser takes every form PowerShell writes; the regex below is the slow,
        # strict path that also explains what is wrong.
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    match = _DATETIME.match(text or "")
    if match is None:
        raise ValueError(f"not a DateTime: {text!r}")
    year, month, day, hour, minute, second, frac, zone = match.groups()
    micro = int(frac[:6].ljust(6, "0")) if frac else 0
    tz: timezone | None = None
    if zone == "Z":
        tz = UTC
    elif zone is not None:
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz)


# The lookaheads demand at least one component, and one after a "T".
_DURATION = re.compile(
    r"\s*(-)?P(?=\d|T\d)(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d+))?S)?)?\s*\Z"
)


def parse_duration(text: str | None) -> timedelta:
    """xs:duration as .NET writes a TimeSpan: days, hours, minutes, seconds; optionally negative."""
    match = _DURATION.match(text or "")
    if match is None:
        raise ValueError(f"not a TimeSpan: {text!r}")
    sign, days, hours, minutes, seconds, frac = match.groups()
    micro = int(frac[:6].ljust(6, "0")) if frac else 0
    total = (
        ((int(days or 0) * 24 + int(hours or 0)) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)
    ) * 1_000_000 + micro
    return timedelta(microseconds=-total if sign else total)


def _guid(text: str | None) -> UUID:
    return UUID((text or "").strip())


def _version(text: str | None) -> Version:
    parts = tuple(int(part) for part in (text or "").strip().split("."))
    if not 2 <= len(parts) <= 4 or min(parts) < 0:
        raise ValueError(f"not a Version: {text!r}")
    return Version(parts)


def _bytes(text: str | None) -> bytes:
    return binascii.a2b_base64(text or "")


def _secure(text: str | None) -> SecureString:
    return _SECURE  # opaque by design: the DPAPI or session-key blob is never decoded


def _script(text: str | None) -> ScriptBlock:
    return ScriptBlock(to_string(text))


def _nil(text: str | None) -> None:
    return None


# Local tag name -> converter. URI, XD and SBK are text; they are kept as data only.
PRIMITIVES: dict[str, Converter] = {
    "S": to_string,
    "B": _bool,
    "By": _ranged(8, signed=False),
    "SB": _ranged(8, signed=True),
    "I16": _ranged(16, signed=True),
    "I32": _ranged(32, signed=True),
    "I64": _ranged(64, signed=True),
    "U16": _ranged(16, signed=False),
    "U32": _ranged(32, signed=False),
    "U64": _ranged(64, signed=False),
    "Sg": _float,
    "Db": _float,
    "D": _decimal,
    "C": _char,
    "DT": _datetime,
    "TS": parse_duration,
    "G": _guid,
    "URI": to_string,
    "Version": _version,
    "BA": _bytes,
    "SS": _secure,
    "SBK": _script,
    "XD": to_string,
    "Nil": _nil,
}

# Local tag name -> what the value should have been, for error messages.
WHAT: dict[str, str] = {
    "B": "Boolean",
    "By": "Byte",
    "SB": "SByte",
    "I16": "Int16",
    "I32": "Int32",
    "I64": "Int64",
    "U16": "UInt16",
    "U32": "UInt32",
    "U64": "UInt64",
    "Sg": "Single",
    "Db": "Double",
    "D": "Decimal",
    "C": "Char",
    "DT": "DateTime",
    "TS": "TimeSpan",
    "G": "Guid",
    "Version": "Version",
    "BA": "base64 byte array",
}
