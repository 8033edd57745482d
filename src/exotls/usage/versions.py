"""Every spelling of a protocol version in the logs, mapped to one ``TlsVersion``.

Sources: Schannel ``SP_PROT_*`` constants (schannel.h) for SMTP log lines and the IIS
``crypt-protocol`` field; the Schannel 36880 event's ``Protocol`` text ("TLS 1.2");
Exchange ``Received:`` headers (``version=TLS1_2``); EXO report column headers.
"""

from __future__ import annotations

import re

from exotls.usage.model import LEGACY_VERSIONS, TLS_VERSIONS, TlsVersion

__all__ = ["IIS_PROTOCOLS", "is_legacy", "normalize_version", "parse_iis_protocol", "version_rank"]

# schannel.h SP_PROT_* bits: the IIS CRYPT_PROTOCOL server variable holds the
# server-side bit; the client-side bit is accepted too (a log re-used for outbound).
IIS_PROTOCOLS: dict[int, TlsVersion] = {
    0x4: "SSL 2.0", 0x8: "SSL 2.0",
    0x10: "SSL 3.0", 0x20: "SSL 3.0",
    0x40: "TLS 1.0", 0x80: "TLS 1.0",
    0x100: "TLS 1.1", 0x200: "TLS 1.1",
    0x400: "TLS 1.2", 0x800: "TLS 1.2",
    0x1000: "TLS 1.3", 0x2000: "TLS 1.3",
}

_GENERIC = re.compile(r"(?<![A-Za-z])(D?TLS|SSL)\s*v?\s*(\d)(?:\s*[._]\s*(\d))?(?!\d)", re.IGNORECASE)
_RANK: dict[str, int] = {version: index for index, version in enumerate(TLS_VERSIONS)}


def normalize_version(text: str) -> TlsVersion | None:
    """``TLS1_0``, ``TLS 1.0``, ``TLSv1``, ``tls1.0``, ``SSL3`` -> ``TLS 1.0``/``SSL 3.0``; else None.

    DTLS is UDP and never Exchange traffic, so it is not a version this report knows.
    """
    match = _GENERIC.search(text)
    if match is None:
        return None
    family, major, minor = match.group(1).upper(), match.group(2), match.group(3) or "0"
    if family == "DTLS":
        return None
    if family == "TLS" and major == "1" and minor in "0123":
        return ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")[int(minor)]
    if family == "SSL" and minor == "0" and major in ("2", "3"):
        return "SSL 2.0" if major == "2" else "SSL 3.0"
    return None


def parse_iis_protocol(value: str) -> TlsVersion | None:
    """``40`` -> TLS 1.0: IIS writes the SP_PROT value in hex without ``0x``; ``-`` is plain HTTP."""
    if value == "-":
        return "none"
    try:
        number = int(value, 16)
    except ValueError:
        return None
    return IIS_PROTOCOLS.get(number)


def is_legacy(version: str) -> bool:
    return version in LEGACY_VERSIONS


def version_rank(version: str) -> int:
    """Oldest first, ``none`` last: a stable order for output and for picking the worst."""
    rank: int = _RANK.get(version, len(_RANK))
    return rank
