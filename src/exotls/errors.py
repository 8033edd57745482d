"""One error family, so callers catch ``ExotlsError`` and the CLI never shows a traceback.

Each error can name the file and the line it is about; ``str(err)`` reads
``path:line: reason`` so a message is useful on its own in a log or a report.
"""

from __future__ import annotations

__all__ = [
    "ExotlsError",
    "InvalidBuildError",
    "ReadError",
    "ReleaseDataError",
    "RuleDefinitionError",
    "UnsafeInputError",
    "UnsupportedFormatError",
    "UsageError",
]


class ExotlsError(Exception):
    """Base of every error exotls raises on purpose."""

    def __init__(self, reason: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.reason}" if where else self.reason

    def at(self, path: str) -> ExotlsError:
        """Attach the file name when the error was raised below the file layer."""
        if self.path is None:
            self.path = path
        return self


class ReadError(ExotlsError, ValueError):
    """A file could not be read as any supported export format."""


class UnsupportedFormatError(ReadError):
    """The bytes are readable text but not a format exotls knows."""


class UnsafeInputError(ReadError):
    """The file uses a construct PowerShell never writes and that could be an attack (DOCTYPE, entities)."""


class InvalidBuildError(ExotlsError, ValueError):
    """A string is not an Exchange build in one of the accepted forms."""


class ReleaseDataError(ExotlsError, ValueError):
    """A release table file is malformed."""


class RuleDefinitionError(ExotlsError):
    """A rule's metadata is invalid (raised when the rules are loaded)."""


class UsageError(ExotlsError, ValueError):
    """The caller asked for something impossible (bad option value, no input)."""
