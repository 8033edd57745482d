"""exotls: can TLS 1.0/1.1 be switched off on Exchange, and who would break?

Offline analysis of what Exchange admins export (Export-Clixml, ConvertTo-Json,
reg export, Format-List text, HealthChecker XML, logs). The public API:

- ``analyze(paths, *, as_of=None, ...) -> Report``: the whole job on files and folders.
- ``read(path) -> Document``: what exotls sees in one file.
- ``lookup(build, *, as_of=None) -> BuildInfo``: a build's release, support and TLS abilities.
- ``rules() -> list[RuleMeta]``: every rule with its metadata.

Names are imported lazily so that ``exotls --version`` starts fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "BuildInfo",
    "Document",
    "ExotlsError",
    "Finding",
    "Report",
    "RuleMeta",
    "Server",
    "__version__",
    "analyze",
    "lookup",
    "read",
    "rules",
]

_LAZY = {
    "analyze": "exotls.pipeline",
    "read": "exotls.readers",
    "Document": "exotls.readers",
    "lookup": "exotls.releases",
    "BuildInfo": "exotls.releases",
    "rules": "exotls.checks",
    "RuleMeta": "exotls.checks.meta",
    "Report": "exotls.model",
    "Server": "exotls.model",
    "Finding": "exotls.model",
    "ExotlsError": "exotls.errors",
}

if TYPE_CHECKING:
    from exotls.checks import rules
    from exotls.checks.meta import RuleMeta
    from exotls.errors import ExotlsError
    from exotls.model import Finding, Report, Server
    from exotls.pipeline import analyze
    from exotls.readers import Document, read
    from exotls.releases import BuildInfo, lookup


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'exotls' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
