"""Turn neutral values from any format into plain facts.

The same fact arrives as a CLIXML ``B``, a JSON ``true``, or Format-List text
``True``; a DWORD as an unsigned ``.reg`` number or a signed PowerShell ``-1``.
These helpers hide that, and return ``None`` when a value cannot be read.
"""

from __future__ import annotations

from typing import Any

from exotls.readers.values import PSObject, Version

__all__ = ["as_bool", "as_dword", "as_list", "as_text", "display"]

_TRUE = {"true": True, "false": False, "$true": True, "$false": False}


def as_bool(value: Any) -> bool | None:
    """A PowerShell boolean from B, JSON or Format-List text; ``None`` when null or unreadable."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _TRUE.get(value.strip().lower())
    if isinstance(value, PSObject) and isinstance(value.payload, bool):
        return value.payload
    return None


def as_dword(value: Any) -> int | None:
    """A registry DWORD as Windows stores it: unsigned 32-bit (PowerShell shows 0xFFFFFFFF as -1)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if -(2**31) <= value < 0:
        return value + 2**32
    if 0 <= value < 2**32:
        return value
    return None


def as_text(value: Any) -> str | None:
    """A display string: objects give their ToString (enums, ADObjectId), primitives their text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, PSObject):
        if value.to_string is not None:
            return value.to_string
        for name in ("Name", "DisplayName", "value"):
            inner = value.get(name)
            if isinstance(inner, str):
                return inner
        return None
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float, Version)):
        return str(value)
    return None


def as_list(value: Any) -> list[Any]:
    """Items of a collection (a list, an LST payload, or Format-List ``{a, b}`` text)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, PSObject) and isinstance(value.payload, list):
        return list(value.payload)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{") and text.endswith("}"):
            inner = text[1:-1].removesuffix("...")
            return [item.strip() for item in inner.split(",") if item.strip()]
        return [text] if text else []
    return [value]


def display(value: Any) -> str:
    """Short text of any value for messages and conflicts."""
    text = as_text(value)
    return text if text is not None else repr(value)
