"""Which server a dump is about, when the dump does not say.

Convention (documented in docs/extract.md): a dump that carries no identity takes it
from ``--server NAME``, else from its file-name prefix (``EX01_schannel.reg``,
``EX01-exsetup.json``), else from the nearest folder below the path the user gave
(``dumps/EX01/schannel.reg``). Names match case-insensitively, and a short name
matches its FQDN.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import PurePath

__all__ = ["KNOWN_STEMS", "identity_from_path", "server_key"]

# File-name words that say what a per-server dump holds; a prefix before one of them
# (joined by "_" or "-") is taken as the server name.
KNOWN_STEMS = (
    "schannel", "protocols", "tls", "dotnet", "netframework", "net", "netfx", "exsetup",
    "os", "osinfo", "currentversion", "registry", "reg", "ciphers", "ciphersuites", "version",
    "adminDisplayVersion", "serverversion", "healthchecker", "wow6432node", "fileversion",
)
_STEMS = frozenset(stem.casefold() for stem in KNOWN_STEMS)
_PREFIX = re.compile(
    r"^(?P<server>[A-Za-z0-9][A-Za-z0-9.\-]*?)[_-](?P<what>" + "|".join(KNOWN_STEMS) + r")(?:\b|_|-|$)",
    re.IGNORECASE,
)
_HEALTHCHECKER = re.compile(r"^HealthChecker-(?P<server>.+)-\d{14}$", re.IGNORECASE)
_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,62}(\.[A-Za-z0-9\-]{1,63})*$")
# Folder names that are never a server (the collect script's organization folder, common roots).
_NOT_SERVERS = {"organization", "org", "tenant", "dumps", "exports", "export", "samples", "data", "logs"}


def server_key(name: str) -> str:
    """The key servers merge on: the short host name, case-folded."""
    return name.strip().split(".", 1)[0].casefold()


def identity_from_path(path: str, root: str | None) -> str | None:
    """A server name from the file name, else from the folders between the file and ``root``.

    ``root`` is the folder the user named (``None`` when the file was named directly:
    then only the file's own folder counts). The root folder itself counts last, so
    ``exotls analyze EX01/`` works too.
    """
    pure = PurePath(path)
    return _from_stem(pure.stem) or _from_folders(str(pure.parent), root)


# A fleet repeats the same few file names and one folder per server: answer each once.
@lru_cache(maxsize=1024)
def _from_stem(stem: str) -> str | None:
    match = _HEALTHCHECKER.match(stem) or _PREFIX.match(stem)
    # "NETFramework-Wow6432Node.reg" names what it holds, not a server: a prefix that is itself a known word is no name.
    if match and _HOSTNAME.match(match.group("server")) and match.group("server").casefold() not in _STEMS:
        return match.group("server")
    return None


@lru_cache(maxsize=4096)
def _from_folders(folder: str, root: str | None) -> str | None:
    first = PurePath(folder)
    stop = PurePath(root) if root is not None else None
    candidates: list[PurePath] = []
    for parent in (first, *first.parents):
        if stop is None:
            candidates.append(parent)
            break
        if len(parent.parts) < len(stop.parts):
            break
        candidates.append(parent)
        if parent == stop:
            break
    for candidate in candidates:
        name = candidate.name
        if name and name.casefold() not in _NOT_SERVERS and _HOSTNAME.match(name):
            return name
    return None
