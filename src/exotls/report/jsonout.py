"""The JSON report: the public contract, byte-identical for equal reports.

Field order is the model's (pydantic keeps declaration order), so no ``sort_keys``:
the reader sees ``schema_version`` and ``tool`` first. No wall-clock time is added.
pydantic writes the JSON itself: building the same text through ``json.dumps`` of a
dict took several times longer and most of the memory on large fleets.

The lists that grow with the fleet (inputs, servers, findings) are written a slice at a
time (``json_chunks``). One ``model_dump_json`` of a 10,000-server report is a 440 MB
string grown in one buffer: it took 20x the time of a 1,000-server report, not 10x, and
its buffers and copies doubled the run's peak memory. The pieces join to exactly the
bytes ``model_dump_json(indent=2)`` writes, which the tests hold them to.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from exotls.model import Report

__all__ = ["json_chunks", "render_json"]

_GROWING = ("inputs", "servers", "findings")  # top-level lists, in the model's field order
_SLICE = 256  # items per serializer call: big enough to amortize the call, small enough to stay flat


@cache
def _list_adapter(field: str) -> TypeAdapter[list[Any]]:
    annotation: Any = Report.model_fields[field].annotation  # list[InputFile], list[Server], ...
    return TypeAdapter(annotation)


def _items(field: str, items: list[Any]) -> Iterator[bytes]:
    """``items`` as the body of a list two levels deep: each slice is serialized as a
    top-level list (``[\\n  {...}\\n]``), loses its brackets and is indented by two more."""
    adapter = _list_adapter(field)
    for start in range(0, len(items), _SLICE):
        text = adapter.dump_json(items[start : start + _SLICE], indent=2)
        yield (b"," if start else b"") + text[1:-2].replace(b"\n", b"\n  ")


def json_chunks(report: Report) -> Iterator[bytes]:
    """``render_json(report)`` as UTF-8 pieces, for writing a large report without holding it."""
    shell = report.model_copy(update={field: [] for field in _GROWING})
    head = shell.__pydantic_serializer__.to_json(shell, indent=2)
    pos = 0
    for field in _GROWING:
        # Top-level keys are the only ones indented by exactly two spaces, and JSON strings
        # hold no raw line breaks, so this marker occurs once.
        marker = b'\n  "' + field.encode() + b'": []'
        bracket = head.index(marker, pos) + len(marker) - 2
        items = getattr(report, field)
        if not items:
            continue
        yield head[pos : bracket + 1]
        yield from _items(field, items)
        yield b"\n  ]"
        pos = bracket + 2
    yield head[pos:] + b"\n"


def render_json(report: Report) -> str:
    """``report`` as indented UTF-8 JSON text with a trailing newline."""
    return b"".join(json_chunks(report)).decode("utf-8")
