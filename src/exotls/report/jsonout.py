"""The JSON report: the public contract, byte-identical for equal reports.

Field order is the model's (pydantic keeps declaration order), so no ``sort_keys``:
the reader sees ``schema_version`` and ``tool`` first. No wall-clock time is added.
"""

from __future__ import annotations

import json

from exotls.model import Report

__all__ = ["render_json"]


def render_json(report: Report) -> str:
    """``report`` as indented UTF-8 JSON text with a trailing newline."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
