"""Text encoding and line endings, detected from the bytes alone.

Windows PowerShell 5.1 and reg.exe write UTF-16LE with a BOM, PowerShell 7 writes
UTF-8 without one, ``Set-Content`` writes the ANSI code page (cp1252), and files
re-encoded by editors or git can be anything in between.

Decisions worth knowing:

* A BOM wins over every guess. UTF-32 BOMs are checked before UTF-16 ones because
  ``FF FE 00 00`` starts with the UTF-16LE BOM.
* A UTF-8 BOM in front of UTF-16 content (a BOM that lies, left by tools that blindly
  prepend one) is read as the UTF-16 it really is, with a warning, rather than refused:
  the content is unambiguous once the NUL pattern is seen.
* Text that is not valid UTF-8 is read as cp1252, the Western ANSI code page that
  ``Set-Content`` uses; the encoding is then named ``cp1252`` and a warning says so,
  because another ANSI code page would give other characters for bytes above 0x7F.
* NUL characters in decoded text mean binary data or a wrong guess: ``ReadError``.
* A file that starts with a well-known binary signature (a zip of the exports, an
  Outlook message, an .evtx log, a PDF or a screenshot: what a ticket attachment often
  really is) is refused up front with a message that names it, rather than decoded.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from exotls.errors import ReadError

__all__ = ["Decoded", "decode", "newline_style", "split_lines"]

# (BOM, codec, name in reports); UTF-32 first, because FF FE 00 00 starts with FF FE.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le-bom"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be-bom"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-bom"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le-bom"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be-bom"),
)

_CP1252_WARNING = (
    "file is not valid UTF-8 and has no byte order mark: read as Windows-1252 (cp1252, "
    "what Windows PowerShell 5.1 Set-Content writes); characters above 0x7F may be wrong "
    "if another ANSI code page was used"
)

# Signatures of binary files people attach instead of exports -> what to tell them.
_BINARY: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive: extract it and give exotls the files inside"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip archive: decompress it and give exotls the file inside"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: extract it and give exotls the files inside"),
    (b"Rar!\x1a\x07", "a RAR archive: extract it and give exotls the files inside"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Outlook message or Office document: save the export attached to it"),
    (b"ElfFile\x00", "a binary Windows event log (.evtx): export the events as XML (see `exotls collect-script`)"),
    (b"%PDF-", "a PDF document, not an export"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image (a screenshot?), not an export"),
    (b"\xff\xd8\xff", "a JPEG image (a screenshot?), not an export"),
    (b"MZ\x90\x00", "a Windows program, not an export"),
)

# Line breaks as Windows and PowerShell know them; str.splitlines would also split on
# U+0085, U+2028, form feeds and others, which can sit inside registry or JSON strings.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Decoded:
    """Decoded text (BOM removed) with what was detected; ``data`` is the original bytes.

    ``warnings`` are notes for the user about the decoding itself (a cp1252 fallback, a
    BOM that did not match the content); readers copy them into ``Document.warnings``.
    """

    text: str
    encoding: str
    newline: str
    data: bytes
    warnings: tuple[str, ...] = ()


def newline_style(text: str) -> str:
    """``crlf``, ``lf``, ``cr``, ``mixed`` or ``none``: how the lines of ``text`` end."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    cr = text.count("\r") - crlf
    kinds = [name for name, count in (("crlf", crlf), ("lf", lf), ("cr", cr)) if count]
    if not kinds:
        return "none"
    return kinds[0] if len(kinds) == 1 else "mixed"


def split_lines(text: str) -> list[str]:
    """Split on CRLF, LF or CR only; line ``n`` (1-based) is ``result[n - 1]``."""
    return _LINE_BREAK.split(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 with no BOM shows as NUL bytes in every other position of mostly-ASCII text."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    sample = sample[: len(sample) - len(sample) % 2]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
        return "utf-16-le"
    if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
        return "utf-16-be"
    return None


def _strict(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as err:
        line = data[: err.start].decode(codec, errors="replace").count("\n") + 1
        raise ReadError(
            f"bytes are not valid {label} (byte offset {err.start}): the file is truncated, "
            "binary, or was re-encoded wrongly",
            line=line,
        ) from None


def _from_bom(data: bytes) -> tuple[str, str, list[str]] | None:
    for bom, codec, label in _BOMS:
        if not data.startswith(bom):
            continue
        body = data[len(bom) :]
        if codec == "utf-8":
            # A UTF-8 BOM glued in front of UTF-16 text: trust the content, not the BOM.
            for inner_bom, inner_codec, inner_label in _BOMS[3:]:
                if body.startswith(inner_bom):
                    note = f"a UTF-8 byte order mark precedes {inner_label} content; read as {inner_label}"
                    return _strict(body[len(inner_bom) :], inner_codec, inner_label), inner_label, [note]
            guess = _utf16_without_bom(body)
            if guess is not None and len(body) % 2 == 0:
                note = f"a UTF-8 byte order mark precedes {guess} content; read as {guess}"
                return _strict(body, guess, guess), guess, [note]
        return _strict(body, codec, label), label, []
    return None


def decode(data: bytes) -> Decoded:
    """Decode export bytes; raise ``ReadError`` for empty, binary or undecodable content."""
    if not data.strip(b"\x00 \t\r\n"):
        raise ReadError("file is empty")
    for magic, what in _BINARY:
        if data.startswith(magic):
            raise ReadError(f"file is {what}", line=1)
    warnings: list[str] = []
    found = _from_bom(data)
    if found is not None:
        text, name, warnings = found
    else:
        guess = _utf16_without_bom(data)
        if guess is not None:
            if len(data) % 2:
                raise ReadError(
                    f"file looks like {guess} without a byte order mark but has an odd number of bytes"
                )
            text, name = _strict(data, guess, guess), guess
        else:
            try:
                text, name = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                text, name = data.decode("cp1252", errors="replace"), "cp1252"
                warnings.append(_CP1252_WARNING)
    if not text.strip("\ufeff \t\r\n"):
        raise ReadError("file holds no content (only a byte order mark or white space)")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ReadError(
            f"file contains NUL characters ({name}): binary data or an encoding that does not match its bytes",
            line=line,
        )
    return Decoded(text=text, encoding=name, newline=newline_style(text), data=data, warnings=tuple(warnings))
