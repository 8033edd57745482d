"""``.reg`` files (``reg export``, regedit, hand-written) as ``RegKey`` and ``RegValue`` items.

What this reader decides, and why:

* The header is required: ``Windows Registry Editor Version 5.00`` (strings in ``hex(2)``
  and ``hex(7)`` data are UTF-16LE) or ``REGEDIT4`` (those bytes are the ANSI code page,
  read as cp1252). Without it the text is not a .reg file: ``UnsupportedFormatError``.
* Key roots are spelled out in full (``HKLM`` becomes ``HKEY_LOCAL_MACHINE``); the rest of
  the path is kept as written. Only the final ``]`` closes a key line, so names such as
  ``RC4 128/128`` or ``SKUs\\.NETFramework,Version=v4.0`` read unchanged.
* DWORDs are unsigned ints; ``hex(b)`` of 8 bytes is a REG_QWORD int (little-endian);
  ``hex(7)`` a list of strings; ``hex(2)`` a string cut at its first NUL; ``hex:`` (and
  ``hex(3)``) REG_BINARY bytes; ``hex(0)`` REG_NONE bytes. Any other ``hex(N)``, and a
  ``hex(b)``/``hex(2)``/``hex(7)`` whose bytes do not fit its type (wrong length, odd
  UTF-16), keeps its bytes under the type ``hex(N)`` with a warning: the data is odd, not
  the syntax, and the rest of the file is still worth reading.
* Inside quotes only ``\\\\`` and ``\\"`` are escapes (what regedit writes); any other
  backslash is kept as written, because hand-written files often contain bare paths.
* A line that breaks the syntax (``dword:xyz``, nine hex digits, a bad byte, a missing
  continuation, a value before any key, an unknown type) is a ``ReadError`` naming the
  line: a value that is silently dropped would later read as "not configured".
* ``"x"=-`` and ``[-KEY]`` are deletions: the file is a change script, not an export.
  ``Document.change_script`` is set, a warning says so, and the keys are still returned
  (deleted values have type ``""`` and data ``None``).
* A key written twice is merged into its first ``RegKey``; a value written twice in a key
  keeps the last data (as an import would), with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from exotls.errors import ReadError, UnsupportedFormatError
from exotls.readers.encoding import Decoded, split_lines
from exotls.readers.values import Document, RegKey, RegValue

__all__ = ["CHANGE_SCRIPT_WARNING", "ROOTS", "read_reg"]

CHANGE_SCRIPT_WARNING = "this .reg file deletes keys or values: it is a change script, not an export"

# Root spellings regedit accepts, each mapped to the full name (keys are upper case).
ROOTS: dict[str, str] = {
    "HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE",
    "HKLM": "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
    "HKCU": "HKEY_CURRENT_USER",
    "HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT",
    "HKCR": "HKEY_CLASSES_ROOT",
    "HKEY_USERS": "HKEY_USERS",
    "HKU": "HKEY_USERS",
    "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
    "HKCC": "HKEY_CURRENT_CONFIG",
    "HKEY_PERFORMANCE_DATA": "HKEY_PERFORMANCE_DATA",
    "HKEY_DYN_DATA": "HKEY_DYN_DATA",
}

# Header line (case-folded) -> charset of string data inside hex(2)/hex(7) bytes.
_HEADERS: dict[str, str] = {
    "windows registry editor version 5.00": "utf-16-le",
    "regedit4": "cp1252",
}

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL)
_UNESCAPE = re.compile(r'\\([\\"])')
_TAIL = re.compile(r"[ \t]*(?:;.*)?")
_HEX_PREFIX = re.compile(r"hex(?:\(([0-9a-fA-F]{1,8})\))?:", re.IGNORECASE)
_DWORD = re.compile(r"[0-9a-fA-F]{1,8}")
_BYTE = re.compile(r"[0-9a-fA-F]{1,2}")
# What reg.exe writes: two-digit bytes separated by commas, maybe a trailing comma.
_CANONICAL_HEX = re.compile(r"(?:[0-9a-fA-F]{2},)*(?:[0-9a-fA-F]{2},?)?")

Data = int | str | bytes | list[str] | None


def _text(raw: bytes, charset: str) -> str | None:
    if charset == "utf-16-le" and len(raw) % 2:
        return None
    return raw.decode(charset, errors="replace")


def _expand_sz(raw: bytes, charset: str) -> Data:
    text = _text(raw, charset)
    return None if text is None else text.split("\x00", 1)[0]


def _multi_sz(raw: bytes, charset: str) -> Data:
    text = _text(raw, charset)
    if text is None:
        return None
    for _ in range(2):  # each string's NUL, then the list's final NUL
        if text.endswith("\x00"):
            text = text[:-1]
    return text.split("\x00") if text else []


def _qword(raw: bytes, charset: str) -> Data:
    return int.from_bytes(raw, "little") if len(raw) == 8 else None


def _binary(raw: bytes, charset: str) -> Data:
    return bytes(raw)


# hex(N) type number -> (registry type name, decoder returning None when bytes do not fit).
_HEX_TYPES: dict[int, tuple[str, Callable[[bytes, str], Data]]] = {
    0x0: ("REG_NONE", _binary),
    0x2: ("REG_EXPAND_SZ", _expand_sz),
    0x3: ("REG_BINARY", _binary),
    0x7: ("REG_MULTI_SZ", _multi_sz),
    0xB: ("REG_QWORD", _qword),
}


def _unquote(body: str) -> str:
    return _UNESCAPE.sub(r"\1", body) if "\\" in body else body


class _RegReader:
    """Walks the lines once; ``index`` is the 0-based line being read."""

    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        self.index = 0
        self.charset = "utf-16-le"
        self.keys: list[RegKey] = []
        self.by_path: dict[str, RegKey] = {}
        self.current: RegKey | None = None
        self.names: dict[int, dict[str, str]] = {}  # id(RegKey) -> folded value name -> name
        self.warnings: list[str] = []
        self.deletes = False

    def fail(self, reason: str, line: int | None = None) -> ReadError:
        return ReadError(reason, line=self.index + 1 if line is None else line)

    # -- header and dispatch -----------------------------------------------------------
    def read_header(self) -> None:
        while self.index < len(self.lines):
            first = self.lines[self.index].strip().lstrip("\ufeff").strip()
            if first:
                charset = _HEADERS.get(first.casefold())
                if charset is None:
                    raise UnsupportedFormatError(
                        "not a .reg file: the first line must be 'Windows Registry Editor Version 5.00' "
                        "or 'REGEDIT4'",
                        line=self.index + 1,
                    )
                self.charset = charset
                self.index += 1
                return
            self.index += 1
        raise UnsupportedFormatError("not a .reg file: no header line")

    def read(self) -> list[RegKey]:
        self.read_header()
        while self.index < len(self.lines):
            line = self.lines[self.index].strip()
            if line and not line.startswith(";"):
                if line.startswith("["):
                    self.read_key(line)
                elif line.startswith(('"', "@")):
                    self.read_value(line)
                else:
                    raise self.fail(f"not a key, value or comment line: {line[:60]!r}")
            self.index += 1
        return self.keys

    # -- keys --------------------------------------------------------------------------
    def read_key(self, line: str) -> None:
        if not line.endswith("]") or len(line) < 2:
            raise self.fail("a key line must end with ']'")
        inner = line[1:-1]
        deleted = inner.startswith("-")
        if deleted:
            inner = inner[1:]
            self.deletes = True
        root, _, rest = inner.partition("\\")
        full = ROOTS.get(root.strip().upper())
        if full is None:
            raise self.fail(f"unknown registry root {root.strip()!r}")
        rest = rest.rstrip("\\")
        path = f"{full}\\{rest}" if rest else full
        folded = path.casefold()
        existing = None if deleted else self.by_path.get(folded)
        if existing is not None:
            self.current = existing
            return
        key = RegKey(path=path, line=self.index + 1, deleted=deleted)
        self.keys.append(key)
        if not deleted:
            self.by_path[folded] = key
        self.current = key

    # -- values ------------------------------------------------------------------------
    def read_value(self, line: str) -> None:
        key = self.current
        if key is None:
            raise self.fail("a value line before any [key] line")
        start = self.index + 1
        if line.startswith("@"):
            name, pos = "", 1
        else:
            match = _QUOTED.match(line)
            if match is None:
                raise self.fail("value name has no closing double quote")
            name, pos = _unquote(match.group(1)), match.end()
        rest = line[pos:].lstrip(" \t")
        if not rest.startswith("="):
            raise self.fail("expected '=' after the value name")
        data = rest[1:].lstrip(" \t")
        self.store(key, self.parse_data(name, data, start))

    def parse_data(self, name: str, data: str, start: int) -> RegValue:
        if data.startswith('"'):
            match = _QUOTED.match(data)
            if match is None:
                raise self.fail("string value has no closing double quote")
            self.check_tail(data[match.end() :])
            return RegValue(name, "REG_SZ", _unquote(match.group(1)), line=start)
        if data.startswith("-") and _TAIL.fullmatch(data[1:]):
            self.deletes = True
            return RegValue(name, "", None, line=start, deleted=True)
        if data[:6].casefold() == "dword:":
            digits = data[6:].split(";", 1)[0].strip()
            if not _DWORD.fullmatch(digits):
                raise self.fail(f"invalid DWORD {digits!r}: expected 1 to 8 hexadecimal digits")
            return RegValue(name, "REG_DWORD", int(digits, 16), line=start)
        prefix = _HEX_PREFIX.match(data)
        if prefix is None:
            if not data.split(";", 1)[0].strip():
                raise self.fail(f"value {name!r} has no data after '='")
            raise self.fail(f"unknown value type in {data[:40]!r}")
        number = 3 if prefix.group(1) is None else int(prefix.group(1), 16)
        raw = self.hex_bytes(data[prefix.end() :])
        return self.typed(name, number, raw, start)

    def check_tail(self, tail: str) -> None:
        if not _TAIL.fullmatch(tail):
            raise self.fail(f"unexpected text after the value: {tail.strip()[:40]!r}")

    def hex_bytes(self, text: str) -> bytes:
        """Read comma-separated bytes, following ``\\`` continuation lines."""
        out = bytearray()
        while True:
            body = text.split(";", 1)[0].rstrip()
            more = body.endswith("\\")
            if more:
                body = body[:-1]
            if _CANONICAL_HEX.fullmatch(body):
                out += bytes.fromhex(body.replace(",", ""))
            else:
                self.parse_tokens(body, out)
            if not more:
                return bytes(out)
            self.index += 1
            if self.index >= len(self.lines):
                raise self.fail("hex data ends with '\\' but the file ends", line=self.index)
            text = self.lines[self.index].strip()
            if not text:
                raise self.fail("blank line where the continuation of hex data was expected")

    def parse_tokens(self, body: str, out: bytearray) -> None:
        """Hand-written hex: spaces allowed, one-digit bytes; errors name the bad token."""
        tokens = body.split(",")
        last = len(tokens) - 1
        for position, token in enumerate(tokens):
            token = token.strip()
            if not token and position == last:
                break
            if not _BYTE.fullmatch(token):
                raise self.fail(f"invalid byte {token!r} in hex data: expected two hexadecimal digits")
            out.append(int(token, 16))

    def typed(self, name: str, number: int, raw: bytes, start: int) -> RegValue:
        known = _HEX_TYPES.get(number)
        if known is not None:
            type_name, decoder = known
            data = decoder(raw, self.charset)
            if data is not None:
                return RegValue(name, type_name, data, line=start)
            self.warnings.append(
                f"line {start}: value {name!r} is {type_name} but its {len(raw)} bytes do not fit that "
                f"type; kept as raw bytes of type hex({number:x})"
            )
        return RegValue(name, f"hex({number:x})", bytes(raw), line=start)

    def store(self, key: RegKey, value: RegValue) -> None:
        """Value names are case-insensitive in the registry: a repeat replaces the first."""
        names = self.names.setdefault(id(key), {})
        folded = value.name.casefold()
        existing = names.get(folded)
        if existing is not None:
            self.warnings.append(
                f"line {value.line}: value {value.name!r} of [{key.path}] is written twice; the last one is kept"
            )
            del key.values[existing]
        names[folded] = value.name
        key.values[value.name] = value


def read_reg(decoded: Decoded, path: str) -> Document:
    """Read a .reg file into ``RegKey`` objects (file order, values in stored order)."""
    reader = _RegReader(decoded.text)
    keys = reader.read()
    warnings = list(decoded.warnings) + reader.warnings
    if reader.deletes:
        warnings.insert(0, CHANGE_SCRIPT_WARNING)
    return Document(
        path=path,
        format="reg",
        encoding=decoded.encoding,
        objects=list(keys),
        newline=decoded.newline,
        warnings=warnings,
        change_script=reader.deletes,
    )
