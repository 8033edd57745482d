"""Which files a run reads: files, folders (recursive) and globs, each reported once.

Every path the user gave ends up either in the returned list or as an ``InputFile``
explaining why it was not read (missing, a duplicate of another, a link loop), so the
report's counts always add up.

Hostile file systems: a FIFO, socket or device is never opened (reading one can block
forever or never end); a folder symlink is not followed (no loops); the same file under
two names (a symlink, a hard link, ``./x`` and ``x``) is read once; a name that is not
valid UTF-8 is shown with ``\\xNN`` escapes, so two such names never print alike.
"""

from __future__ import annotations

import glob
import os
import stat
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


_SPECIAL = "not a regular file (a FIFO, socket or device): not read, because reading it could block or never end"


def display_path(path: str) -> str:
    """A printable path even when the file name is not valid UTF-8 (bytes shown as ``\\xNN``)."""
    return os.fsencode(path).replace(b"\\", b"/").decode("utf-8", errors="backslashreplace")


def _special(path: str) -> bool:
    """True for a FIFO, socket or device; a path that cannot be stat'ed is left to the reader to report."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _identity(path: str) -> tuple[int, int] | str:
    """What makes two paths the same file: device and inode, else the resolved path."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        try:
            return os.path.realpath(path)
        except (OSError, ValueError):
            return path
    if not info.st_ino:  # some file systems (FAT on Windows) report no inode: fall back to the path
        return os.path.realpath(path)
    return (info.st_dev, info.st_ino)


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
        for name in sorted(names):
            full = os.path.join(current, name)
            if _special(full):
                notes.append(InputFile(path=display_path(full), status="ignored", error=_SPECIAL))
            else:
                files.append(full)
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
                elif _special(match):
                    notes.append(InputFile(path=display_path(match), status="ignored", error=_SPECIAL))
                else:
                    found.append(Candidate(match, display_path(match), None))
            continue
        if os.path.isdir(text):
            files, extra = _walk(text)
            if not files and not extra:
                notes.append(InputFile(path=display_path(text), status="ignored", error="folder holds no files"))
            found.extend(Candidate(f, display_path(f), text) for f in files)
            notes.extend(extra)
        elif _special(text):
            notes.append(InputFile(path=display_path(text), status="ignored", error=_SPECIAL))
        elif os.path.lexists(text):
            found.append(Candidate(text, display_path(text), None))
        else:
            notes.append(InputFile(path=display_path(text), status="error", error="no such file or folder"))
    found.sort(key=lambda c: (c.display, c.path))
    unique: list[Candidate] = []
    seen: dict[tuple[int, int] | str, str] = {}
    for candidate in found:
        real = _identity(candidate.path)
        if real in seen:
            notes.append(InputFile(path=candidate.display, status="ignored",
                                   error=f"same file as {seen[real]}: read once"))
            continue
        seen[real] = candidate.display
        unique.append(candidate)
    return unique, notes
