"""Get-TransportConfig: AllowLegacyTLSClients and friends, on-premises or Exchange Online.

``AllowLegacyTLSClients`` has four states that must stay apart: absent (on-premises
objects do not have it), ``$null`` (the Exchange Online default, meaning off), True
and False. A name missing from ``settings`` means the dump did not have it.
"""

from __future__ import annotations

from typing import Any

from exotls.extract.coerce import as_bool, as_text
from exotls.extract.observations import OrgObs
from exotls.model import Source
from exotls.readers.values import PSObject

__all__ = ["SETTINGS", "is_transport_config", "transport_observation"]

_TYPE = "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer"
# Settings exotls reads, with how to read each (all booleans today).
SETTINGS = ("AllowLegacyTLSClients", "SmtpClientAuthenticationDisabled")
# Properties only Exchange Online has (Set-TransportConfig docs: "available only in the cloud-based service").
_CLOUD_ONLY = ("AllowLegacyTLSClients", "SmtpClientAuthenticationDisabled", "HygieneSuite", "MigrationEnabled")
# Properties only on-premises TransportConfigContainer has (shadow redundancy).
_ON_PREM_ONLY = ("ShadowRedundancyEnabled", "ShadowHeartbeatFrequency", "MaxRetriesForLocalSiteShadow")
_EXO_ENDPOINTS = ("outlook.office365.com", ".outlook.com", ".outlook.cn", ".office365.us", ".office365.com")


def is_transport_config(obj: Any) -> bool:
    if not isinstance(obj, PSObject):
        return False
    if obj.is_type(_TYPE):
        return True
    return obj.has("MaxSendSize") and obj.has("MaxReceiveSize") and (
        obj.has("ExternalPostmasterAddress") or obj.has("AllowLegacyTLSClients") or obj.has("InternalSMTPServers")
    )


def _environment(obj: PSObject) -> str:
    computer = (as_text(obj.get("PSComputerName")) or "").lower()
    if any(obj.has(n) for n in _CLOUD_ONLY) or computer.endswith(_EXO_ENDPOINTS):
        return "exchange-online"
    if any(obj.has(n) for n in _ON_PREM_ONLY):
        return "on-premises"
    return "unknown"


def transport_observation(obj: PSObject, path: str) -> OrgObs:
    settings: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for name in SETTINGS:
        if obj.has(name):
            settings[name] = as_bool(obj.get(name))
            sources[name] = Source(path=path, line=obj.line_of(name), kind="transport-config")
    org = as_text(obj.get("OrganizationalUnitRoot")) or as_text(obj.get("OrganizationId"))
    return OrgObs(environment=_environment(obj), settings=settings, sources=sources, name=org or None)
