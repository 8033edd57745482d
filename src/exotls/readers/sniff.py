"""Which export format a text is, from its content (never from the file name).

The first significant line decides: ``#< CLIXML`` or ``<`` is CLIXML, ``{`` or ``[``
is ConvertTo-Json, a registry header is a .reg file, and ``Name : value`` is
Format-List text. Blank lines and PowerShell ``WARNING:`` lines (which a console
capture of ``ConvertTo-Json`` leaves in front of the JSON) are skipped first, as are
ANSI colour sequences.
"""

from __future__ import annotations

import re

from exotls.errors import ReadError, UnsupportedFormatError
from exotls.readers.values import Format

__all__ = ["ANSI_CSI", "detect_format", "is_prompt_line", "is_warning_line", "skip_preamble", "strip_ansi"]

# CSI sequences (colours, cursor moves): ESC [ parameters intermediates final.
ANSI_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_WARNING = re.compile(r"^WARNING:", re.IGNORECASE)
# A .reg key line without the header: [HKEY_..., [-HKEY_..., [HKLM\...
_REG_KEY = re.compile(r"^\[-?HK(?:EY_|LM|CU|CR|U\\|CC)", re.IGNORECASE)
_REG_HEADER = re.compile(r"^(?:Windows Registry Editor Version \d+\.\d+|REGEDIT4)\s*$", re.IGNORECASE)
# Headers regedit and reg.exe write; anything else that starts like one is a damaged .reg file.
_REG_HEADERS_KNOWN = ("windows registry editor version 5.00", "regedit4")
_REG_HEADER_LIKE = re.compile(r"^(?:Windows Registry Editor\b|REGEDIT\d*\s*$)", re.IGNORECASE)
# JSON text starts with an object, or an array whose first token is a JSON value.
_JSON_START = re.compile(r'^(?:\{|\[\s*(?:[\[\]{"\-0-9]|true|false|null|$))')
# "Name<pad> : value" or "Name<pad> :" (trailing space trimmed); names start with a non-space.
_FL_LINE = re.compile(r"^\S[^\r\n]*? :(?: |$)")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PROMPT = re.compile(r"^PS (?:(?! : )[^\r\n])*?>(?: |$)")  # "PS C:\\x> ", never a label


def strip_ansi(text: str) -> str:
    """Remove ANSI CSI sequences (PowerShell 7.2+ colours labels and warnings)."""
    return ANSI_CSI.sub("", text) if "\x1b" in text else text


def is_warning_line(line: str) -> bool:
    """True for a PowerShell ``WARNING:`` line, coloured or not."""
    return bool(_WARNING.match(strip_ansi(line).strip()))


def is_prompt_line(line: str) -> bool:
    """True for a pasted PowerShell prompt such as ``PS C:\\Users\\admin> Get-TransportConfig``."""
    return bool(_PROMPT.match(strip_ansi(line)))


def skip_preamble(text: str) -> tuple[str, int]:
    """Drop a BOM, blank lines and ``WARNING:`` lines; return the rest and lines skipped."""
    text = text.lstrip("\ufeff")
    skipped = 0
    pos = 0
    while pos < len(text):
        match = _LINE.match(text, pos)
        if match is None or match.end() == pos:
            break
        line = match.group()
        if strip_ansi(line).strip() and not is_warning_line(line):
            break
        skipped += 1
        pos = match.end()
    return text[pos:], skipped


def _first_lines(body: str, count: int) -> list[str]:
    head = strip_ansi(body[:8192])
    return [line for line in head.splitlines() if line.strip()][:count]


def _line_of(text: str, line: str) -> int | None:
    """1-based line of the first line that holds ``line`` (within the sniffed head), if found."""
    for number, candidate in enumerate(_LINE_BREAK.split(text[:65536]), 1):
        if line in strip_ansi(candidate):
            return number
    return None


def detect_format(text: str) -> Format:
    """Name the export format of ``text`` or raise ``UnsupportedFormatError``."""
    body, _ = skip_preamble(text[:65536])  # the decision needs only the first lines
    lines = [line for line in _first_lines(body, 8) if not is_prompt_line(line) and not is_warning_line(line)]
    if not lines:
        raise UnsupportedFormatError("file holds only blank, prompt or WARNING lines")
    first = lines[0].lstrip("\ufeff").strip()
    if first.startswith("#< CLIXML"):
        return "clixml-stream"
    if first.startswith("<"):
        return "clixml"
    if _REG_HEADER_LIKE.match(first) and first.casefold() not in _REG_HEADERS_KNOWN:
        # A damaged or hand-edited .reg file: an error the user should fix, not an ignored file.
        raise ReadError(
            f"looks like a .reg file but its header {first[:60]!r} is not "
            "'Windows Registry Editor Version 5.00' or 'REGEDIT4'",
            line=_line_of(text, first),
        )
    if _REG_HEADER.match(first):
        return "reg"
    if _REG_KEY.match(first):
        # A damaged export, not a file of another kind: an error the user should fix, not an ignored file.
        raise ReadError(
            "looks like a .reg file but the 'Windows Registry Editor Version 5.00' header is missing"
        )
    if _JSON_START.match(first):
        return "json"
    if _FL_LINE.match(lines[0]):
        return "format-list"
    raise UnsupportedFormatError("not a recognised export (CLIXML, ConvertTo-Json, .reg or Format-List text)")
