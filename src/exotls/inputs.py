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
    """A file to read: its real path, its printable name, the folder the user named (if any),
    its size when discovered (0 when it could not be stat'ed) and what makes it the same
    file as another path (device and inode, else the resolved path)."""

    path: str
    display: str
    root: str | None
    size: int = 0
    identity: tuple[int, int] | str = ""


_SPECIAL = "not a regular file (a FIFO, socket or device): not read, because reading it could block or never end"


def display_path(path: str) -> str:
    """A printable path even when the file name is not valid UTF-8 (bytes shown as ``\\xNN``)."""
    return os.fsencode(path).replace(b"\\", b"/").decode("utf-8", errors="backslashreplace")


def _resolved(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def _candidate(path: str, root: str | None) -> Candidate | None:
    """One ``stat`` per file: None for a FIFO, socket or device (never opened).

    A path that cannot be stat'ed stays a candidate: the reader reports why it cannot be read.
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return Candidate(path, display_path(path), root, 0, _resolved(path))
    if not stat.S_ISREG(info.st_mode):
        return None
    # Some file systems (FAT on Windows) report no inode: fall back to the resolved path.
    identity = (info.st_dev, info.st_ino) if info.st_ino else _resolved(path)
    return Candidate(path, display_path(path), root, info.st_size, identity)


def _add_file(path: str, root: str | None, found: list[Candidate], notes: list[InputFile]) -> None:
    candidate = _candidate(path, root)
    if candidate is None:
        notes.append(InputFile(path=display_path(path), status="ignored", error=_SPECIAL))
    else:
        found.append(candidate)


def _walk(folder: str, found: list[Candidate], notes: list[InputFile]) -> None:
    def failed(err: OSError) -> None:
        notes.append(InputFile(path=display_path(str(err.filename or folder)), status="error",
                               error=f"cannot list folder: {err.strerror or err}"))

    before = len(found) + len(notes)
    for current, dirs, names in os.walk(folder, onerror=failed, followlinks=False):
        dirs.sort()
        for name in list(dirs):
            full = os.path.join(current, name)
            if os.path.islink(full):
                notes.append(InputFile(path=display_path(full), status="ignored",
                                       error="symbolic link to a folder: not followed (avoids loops)"))
        for name in sorted(names):
            _add_file(os.path.join(current, name), folder, found, notes)
    if len(found) + len(notes) == before:
        notes.append(InputFile(path=display_path(folder), status="ignored", error="folder holds no files"))


def _add(path: str, found: list[Candidate], notes: list[InputFile]) -> None:
    """A folder is walked (its files keep it as their root); anything else is one file."""
    if os.path.isdir(path):
        _walk(path, found, notes)
    else:
        _add_file(path, None, found, notes)


def discover(paths: Sequence[str | Path]) -> tuple[list[Candidate], list[InputFile]]:
    """Expand the user's paths; return files to read and entries for paths that cannot be read."""
    found: list[Candidate] = []
    notes: list[InputFile] = []
    for given in paths:
        text = os.fspath(given)
        if os.path.lexists(text):
            _add(text, found, notes)
        elif _GLOB_CHARS & set(text):
            matches = sorted(glob.glob(text, recursive=True))
            if not matches:
                notes.append(InputFile(path=display_path(text), status="error", error="no file matches this pattern"))
            for match in matches:
                _add(match, found, notes)
        else:
            notes.append(InputFile(path=display_path(text), status="error", error="no such file or folder"))
    found.sort(key=lambda c: (c.display, c.path))
    unique: list[Candidate] = []
    seen: dict[tuple[int, int] | str, str] = {}
    for candidate in found:
        if candidate.identity in seen:
            notes.append(InputFile(path=candidate.display, status="ignored",
                                   error=f"same file as {seen[candidate.identity]}: read once"))
            continue
        seen[candidate.identity] = candidate.display
        unique.append(candidate)
    return unique, notes
