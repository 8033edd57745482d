"""The JSON report: the public contract, byte-identical for equal reports.

Field order is the model's (pydantic keeps declaration order), so no ``sort_keys``:
the reader sees ``schema_version`` and ``tool`` first. No wall-clock time is added.
pydantic writes the JSON itself: building the same text through ``json.dumps`` of a
dict took several times longer and most of the memory on large fleets.
"""

from __future__ import annotations

from exotls.model import Report

__all__ = ["render_json"]


def render_json(report: Report) -> str:
    """``report`` as indented UTF-8 JSON text with a trailing newline."""
    return report.model_dump_json(indent=2) + "\n"
