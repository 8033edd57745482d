"""Registry paths exotls reads and writes, and the exact ``reg add`` line for a change.

Paths follow Microsoft's Exchange TLS guidance (aka.ms/HC-TLSGuide): Schannel protocol keys
under ``HKLM\\SYSTEM\\...\\SCHANNEL\\Protocols\\<version>\\<Server|Client>``; the .NET keys
under ``HKLM\\SOFTWARE\\Microsoft\\.NETFramework\\<version>`` (64-bit) and its
``Wow6432Node`` twin (32-bit).
"""

from __future__ import annotations

from exotls.model import RegistryChange

__all__ = [
    "DOTNET_ARCHES",
    "DOTNET_VALUES",
    "DOTNET_VERSIONS",
    "HOW_TO_EXPORT",
    "SCHANNEL_PROTOCOLS",
    "SIDES",
    "dotnet_key",
    "reg_add",
    "schannel_key",
]

SCHANNEL_PROTOCOLS = r"HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols"
SIDES = ("Server", "Client")

DOTNET_VERSIONS = ("v4.0.30319", "v2.0.50727")
DOTNET_ARCHES = ("x64", "x86")
DOTNET_VALUES = ("SystemDefaultTlsVersions", "SchUseStrongCrypto")
_DOTNET_ROOT = {
    "x64": r"HKLM\SOFTWARE\Microsoft\.NETFramework",
    "x86": r"HKLM\SOFTWARE\Wow6432Node\Microsoft\.NETFramework",
}

# What to export so a rule that said "unknown" can decide next time.
HOW_TO_EXPORT = {
    "schannel": 'reg export "HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL" schannel.reg',
    "dotnet": (
        'reg export "HKLM\\SOFTWARE\\Microsoft\\.NETFramework" dotnet64.reg and '
        'reg export "HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\.NETFramework" dotnet32.reg'
    ),
    "build": (
        "(Get-Command ExSetup.exe).FileVersionInfo | Export-Clixml exsetup.xml "
        "(or Get-ExchangeServer | Export-Clixml exchangeserver.xml, which does not show SUs)"
    ),
    "os": "Get-CimInstance Win32_OperatingSystem | Export-Clixml os.xml",
    "transportconfig": "Get-TransportConfig | Export-Clixml transportconfig.xml (in Exchange Online PowerShell)",
}


def schannel_key(version: str, side: str) -> str:
    return f"{SCHANNEL_PROTOCOLS}\\{version}\\{side}"


def dotnet_key(version: str, arch: str) -> str:
    return f"{_DOTNET_ROOT[arch]}\\{version}"


def reg_add(change: RegistryChange) -> str:
    """The ``reg add`` command that makes ``change``, as one line to paste."""
    return f'reg add "{change.path}" /v {change.name} /t {change.type} /d {change.data} /f'
