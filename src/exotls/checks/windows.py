"""Windows Schannel defaults: what a protocol does when its registry values are absent.

Source: Microsoft Learn "Protocols in TLS/SSL (Schannel SSP)"
(https://learn.microsoft.com/windows/win32/secauthn/protocols-in-tls-ssl--schannel-ssp-;
MicrosoftDocs/win32 ``desktop-src/SecAuthN/protocols-in-tls-ssl--schannel-ssp-.md``, ms.date
2021-01-20 for the SSL rows and WS2022, 2025-03-20 for WS2025). The table lists Client and
Server separately; they only differ for SSL 2.0 on Windows Server 2008 R2.

When the OS is unknown exotls falls back to HealthChecker's reading (absent TLS 1.0-1.2 =
enabled, absent TLS 1.3 = disabled; ``Shared/TLS/Get-AllTlsSettingsFromRegistry.ps1``) and
says that a default was assumed.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "HEALTHCHECKER_DEFAULTS",
    "PROTOCOLS",
    "WINDOWS_DEFAULTS",
    "Default",
    "default_for",
    "known_family",
]

Default = Literal["enabled", "disabled", "unsupported"]

# Registry key names Schannel reads, oldest first.
PROTOCOLS = ("SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")

_E: Default = "enabled"
_D: Default = "disabled"
_U: Default = "unsupported"


def _row(
    ssl2: tuple[Default, Default], ssl3: Default, tls10_12: tuple[Default, Default, Default], tls13: Default
) -> dict[str, tuple[Default, Default]]:
    """One OS row as {protocol: (Server default, Client default)}."""
    return {
        "SSL 2.0": ssl2,
        "SSL 3.0": (ssl3, ssl3),
        "TLS 1.0": (tls10_12[0], tls10_12[0]),
        "TLS 1.1": (tls10_12[1], tls10_12[1]),
        "TLS 1.2": (tls10_12[2], tls10_12[2]),
        "TLS 1.3": (tls13, tls13),
    }


WINDOWS_DEFAULTS: dict[str, dict[str, tuple[Default, Default]]] = {
    "Windows Server 2008 R2": _row((_E, _D), _E, (_E, _D, _D), _U),
    "Windows Server 2012": _row((_D, _D), _E, (_E, _E, _E), _U),
    "Windows Server 2012 R2": _row((_D, _D), _E, (_E, _E, _E), _U),
    "Windows Server 2016": _row((_U, _U), _D, (_E, _E, _E), _U),
    "Windows Server 2019": _row((_U, _U), _D, (_E, _E, _E), _U),
    "Windows Server 2022": _row((_U, _U), _D, (_E, _E, _E), _E),
    "Windows Server 2025": _row((_U, _U), _D, (_E, _E, _E), _E),
}

# OS unknown: HealthChecker's reading for TLS; SSL is assumed on (the worst case), flagged.
HEALTHCHECKER_DEFAULTS: dict[str, Default] = {
    "SSL 2.0": _E,
    "SSL 3.0": _E,
    "TLS 1.0": _E,
    "TLS 1.1": _E,
    "TLS 1.2": _E,
    "TLS 1.3": _D,
}


def known_family(os_family: str | None) -> str | None:
    """The family as a key of ``WINDOWS_DEFAULTS``, or None when exotls has no row for it."""
    return os_family if os_family in WINDOWS_DEFAULTS else None


def default_for(version: str, side: str, os_family: str | None) -> tuple[Default, str]:
    """The default for one protocol side and the basis it came from (for messages)."""
    family = known_family(os_family)
    if family is not None:
        server, client = WINDOWS_DEFAULTS[family].get(version, (_D, _D))
        return (server if side == "Server" else client), f"{family} default"
    return HEALTHCHECKER_DEFAULTS.get(version, _D), "HealthChecker default (OS unknown)"
