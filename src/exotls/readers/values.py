"""The neutral values every reader produces: no Exchange knowledge here.

Readers turn bytes into plain Python values (``None``, ``bool``, ``int``, ``float``,
``Decimal``, ``str``, ``bytes``, ``datetime``, ``timedelta``, ``UUID``, lists and dicts)
plus the few wrappers below, which keep what plain values cannot: PowerShell type
names and ToString, registry types, opaque secrets, and where each came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DEFAULT",
    "Document",
    "Format",
    "OpaqueData",
    "PSObject",
    "RegKey",
    "RegValue",
    "ScriptBlock",
    "SecureString",
    "Version",
    "strip_deserialized",
]

Format = Literal["clixml", "clixml-stream", "json", "reg", "format-list"]

_PREFIX = "Deserialized."


def strip_deserialized(type_name: str) -> str:
    """Compare type names without the remoting prefix, however many times it was added."""
    while type_name.startswith(_PREFIX):
        type_name = type_name[len(_PREFIX) :]
    return type_name


class _Default:
    """Sentinel for 'no default given' in ``PSObject.get``."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()


class PSObject:
    """A PowerShell object: type names, ToString, properties, and an optional payload.

    ``properties`` holds adapted (Props) then extended (MS) members, names decoded.
    ``payload`` is the list of an LST/IE/STK/QUE, the dict of a DCT, or the primitive
    of an enum or extended primitive; ``None`` otherwise. ``line`` is where the object
    starts in its file; ``lines`` optionally maps a property name to its own line.
    ``ref_id`` is the CLIXML ``RefId`` (what a ``<Ref>`` names), used to show cycles.
    JSON and Format-List objects are PSObjects too, with no type names.
    """

    __slots__ = ("_folded", "line", "lines", "payload", "properties", "ref_id", "to_string", "type_names")

    def __init__(
        self,
        type_names: tuple[str, ...] = (),
        properties: dict[str, Any] | None = None,
        *,
        to_string: str | None = None,
        payload: Any = None,
        line: int | None = None,
        lines: dict[str, int] | None = None,
        ref_id: str | None = None,
    ) -> None:
        self.type_names = type_names
        self.properties: dict[str, Any] = {} if properties is None else properties
        self.to_string = to_string
        self.payload = payload
        self.line = line
        self.lines = lines
        self.ref_id = ref_id
        self._folded: dict[str, str] | None = None

    def __repr__(self) -> str:
        first = self.type_names[0] if self.type_names else "object"
        return f"<PSObject {first} {len(self.properties)} props>"

    def _key(self, name: str) -> str | None:
        if name in self.properties:
            return name
        if self._folded is None:
            self._folded = {}
            for key in self.properties:
                self._folded.setdefault(key.casefold(), key)
        return self._folded.get(name.casefold())

    def has(self, name: str) -> bool:
        """True when the property exists (even if its value is null): absent is not null."""
        return self._key(name) is not None

    def get(self, name: str, default: Any = None) -> Any:
        """Property value by name; PowerShell names are case-insensitive."""
        key = self._key(name)
        return default if key is None else self.properties[key]

    def line_of(self, name: str) -> int | None:
        """The line of one property where the format knows it, else the object's line."""
        key = self._key(name)
        if key is not None and self.lines and key in self.lines:
            return self.lines[key]
        return self.line

    def is_type(self, *names: str) -> bool:
        """True when any type name equals one of ``names``, ignoring ``Deserialized.``."""
        wanted = set(names)
        return any(strip_deserialized(t) in wanted for t in self.type_names)

    def type_startswith(self, prefix: str) -> bool:
        """For generic types: compare the part before the backtick and the prefix."""
        return any(strip_deserialized(t).startswith(prefix) for t in self.type_names)

    @property
    def deserialized(self) -> bool:
        return bool(self.type_names) and self.type_names[0].startswith(_PREFIX)


@dataclass(frozen=True, slots=True)
class SecureString:
    """An opaque SecureString: never decoded, never printed."""

    def __repr__(self) -> str:
        return "<SecureString>"

    def __str__(self) -> str:
        return "<SecureString>"


@dataclass(frozen=True, slots=True)
class OpaqueData:
    """A blob that is there but never read: Exchange's ``SerializationData``.

    It is a BinaryFormatter blob, often most of an export's bytes, and formats.md a.6 says
    never to decode it ("keep it opaque or drop it"). Its text is not even taken out of the
    parser: that was 13% of the walk over a real export and all of the blob's memory.
    ``name`` is the property it was found under.
    """

    name: str = "SerializationData"

    def __repr__(self) -> str:
        return f"<OpaqueData {self.name} (not read)>"


@dataclass(frozen=True, slots=True)
class ScriptBlock:
    """Script text kept as data; exotls never runs it."""

    text: str


@dataclass(frozen=True, slots=True)
class Version:
    """A ``System.Version`` (2 to 4 parts); kept apart from strings so it is never guessed."""

    parts: tuple[int, ...]

    def __str__(self) -> str:
        return ".".join(str(p) for p in self.parts)


@dataclass(slots=True)
class RegValue:
    """One registry value as written in a .reg file; DWORDs are unsigned ints.

    ``type`` is the Windows name (REG_DWORD, REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ,
    REG_QWORD, REG_BINARY, REG_NONE, or ``hex(N)`` for others). ``deleted`` marks a
    ``"name"=-`` line of a change script.
    """

    name: str
    type: str
    data: int | str | bytes | list[str] | None
    line: int | None = None
    deleted: bool = False


@dataclass(slots=True)
class RegKey:
    """One registry key (full path with the root spelled out) and its values in file order."""

    path: str
    values: dict[str, RegValue] = field(default_factory=dict)
    line: int | None = None
    deleted: bool = False


@dataclass(slots=True)
class Document:
    """What a reader returns for one file.

    ``objects`` are the top-level values in order (``RegKey`` items for a .reg file).
    ``encoding`` names what was detected from the bytes: ``utf-16-le-bom``,
    ``utf-16-be-bom``, ``utf-16-le``, ``utf-16-be``, ``utf-8-bom``, ``utf-8``, ``cp1252``.
    ``newline`` is ``crlf``, ``lf``, ``cr``, ``mixed`` or ``none``.
    ``change_script`` is true for a .reg file that deletes keys or values: it describes a
    change, not a snapshot. ``stream_errors`` holds the error-stream text of a
    ``#< CLIXML`` stream, kept apart from output. ``warnings`` are notes a user should see
    (a truncated ConvertTo-Json, a cp1252 fallback).
    """

    path: str
    format: Format
    encoding: str
    objects: list[Any]
    newline: str = "none"
    warnings: list[str] = field(default_factory=list)
    stream_errors: list[str] = field(default_factory=list)
    change_script: bool = False
