"""PowerShell's ``_xHHHH_`` string escapes, undone exactly as ``XmlConvert.DecodeName`` does.

CLIXML escapes control characters, surrogate halves and a literal ``_x`` so that XML
cannot normalise them away (formats.md a.5). One left-to-right pass: ``_x`` or ``_X``,
then 8 or 4 hex digits in either case, then ``_``. Eight digits are a code point, four
are a UTF-16 code unit; surrogate pairs are joined afterwards and lone halves are kept.
Anything else (``_xtra_``, ``_x12_``) stays literal.
"""

from __future__ import annotations

import re

__all__ = ["decode_ps", "has_escape"]

_ESCAPE = re.compile(r"_[xX](?:([0-9A-Fa-f]{8})|([0-9A-Fa-f]{4}))_")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unit(match: re.Match[str]) -> str:
    eight = match.group(1)
    if eight is not None:
        point = int(eight, 16)
        # Beyond Unicode there is no character to produce: keep the text as written.
        return chr(point) if point <= 0x10FFFF else match.group(0)
    return chr(int(match.group(2), 16))


def has_escape(text: str) -> bool:
    """Cheap pre-check so the regex only runs on the few strings that need it."""
    return "_x" in text or "_X" in text


def decode_ps(text: str) -> str:
    """Undo ``_xHHHH_`` escapes; join surrogate pairs, keep lone surrogates as they are."""
    if "_x" not in text and "_X" not in text:
        return text
    out = _ESCAPE.sub(_unit, text)
    if _SURROGATE.search(out) is None:
        return out
    # A round trip through UTF-16 pairs adjacent halves; surrogatepass keeps lone ones.
    return out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
