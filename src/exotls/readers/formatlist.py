"""Format-List text (``Get-TransportConfig | fl`` saved or pasted) as neutral values.

How PowerShell writes it (ListWriter and StringManipulationHelper in the PowerShell
source): each property line is the name padded to the longest name of that object, then
`` : ``, then the value; the label width ``L`` is that longest name plus 3. A value longer
than the field (console width minus ``L``) continues on lines indented by exactly ``L``
spaces. In en, fr, de, it, pt and es cultures the break falls after a space (which stays
at the end of the broken line) and only words wider than the field are cut; in other
cultures the value is cut at the field width. Either way the pieces concatenate back to
the value, and a piece can begin with a space (``L + 1`` leading spaces: keep one).

What this reader decides, and why:

* Records are separated by blank lines; each becomes ``PSObject(type_names=())`` with
  properties in order, ``line`` at its first property and ``lines[name]`` per property.
* Values stay strings, exactly as displayed: ``True``, ``{a, b}``, dates in the
  viewer's culture. The extract layer interprets them (``split_fl_list`` helps with
  lists). An empty value reads ``""``: Format-List prints null and empty alike.
* Trailing spaces of a value cannot be told apart from console padding: they are dropped.
* When the text's trailing spaces were trimmed (a console copy: empty values show as
  ``Name :``), the space that ended a wrapped line is lost too. The reader then puts a space
  back at each break unless the broken line filled the field and the word across the break
  is wider than the field (a cut word); this is a best-effort guess and a warning says so.
* A value that itself contained a line break reads as if it had wrapped: Format-List
  output alone cannot tell the two apart.
* ANSI colour sequences (PowerShell 7.2+ colours the labels), a ``PS ...>`` prompt line
  and ``WARNING:`` lines are skipped; any other line that is not ``Name : value`` or a
  continuation means the text is not Format-List output: ``UnsupportedFormatError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exotls.errors import UnsupportedFormatError
from exotls.readers.encoding import Decoded, split_lines
from exotls.readers.sniff import is_prompt_line, is_warning_line, strip_ansi
from exotls.readers.values import Document, PSObject

__all__ = ["read_format_list", "split_fl_list"]

_SEPARATOR = " : "
_ELLIPSES = ("...", "\u2026")  # 5.1 writes three dots, PowerShell 6.2+ the ellipsis character


def split_fl_list(value: str) -> tuple[list[str], bool]:
    """Split a displayed collection ``{a, b, c...}`` into items and a ``truncated`` flag.

    ``truncated`` is true when ``$FormatEnumerationLimit`` cut the list (the trailing
    ``...`` or ``…``): the items shown are then only the first ones. A value without
    braces is a single item (``[]`` when empty). Items are split on ``", "``, the
    separator PowerShell writes, so an item that itself contains ``", "`` is split too.
    """
    text = value.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return ([text] if text else []), False
    inner = text[1:-1]
    truncated = False
    for ellipsis in _ELLIPSES:
        if inner.endswith(ellipsis):
            inner = inner[: -len(ellipsis)]
            truncated = True
            break
    if not inner.strip():
        return [], truncated
    return inner.split(", "), truncated


@dataclass(slots=True)
class _Property:
    name: str
    line: int
    label: int  # L: where the value starts on the property line and continuations
    pieces: list[str] = field(default_factory=list)
    cut: list[bool] = field(default_factory=list)  # per break: piece before it filled its line


def _separator_columns(line: str) -> set[int]:
    columns = {m.start() for m in re.finditer(r"(?= : )", line)}
    if line.endswith(" :"):
        columns.add(len(line) - 2)
    return columns


class _ListReader:
    def __init__(self, text: str) -> None:
        self.lines = split_lines(strip_ansi(text))
        if self.lines:
            self.lines[0] = self.lines[0].lstrip("\ufeff")
        self.warnings: list[str] = []
        self.misaligned = 0
        self.trimmed = self._trailing_spaces_trimmed()
        self.width = max((len(line) for line in self.lines), default=0)

    def _trailing_spaces_trimmed(self) -> bool:
        """Empty values written as ``Name :`` and no line ending in a space: a console copy."""
        bare_empty = any(line.endswith(" :") and not line[:1].isspace() for line in self.lines)
        return bare_empty and not any(line.endswith(" ") for line in self.lines)

    def groups(self) -> list[list[int]]:
        """Indexes of consecutive non-blank lines, minus prompt and WARNING lines.

        A line of spaces at least as long as the group's label width is a wrapped piece
        of spaces, not a separator: PowerShell writes separators as empty lines.
        """
        groups: list[list[int]] = []
        current: list[int] = []
        label = 0
        for index, line in enumerate(self.lines):
            if not line.strip():
                if current and label and len(line) >= label:
                    current.append(index)
                    continue
                if current:
                    groups.append(current)
                current = []
            elif line[:1] in "Ww\x1b" and is_warning_line(line):
                self.warnings.append(f"line {index + 1}: PowerShell printed {line.strip()!r}")
            elif not current and is_prompt_line(line):
                continue
            else:
                if not current:
                    label = min(_separator_columns(line), default=-3) + len(_SEPARATOR)
                current.append(index)
        if current:
            groups.append(current)
        return groups

    def label_column(self, group: list[int]) -> int | None:
        """The one column of `` : `` shared by every property line of the group, if any."""
        first = self.lines[group[0]]
        column = first.find(_SEPARATOR)
        if column < 0 and first.endswith(" :"):
            column = len(first) - 2
        if column >= 0 and all(
            line.startswith(_SEPARATOR, column) or (len(line) == column + 2 and line.endswith(" :"))
            for line in (self.lines[index] for index in group)
            if not line[:1].isspace()
        ):
            return column  # the usual case, checked in one pass
        shared: set[int] | None = None
        for index in group:
            line = self.lines[index]
            if line[:1].isspace():
                continue
            columns = _separator_columns(line)
            shared = columns if shared is None else shared & columns
            if not shared:
                return None
        return min(shared) if shared else None

    def properties(self, group: list[int]) -> list[_Property]:
        column = self.label_column(group)
        if column is None:
            self.warnings.append(
                f"line {group[0] + 1}: labels are not aligned as Format-List writes them; each line was "
                "split at its first ' : '"
            )
        props: list[_Property] = []
        for index in group:
            line = self.lines[index]
            if line[:1].isspace():
                if not props:
                    raise UnsupportedFormatError(
                        "not Format-List text: an indented line comes before any 'Name : value' line",
                        line=index + 1,
                    )
                self.add_piece(props[-1], line)
                continue
            sep = column if column is not None else min(_separator_columns(line), default=-1)
            if sep < 0:
                raise UnsupportedFormatError(
                    f"not Format-List text: line is not 'Name : value': {line.strip()[:60]!r}", line=index + 1
                )
            prop = _Property(name=line[:sep].rstrip(), line=index + 1, label=sep + len(_SEPARATOR))
            prop.pieces.append(line[prop.label :])
            props.append(prop)
        return props

    def add_piece(self, prop: _Property, line: str) -> None:
        previous = prop.pieces[-1]
        prop.cut.append(prop.label + len(previous) >= self.width)
        if len(line) - len(line.lstrip(" ")) >= prop.label:
            prop.pieces.append(line[prop.label :])
        else:
            self.misaligned += 1
            prop.pieces.append(line.lstrip())

    def join(self, prop: _Property) -> str:
        if not self.trimmed or len(prop.pieces) == 1:
            return "".join(prop.pieces).rstrip()
        field_width = self.width - prop.label
        out = prop.pieces[0]
        for piece, filled in zip(prop.pieces[1:], prop.cut, strict=True):
            word = out.rsplit(" ", 1)[-1] + piece.split(" ", 1)[0]
            cut_word = filled and len(word) > field_width
            out += piece if cut_word or piece.startswith(" ") else " " + piece
        return out.rstrip()

    def read(self) -> list[PSObject]:
        objects: list[PSObject] = []
        groups = self.groups()
        if not groups:
            raise UnsupportedFormatError("not Format-List text: no 'Name : value' lines")
        rejoined = False
        for group in groups:
            values: dict[str, str] | None = None
            lines: dict[str, int] = {}
            for prop in self.properties(group):
                if values is None or prop.name in values:
                    if values is not None:
                        self.warnings.append(
                            f"line {prop.line}: property {prop.name!r} repeats without a blank line; "
                            "read as the start of a new object"
                        )
                    values, lines = {}, {}
                    objects.append(PSObject((), values, line=prop.line, lines=lines))
                rejoined = rejoined or len(prop.pieces) > 1
                values[prop.name] = self.join(prop)
                lines[prop.name] = prop.line
        if self.misaligned:
            self.warnings.append(
                f"{self.misaligned} continuation line(s) were not indented by the label width; "
                "their leading spaces were dropped"
            )
        if self.trimmed and rejoined:
            self.warnings.append(
                "trailing spaces were trimmed from this text (a console copy?): wrapped values were "
                "rejoined with a best-effort guess at the spaces lost at line breaks"
            )
        return objects


def read_format_list(decoded: Decoded, path: str) -> Document:
    """Read Format-List text: one PSObject of string values per record."""
    reader = _ListReader(decoded.text)
    objects = reader.read()
    return Document(
        path=path,
        format="format-list",
        encoding=decoded.encoding,
        objects=list(objects),
        newline=decoded.newline,
        warnings=list(decoded.warnings) + reader.warnings,
    )
