"""Which files a run reads: files, folders (recursive) and globs, each reported once.

Every path the user gave ends up either in the returned list or as an ``InputFile``
explaining why it was not read (missing, a duplicate of another, a link loop), so the
report's counts always add up.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from exotls.model import InputFile

__all__ = ["Candidate", "discover", "display_path"]

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file to read: its real path, its printable name, and the folder the user named (if any)."""

    path: str
    display: str
    root: str | None


def display_path(path: str) -> str:
    """A printable path even when the file name is not valid UTF-8."""
    return os.fsencode(path).decode("utf-8", errors="replace").replace("\\", "/")


def _walk(folder: str) -> tuple[list[str], list[InputFile]]:
    files: list[str] = []
    notes: list[InputFile] = []

    def failed(err: OSError) -> None:
        notes.append(InputFile(path=display_path(str(err.filename or folder)), status="error",
                               error=f"cannot list folder: {err.strerror or err}"))

    for current, dirs, names in os.walk(folder, onerror=failed, followlinks=False):
        dirs.sort()
        for name in list(dirs):
            full = os.path.join(current, name)
            if os.path.islink(full):
                notes.append(InputFile(path=display_path(full), status="ignored",
                                       error="symbolic link to a folder: not followed (avoids loops)"))
        files.extend(os.path.join(current, name) for name in sorted(names))
    return files, notes


def discover(paths: Sequence[str | Path]) -> tuple[list[Candidate], list[InputFile]]:
    """Expand the user's paths; return files to read and entries for paths that cannot be read."""
    found: list[Candidate] = []
    notes: list[InputFile] = []
    for given in paths:
        text = os.fspath(given)
        if not os.path.lexists(text) and _GLOB_CHARS & set(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                notes.append(InputFile(path=display_path(text), status="error", error="no file matches this pattern"))
            for match in matches:
                if os.path.isdir(match):
                    files, extra = _walk(match)
                    found.extend(Candidate(f, display_path(f), match) for f in files)
                    notes.extend(extra)
                else:
                    found.append(Candidate(match, display_path(match), None))
            continue
        if os.path.isdir(text):
            files, extra = _walk(text)
            if not files and not extra:
                notes.append(InputFile(path=display_path(text), status="ignored", error="folder holds no files"))
            found.extend(Candidate(f, display_path(f), text) for f in files)
            notes.extend(extra)
        elif os.path.lexists(text):
            found.append(Candidate(text, display_path(text), None))
        else:
            notes.append(InputFile(path=display_path(text), status="error", error="no such file or folder"))
    found.sort(key=lambda c: (c.display, c.path))
    unique: list[Candidate] = []
    seen: dict[str, str] = {}
    for candidate in found:
        try:
            real = os.path.realpath(candidate.path)
        except (OSError, ValueError):
            real = candidate.path
        if real in seen:
            notes.append(InputFile(path=candidate.display, status="ignored",
                                   error=f"same file as {seen[real]}: read once"))
            continue
        seen[real] = candidate.display
        unique.append(candidate)
    return unique, notes
