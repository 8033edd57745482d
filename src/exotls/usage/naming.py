"""Which Exchange server a log belongs to, from where the user put it or from its content.

Convention (docs/usage.md): a folder named after the server, the nearest folder below
the path the user gave (``dumps/EX01/.../RECV2024030410-1.LOG`` -> ``EX01``), unless that
folder is one of Exchange's or IIS's own log folder names; else a ``SERVER_`` file-name
prefix (``EX01_u_ex240304.log``); else what the content says (the ``SERVER\\`` part of a
receive connector id, IIS ``s-computername``, the event's ``MachineName``). Names are
compared as the first DNS label in upper case, so ``ex01.contoso.com`` is ``EX01``.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

__all__ = ["normalize_server", "server_from_path"]

# Folder names Exchange, IIS and collectors use: never a server name.
_LOG_FOLDERS = frozenset(
    name.casefold()
    for name in (
        "Logs", "TransportRoles", "FrontEnd", "Hub", "Edge", "Mailbox", "ProtocolLog", "SmtpReceive",
        "SmtpSend", "Delivery", "Submission", "LogFiles", "inetpub", "V15", "Exchange Server", "Microsoft",
        "Program Files", "HttpProxy", "Logging", "IIS", "W3SVC", "Events", "EventLogs", "Schannel",
        "Reports", "Headers", "exo", "tenant", "smtp", "usage",
    )
)
_W3SVC = re.compile(r"^W3SVC\d+$", re.IGNORECASE)
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
_PREFIX = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{1,62})_.")
# File-name stems that carry an underscore but no server: IIS u_ex, collector names.
_NOT_PREFIXES = frozenset({"u", "recv", "send", "httpproxy", "system", "application", "events", "schannel", "log"})


def normalize_server(name: str | None) -> str | None:
    """First DNS label, upper case; an IP address is kept whole; blank is None."""
    if name is None:
        return None
    text = name.strip().strip("\\")
    if not text:
        return None
    try:
        ipaddress.ip_address(text)
    except ValueError:
        text = text.split(".", 1)[0]
    return text.upper() or None


def _folder_name(folder: str) -> str | None:
    if folder.casefold() in _LOG_FOLDERS or _W3SVC.match(folder) or not _HOST.match(folder):
        return None
    return normalize_server(folder)


def server_from_path(path: Path, root: Path | None) -> str | None:
    """The server named by the folder just below ``root``, or by a ``SERVER_`` prefix."""
    if root is not None and root != path:
        try:
            relative = path.relative_to(root)
        except ValueError:
            relative = None
        if relative is not None and len(relative.parts) > 1:
            named = _folder_name(relative.parts[0])
            if named is not None:
                return named
    match = _PREFIX.match(path.name)
    if match and match.group(1).casefold() not in _NOT_PREFIXES:
        return normalize_server(match.group(1))
    return None
