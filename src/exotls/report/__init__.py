"""Renderers: one ``Report`` in, text out; the only place that formats for people or tools.

``render(report, "table")`` is the entry point; ``RENDERERS`` maps each format name to a
function with the same keyword signature, so a caller can list and pick formats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from exotls.checks.meta import RuleMeta
from exotls.errors import UsageError
from exotls.model import Report
from exotls.report.html import render_html
from exotls.report.jsonout import render_json
from exotls.report.markdown import render_markdown
from exotls.report.sarif import render_sarif
from exotls.report.table import render_table

__all__ = ["FORMATS", "RENDERERS", "Renderer", "render"]


class Renderer(Protocol):
    def __call__(
        self,
        report: Report,
        *,
        color: bool = False,
        width: int | None = None,
        rules: Sequence[RuleMeta] | None = None,
    ) -> str: ...


def _table(
    report: Report, *, color: bool = False, width: int | None = None, rules: Sequence[RuleMeta] | None = None
) -> str:
    return render_table(report, color=color, width=width, rules=rules)


def _json(
    report: Report, *, color: bool = False, width: int | None = None, rules: Sequence[RuleMeta] | None = None
) -> str:
    return render_json(report)  # never coloured, never wrapped


def _sarif(
    report: Report, *, color: bool = False, width: int | None = None, rules: Sequence[RuleMeta] | None = None
) -> str:
    return render_sarif(report, _registered() if rules is None else rules)


def _markdown(
    report: Report, *, color: bool = False, width: int | None = None, rules: Sequence[RuleMeta] | None = None
) -> str:
    return render_markdown(report, rules=rules)


def _html(
    report: Report, *, color: bool = False, width: int | None = None, rules: Sequence[RuleMeta] | None = None
) -> str:
    return render_html(report, rules=rules)


def _registered() -> list[RuleMeta]:
    """Every rule's metadata from the rules package (imported late: renderers do not need it)."""
    from exotls.checks import rules

    return rules()


RENDERERS: Mapping[str, Renderer] = {
    "table": _table,
    "json": _json,
    "sarif": _sarif,
    "markdown": _markdown,
    "html": _html,
}
FORMATS = tuple(RENDERERS)


def render(
    report: Report,
    fmt: str,
    *,
    color: bool = False,
    width: int | None = None,
    rules: Sequence[RuleMeta] | None = None,
) -> str:
    """``report`` in format ``fmt``; ``color`` and ``width`` matter only for ``table``.

    ``rules`` gives SARIF its rule descriptors and Markdown/HTML the rule titles; ``None``
    means every registered rule (``exotls.checks.rules()``). A rule id with no metadata still
    renders: SARIF then describes that rule from its findings.
    """
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        raise UsageError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return renderer(report, color=color, width=width, rules=_registered() if rules is None else rules)
