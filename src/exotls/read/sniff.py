"""Which export format a text is, from its content (never from the file name)."""

from __future__ import annotations

import re

from exotls.errors import UnsupportedFormatError
from exotls.read.values import Format

__all__ = ["detect_format", "skip_preamble"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Lines PowerShell 7 can leave before JSON output when the console was captured.
_WARNING = re.compile(r"^(?:\x1b\[[0-9;]*m)*WARNING:.*$", re.IGNORECASE)
_FL_LINE = re.compile(r"^[A-Za-z_][\w.-]*\s*: ")


def skip_preamble(text: str) -> tuple[str, int]:
    """Drop a BOM, blank lines and ``WARNING:`` lines; return the rest and lines skipped."""
    skipped = 0
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    for line in lines:
        if line.strip() == "" or _WARNING.match(line.strip()):
            skipped += 1
            continue
        break
    return "".join(lines[skipped:]), skipped


def detect_format(text: str) -> Format:
    body, _ = skip_preamble(text)
    head = _ANSI.sub("", body.lstrip()[:4096])
    if head.startswith("#< CLIXML"):
        return "clixml-stream"
    if head.startswith("<"):
        return "clixml"
    if head.startswith(("{", "[")) and not head.startswith("[HKEY"):
        return "json"
    if head.startswith(("Windows Registry Editor", "REGEDIT4")):
        return "reg"
    if head.startswith("[HKEY_"):
        raise UnsupportedFormatError(
            "looks like a .reg file but the 'Windows Registry Editor Version 5.00' header is missing"
        )
    if any(_FL_LINE.match(line) for line in head.splitlines()[:20]):
        return "format-list"
    raise UnsupportedFormatError("not a recognised export (CLIXML, ConvertTo-Json, .reg or Format-List text)")
