"""ConvertTo-Json output (Windows PowerShell 5.1 and PowerShell 7) as neutral values.

What this reader decides, and why:

* A top-level array gives one document object per element; a single object gives one.
  Several JSON texts one after the other (``>>`` appends) are read in turn.
* JSON objects become ``PSObject(type_names=())`` with keys in file order; arrays
  become lists. Top-level objects get ``line`` and a ``lines`` entry per property; an
  object that is the value of a top-level property gets its ``line`` too. Deeper
  objects carry no line (the C decoder does not report positions).
* ``\\/Date(ms)\\/`` (5.1; ``json`` gives ``/Date(ms)/``), with or without a ``+hhmm``
  suffix, becomes an aware UTC ``datetime``: the milliseconds are UTC and the suffix
  only says which zone the value was local to. ISO 8601 strings (PowerShell 7) stay
  strings: guessing dates from arbitrary strings would turn names and versions into
  dates, so the extract layer parses the fields it knows are dates.
* Values deeper than ``-Depth`` were written as their ToString text. A PSCustomObject
  then reads ``@{Name=Value; Other=Value}``; such a string is parsed back into a
  ``PSObject`` whose only type name is ``RECOVERED_TYPE`` (``exotls.RecoveredHashtable``)
  and whose ``to_string`` keeps the original text. Recovered values are strings (the
  ToString of each value: a null and an empty string both read ``""``); a nested
  ``@{...}`` is recovered too. When the text cannot be split unambiguously (a piece
  without ``=``, a repeated name, unbalanced braces) the original string is kept.
* ``WARNING:`` lines around the JSON (PowerShell 7 prints "Resulting JSON is truncated
  ..." and a console capture keeps it) are skipped and copied into ``warnings``.
* Duplicate keys: the last value wins, as PowerShell 7's ConvertFrom-Json does
  (PowerShell/PowerShell#5199); a warning names them. Keys that differ only in case are
  both kept (ConvertTo-Json can write both, e.g. ObjectGuid and ObjectGUID, see
  PowerShell/PowerShell#13145); ``PSObject.get`` prefers the exact spelling.
* Numbers stay as JSON gives them: DWORD 0xFFFFFFFF reads -1 here (Get-ItemProperty is
  signed); the extract layer normalises registry values.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from json.scanner import make_scanner
from typing import Any

from exotls.errors import ReadError, UnsupportedFormatError
from exotls.readers.encoding import Decoded
from exotls.readers.sniff import is_prompt_line, is_warning_line, strip_ansi
from exotls.readers.values import Document, PSObject

__all__ = ["RECOVERED_TYPE", "parse_date", "read_json", "recover_flattened"]

RECOVERED_TYPE = "exotls.RecoveredHashtable"

_DATE = re.compile(r"/Date\((-?\d{1,18})(?:[+-]\d{4})?\)/")
_WS = re.compile(r"[ \t\r\n]*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_TYPE_NAME_ONLY = re.compile(r"System\.(?:Object\[\]|Collections\.[\w.`\[\], ]+)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_RECOVERY_DEPTH = 16


def parse_date(text: str) -> datetime | None:
    """The UTC datetime of a ``/Date(ms)/`` or ``/Date(ms+hhmm)/`` text, else ``None``."""
    match = _DATE.fullmatch(text)
    if match is None:
        return None
    try:
        return _EPOCH + timedelta(milliseconds=int(match.group(1)))
    except OverflowError:
        return None


def _split_top(body: str) -> list[str] | None:
    """Split on ``; `` outside braces; ``None`` when the braces do not balance."""
    pieces: list[str] = []
    depth = 0
    start = 0
    index = 0
    length = len(body)
    while index < length:
        char = body[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return None
        elif char == ";" and depth == 0 and body.startswith("; ", index):
            pieces.append(body[start:index])
            start = index + 2
            index += 1
        index += 1
    if depth:
        return None
    pieces.append(body[start:])
    return pieces


def recover_flattened(text: str, _depth: int = 0) -> PSObject | None:
    """Parse a depth-truncated ``@{Name=Value; ...}`` back into a marked PSObject.

    Returns ``None`` when ``text`` is not such a string or cannot be split without
    guessing; the caller then keeps the string.
    """
    if not (text.startswith("@{") and text.endswith("}")) or _depth > _MAX_RECOVERY_DEPTH:
        return None
    body = text[2:-1]
    properties: dict[str, Any] = {}
    if body:
        pieces = _split_top(body)
        if pieces is None:
            return None
        for piece in pieces:
            name, sep, value = piece.partition("=")
            if not sep or not name or name != name.strip() or name in properties:
                return None
            nested = recover_flattened(value, _depth + 1) if value.startswith("@{") else None
            properties[name] = value if nested is None else nested
    return PSObject((RECOVERED_TYPE,), properties, to_string=text)


class _Reader:
    """One pass over one file: the hook converts values, the walker records lines."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.line_starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        # The C scanner behind JSONDecoder.raw_decode, called directly: one value per call.
        decoder: Any = json.JSONDecoder(object_pairs_hook=self._hook)
        self.scan: Callable[[str, int], tuple[Any, int]] = make_scanner(decoder)
        self.recovered = 0
        self.flattened = 0
        self.duplicates: list[str] = []
        self.warnings: list[str] = []

    # -- positions -------------------------------------------------------------------
    def line_at(self, pos: int) -> int:
        return bisect_right(self.line_starts, pos)

    def error(self, message: str, pos: int) -> ReadError:
        line = self.line_at(pos)
        column = pos - self.line_starts[line - 1] + 1
        return ReadError(f"invalid JSON: {message} (column {column})", path=None, line=line)

    def skip_ws(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        return pos if match is None else match.end()

    # -- values ----------------------------------------------------------------------
    def convert(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.convert_str(value)
        if isinstance(value, list):
            return [self.convert(item) for item in value]
        return value

    def convert_str(self, value: str) -> Any:
        if value.startswith("/Date("):
            date = parse_date(value)
            if date is not None:
                return date
        elif value.startswith("@{"):
            recovered = recover_flattened(value)
            if recovered is not None:
                self.recovered += 1
                return recovered
        elif value.startswith("System.") and _TYPE_NAME_ONLY.fullmatch(value):
            self.flattened += 1
        return value

    def _hook(self, pairs: list[tuple[str, Any]]) -> PSObject:
        return PSObject((), self.properties(pairs))

    def properties(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for name, value in pairs:
            if name in props:
                self.duplicates.append(name)
            props[name] = self.convert(value)
        return props

    def value(self, pos: int) -> tuple[Any, int]:
        try:
            value, end = self.scan(self.text, pos)
        except StopIteration as stop:
            raise self.error("Expecting value", stop.value) from None
        except json.JSONDecodeError as err:
            raise self.error(err.msg, err.pos) from None
        except ValueError as err:  # e.g. an integer longer than Python's digit limit
            message = str(err)
            if "digits" in message:  # Python's own text suggests a fix for Python, not for the file
                message = "a number with more than 4300 digits: not a value PowerShell writes"
            raise self.error(message, pos) from None
        return value, end

    # -- top level -------------------------------------------------------------------
    def top_object(self, pos: int) -> tuple[PSObject, int]:
        """Parse ``{...}`` at ``pos`` by hand, so each property gets its line."""
        start = pos
        pairs: list[tuple[str, Any]] = []
        lines: dict[str, int] = {}
        pos = self.skip_ws(pos + 1)
        if self.text.startswith("}", pos):
            return PSObject((), {}, line=self.line_at(start), lines={}), pos + 1
        while True:
            if not self.text.startswith('"', pos):
                raise self.error("expecting a property name in double quotes", pos)
            name, after = self.value(pos)
            lines[name] = self.line_at(pos)
            pos = self.skip_ws(after)
            if not self.text.startswith(":", pos):
                raise self.error("expecting ':' after a property name", pos)
            pos = self.skip_ws(pos + 1)
            start_of_value = pos
            item, pos = self.value(pos)
            if isinstance(item, PSObject):
                item.line = self.line_at(start_of_value)
            pairs.append((name, item))
            pos = self.skip_ws(pos)
            if self.text.startswith(",", pos):
                pos = self.skip_ws(pos + 1)
                continue
            if self.text.startswith("}", pos):
                break
            raise self.error("expecting ',' or '}' after a property value", pos)
        obj = PSObject((), self.properties(pairs), line=self.line_at(start), lines=lines)
        return obj, pos + 1

    def element(self, pos: int) -> tuple[Any, int]:
        if self.text.startswith("{", pos):
            return self.top_object(pos)
        item, end = self.value(pos)
        return self.convert(item), end

    def top_value(self, pos: int, out: list[Any]) -> int:
        if not self.text.startswith("[", pos):
            item, pos = self.element(pos)
            out.append(item)
            return pos
        pos = self.skip_ws(pos + 1)
        if self.text.startswith("]", pos):
            return pos + 1
        while True:
            item, pos = self.element(pos)
            out.append(item)
            pos = self.skip_ws(pos)
            if self.text.startswith(",", pos):
                pos = self.skip_ws(pos + 1)
                continue
            if self.text.startswith("]", pos):
                return pos + 1
            raise self.error("expecting ',' or ']' between array elements", pos)

    def skip_noise(self, pos: int) -> int:
        """Skip blank, prompt and ``WARNING:`` lines (recording the warnings) from a line start."""
        while pos < len(self.text):
            line_no = self.line_at(pos)
            end = self.line_starts[line_no] if line_no < len(self.line_starts) else len(self.text)
            line = self.text[pos:end]
            stripped = strip_ansi(line).strip().lstrip("\ufeff")
            if stripped and not is_warning_line(line) and not is_prompt_line(line):
                return pos + len(line) - len(line.lstrip(" \t\ufeff"))
            if stripped and is_warning_line(line):
                self.warnings.append(f"line {line_no}: PowerShell printed {stripped!r}")
            pos = end
        return pos

    def read(self) -> list[Any]:
        objects: list[Any] = []
        pos = self.skip_noise(0)
        if pos >= len(self.text):
            raise UnsupportedFormatError("no JSON text found (only blank or WARNING lines)")
        while pos < len(self.text):
            if self.text[pos] not in "{[":
                raise self.error("expecting '{' or '[' at the start of a JSON text", pos)
            pos = self.top_value(pos, objects)
            pos = self.skip_ws(pos)
            if pos < len(self.text):
                line_start = self.line_starts[self.line_at(pos) - 1]
                if self.text[line_start:pos].strip(" \t"):
                    raise self.error("unexpected text after the JSON value", pos)
                pos = self.skip_noise(line_start)
        return objects


def read_json(decoded: Decoded, path: str) -> Document:
    """Read ConvertTo-Json output; ``ReadError`` with line and column on invalid JSON."""
    reader = _Reader(decoded.text, path)
    try:
        objects = reader.read()
    except RecursionError:
        raise ReadError("JSON nesting is too deep to read") from None
    warnings = list(decoded.warnings) + reader.warnings
    if reader.recovered:
        warnings.append(
            f"{reader.recovered} value(s) were deeper than ConvertTo-Json -Depth and written as "
            f"'@{{...}}' text; they were parsed back as {RECOVERED_TYPE} objects with string values"
        )
    if reader.flattened:
        warnings.append(
            f"{reader.flattened} value(s) were deeper than ConvertTo-Json -Depth and written only as "
            "their type name (e.g. 'System.Object[]'); their content is lost: export with a larger -Depth"
        )
    if reader.duplicates:
        names = ", ".join(sorted(set(reader.duplicates)))
        warnings.append(f"duplicate JSON keys ({names}): the last value of each was kept")
    return Document(
        path=path,
        format="json",
        encoding=decoded.encoding,
        objects=objects,
        newline=decoded.newline,
        warnings=warnings,
    )
