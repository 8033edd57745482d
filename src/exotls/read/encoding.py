"""Text encoding and line endings, detected from the bytes alone.

Windows PowerShell 5.1 and reg.exe write UTF-16LE with a BOM, PowerShell 7 writes
UTF-8 without one, ``Set-Content`` writes the ANSI code page (cp1252), and files
re-encoded by editors or git can be anything in between.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from exotls.errors import ReadError

__all__ = ["Decoded", "decode"]

# (BOM, codec, name in reports), longest BOM first.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-bom"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le-bom"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be-bom"),
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text (BOM removed) with what was detected; ``data`` is the original bytes."""

    text: str
    encoding: str
    newline: str
    data: bytes


def _newline_style(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    kinds = [name for name, count in (("crlf", crlf), ("lf", lf), ("cr", cr)) if count]
    if not kinds:
        return "none"
    return kinds[0] if len(kinds) == 1 else "mixed"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 with no BOM shows as NUL bytes in every other position of ASCII text."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
        return "utf-16-le"
    if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
        return "utf-16-be"
    return None


def decode(data: bytes) -> Decoded:
    """Decode export bytes; raise ``ReadError`` for empty or binary content."""
    if not data.strip(b"\x00 \t\r\n"):
        raise ReadError("file is empty")
    text: str | None = None
    name = ""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as err:
                raise ReadError(f"bytes are not valid {label} after its byte order mark (offset {err.start})") from None
            name = label
            break
    if text is None:
        guess = _utf16_without_bom(data)
        if guess is not None:
            try:
                text, name = data.decode(guess), guess
            except UnicodeDecodeError:
                text = None
    if text is None:
        try:
            text, name = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, name = data.decode("cp1252", errors="replace"), "cp1252"
    if not text.strip("\ufeff \t\r\n"):
        raise ReadError("file holds no content (only a byte order mark or white space)")
    if "\x00" in text:
        raise ReadError("file contains NUL characters: binary data or an encoding that does not match its bytes")
    return Decoded(text=text, encoding=name, newline=_newline_style(text), data=data)
