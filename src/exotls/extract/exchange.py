"""Exchange server identity and build: Get-ExchangeServer, ExSetup FileVersionInfo, ServerVersion.

AdminDisplayVersion stays at the CU build when Security Updates are installed; ExSetup's
ProductVersion moves with them, so the merge step prefers ExSetup. ExSetup's ToString
can disagree with its properties, so it is never read.
"""

from __future__ import annotations

from typing import Any

from exotls.errors import InvalidBuildError
from exotls.extract.coerce import as_bool, as_text
from exotls.extract.observations import ServerObs
from exotls.model import Source
from exotls.readers.values import PSObject, Version
from exotls.releases import parse_build

__all__ = ["admin_display_build", "exsetup_observation", "is_exchange_server", "is_exsetup", "is_server_version",
           "server_observation", "server_version_observation"]

# ServerEditionType values seen in real exports (Enterprise=3, StandardEvaluation=2) and the enum's order.
_EDITIONS = {0: "Unknown", 1: "Standard", 2: "StandardEvaluation", 3: "Enterprise", 4: "EnterpriseEvaluation"}
_SERVER_TYPES = ("Microsoft.Exchange.Data.Directory.Management.ExchangeServer",)
_SERVER_VERSION = "Microsoft.Exchange.Data.ServerVersion"
_DATABASE_ONLY = ("EdbFilePath", "MasterServerOrAvailabilityGroup", "Server")
_FILE_VERSION_INFO = "System.Diagnostics.FileVersionInfo"


def _src(path: str, obj: PSObject, name: str, kind: str) -> Source:
    return Source(path=path, line=obj.line_of(name), kind=kind)


def _four_parts(value: Any) -> str | None:
    """``Major.Minor.Build.Revision`` from a Version, a ServerVersion object or a JSON object."""
    if isinstance(value, Version) and len(value.parts) == 4:
        return str(value)
    if isinstance(value, PSObject):
        parts = [value.get(name) for name in ("Major", "Minor", "Build", "Revision")]
        if all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in parts):
            return ".".join(str(p) for p in parts)
    return None


def _build(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return parse_build(text).short
    except InvalidBuildError:
        return None


def admin_display_build(value: Any) -> tuple[str | None, str | None]:
    """(display text, short build) of an AdminDisplayVersion in any of its shapes."""
    parts = _four_parts(value)
    text = as_text(value)
    if parts is not None:
        return (text or parts, _build(parts))
    return (text, _build(text))


def is_exchange_server(obj: Any) -> bool:
    """Get-ExchangeServer output in any shape, ``Select-Object Name, AdminDisplayVersion`` included.

    A ``Select-Object`` copy has the type ``Selected.<original>`` or (as JSON) none, and may
    hold only the two properties; an AdminDisplayVersion that reads as a build is then enough.
    """
    if not isinstance(obj, PSObject) or not obj.has("AdminDisplayVersion") or not obj.has("Name"):
        return False
    # Mailbox databases carry AdminDisplayVersion too, but their Name is the database's.
    if any("Database" in t for t in obj.type_names) or any(obj.has(n) for n in _DATABASE_ONLY):
        return False
    if obj.is_type(*_SERVER_TYPES) or obj.is_type(*(f"Selected.{t}" for t in _SERVER_TYPES)):
        return True
    if any(obj.has(n) for n in ("Fqdn", "ServerRole", "IsEdgeServer", "Edition")):
        return True
    return admin_display_build(obj.get("AdminDisplayVersion"))[1] is not None


def server_observation(obj: PSObject, path: str) -> ServerObs:
    """One Get-ExchangeServer object; PSComputerName there is the EMS endpoint, not the server."""
    kind = "get-exchangeserver"
    name = as_text(obj.get("Name"))
    obs = ServerObs(identity=name, named=True)
    obs.facts["name"] = name
    obs.sources["identity"] = _src(path, obj, "Name", kind)
    fqdn = as_text(obj.get("Fqdn"))
    if fqdn:
        obs.facts["fqdn"] = fqdn
    text, build = admin_display_build(obj.get("AdminDisplayVersion"))
    if text:
        obs.facts["admin_display_version"] = text
        obs.sources["admin_display_version"] = _src(path, obj, "AdminDisplayVersion", kind)
    if build:
        obs.facts["adv_build"] = build
    edition = obj.get("Edition")
    if isinstance(edition, int) and not isinstance(edition, bool):
        obs.facts["edition"] = _EDITIONS.get(edition, str(edition))
    elif as_text(edition):
        obs.facts["edition"] = as_text(edition)
    role = obj.get("ServerRole")
    role_text = as_text(role) if not isinstance(role, int) else None
    if role_text:
        obs.facts["roles"] = [r.strip() for r in role_text.split(",") if r.strip()]
    site = as_text(obj.get("Site"))
    if site:
        obs.facts["site"] = site
    edge = as_bool(obj.get("IsEdgeServer"))
    if edge is not None:
        obs.facts["is_edge"] = edge
    return obs


def is_exsetup(obj: Any) -> bool:
    if not isinstance(obj, PSObject) or not obj.has("ProductVersion"):
        return False
    if obj.is_type(_FILE_VERSION_INFO):
        return True
    file_name = as_text(obj.get("FileName")) or as_text(obj.get("OriginalFilename")) or ""
    return file_name.lower().endswith("exsetup.exe") or obj.has("ProductVersionRaw")


def exsetup_observation(obj: PSObject, path: str) -> ServerObs | None:
    """ExSetup.exe's FileVersionInfo: ProductVersion, else ProductVersionRaw, else the Product*Part numbers."""
    kind = "exsetup"
    candidates: list[tuple[str, str | None]] = [
        ("ProductVersion", as_text(obj.get("ProductVersion"))),
        ("ProductVersionRaw", _four_parts(obj.get("ProductVersionRaw"))),
    ]
    parts = [obj.get(n) for n in ("ProductMajorPart", "ProductMinorPart", "ProductBuildPart", "ProductPrivatePart")]
    if all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
        candidates.append(("ProductMajorPart", ".".join(str(p) for p in parts)))
    for prop, text in candidates:
        build = _build(text)
        if build is None:
            continue
        identity = as_text(obj.get("PSComputerName"))
        obs = ServerObs(identity=identity)
        obs.facts["exsetup_build"] = build
        obs.sources["exsetup_build"] = _src(path, obj, prop, kind)
        if identity:
            obs.sources["identity"] = _src(path, obj, "PSComputerName", kind)
        return obs
    return None


def is_server_version(obj: Any) -> bool:
    if isinstance(obj, PSObject):
        return obj.is_type(_SERVER_VERSION)
    return isinstance(obj, str) and obj.strip().startswith("Version ") and _build(obj) is not None


def server_version_observation(obj: PSObject | str, path: str) -> ServerObs | None:
    """A bare AdminDisplayVersion (``(Get-ExchangeServer X).AdminDisplayVersion | Export-Clixml``)."""
    text, build = admin_display_build(obj)
    if build is None:
        return None
    obs = ServerObs(identity=None)
    obs.facts["admin_display_version"] = text
    obs.facts["adv_build"] = build
    line = obj.line if isinstance(obj, PSObject) else None
    obs.sources["admin_display_version"] = Source(path=path, line=line, kind="server-version")
    return obs

