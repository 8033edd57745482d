"""The typed facts, findings and report that every layer after ``read`` shares.

The JSON of ``Report`` is the public contract (``docs/report.schema.json`` is generated
from these models). Three states stay distinct everywhere: a fact the dumps never
covered (absent from its map), a key or value that is absent on the server (``None``),
and a present value.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from exotls.usage.model import UsageReport

__all__ = [
    "SCHEMA_VERSION",
    "Conflict",
    "DotNet",
    "Finding",
    "Fleet",
    "InputFile",
    "InputStatus",
    "LegacyTls",
    "OrgVerdict",
    "Organization",
    "OsInfo",
    "PlanStep",
    "Protocols",
    "RegistryAnomaly",
    "RegistryChange",
    "ReleaseRef",
    "Report",
    "Server",
    "Severity",
    "Source",
    "Status",
    "Summary",
    "ToolInfo",
    "Verdict",
]

SCHEMA_VERSION = "1.0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Severity(StrEnum):
    """Finding severity; ``rank`` orders them for ``--fail-on``."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}

Status = Literal["pass", "fail", "unknown", "not-applicable", "error"]
Verdict = Literal["ready", "blocked", "disabled", "unknown"]
OrgVerdict = Literal["legacy-tls-allowed", "legacy-tls-off", "not-applicable", "unknown"]
InputStatus = Literal["ok", "error", "ignored"]

# {"TLS 1.0": {"Server": {"Enabled": 1, "DisabledByDefault": None}, "Client": {...}}}
# A protocol or side missing from the map was not covered by any dump; None = key or value absent.
Protocols = dict[str, dict[str, dict[str, int | None]]]
# {"v4.0.30319": {"x64": {"SystemDefaultTlsVersions": 1, "SchUseStrongCrypto": None}, "x86": {...}}}
DotNet = dict[str, dict[str, dict[str, int | None]]]


class Source(_Model):
    """Where a fact came from: the file, the line where the format has lines, and what it was."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    line: int | None = None
    kind: str | None = None


class ToolInfo(_Model):
    name: str = "exotls"
    version: str


class InputFile(_Model):
    """One file given to the run; every file appears here, whatever happened to it."""

    path: str
    format: str | None = None
    encoding: str | None = None
    kinds: list[str] = Field(default_factory=list)
    status: InputStatus = "ok"
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)


class Summary(_Model):
    """Counts that must add up: files == ok + error + ignored."""

    files: int = 0
    ok: int = 0
    error: int = 0
    ignored: int = 0


class ReleaseRef(_Model):
    """The release a build maps to in the embedded table."""

    product: str
    name: str | None = None
    kind: str | None = None
    date: dt.date | None = None
    exact: bool = False
    newer_than_table: bool = False


class OsInfo(_Model):
    """Windows identity as the dumps state it; ``family`` is e.g. ``Windows Server 2022``."""

    product_name: str | None = None
    current_build: str | None = None
    family: str | None = None


class RegistryAnomaly(_Model):
    """A registry fact Windows ignores or misreads: recorded so a rule can flag it.

    ``kind``: ``wrong-type`` (e.g. Enabled as REG_SZ), ``misspelled-key`` (``TLS1.2``),
    ``value-on-protocol-key`` (values on ``TLS 1.2`` instead of ``TLS 1.2\\Server``),
    ``wrong-hive`` (SCHANNEL keys outside HKLM\\SYSTEM), ``unknown-side``.
    """

    kind: str
    path: str
    name: str | None = None
    value: str | None = None
    detail: str
    source: Source


class Conflict(_Model):
    """Two dumps disagree about one fact of one server; reported, never silently resolved."""

    fact: str
    values: list[str]
    sources: list[Source]
    resolution: str


class RegistryChange(_Model):
    """One exact registry change a plan step asks for."""

    path: str
    name: str
    type: str = "REG_DWORD"
    data: int


class PlanStep(_Model):
    """One step of Microsoft's order: update, .NET, enable 1.2, reboot, verify, disable, reboot."""

    order: int
    action: str
    detail: str
    registry: list[RegistryChange] = Field(default_factory=list)
    commands: list[str] = Field(default_factory=list)


class LegacyTls(_Model):
    """Can TLS 1.0/1.1 be disabled on this server, what blocks it, and what to do next."""

    verdict: Verdict
    blockers: list[str] = Field(default_factory=list)
    unknown_because: list[str] = Field(default_factory=list)
    summary: str = ""
    plan: list[PlanStep] = Field(default_factory=list)


class Server(_Model):
    """Everything the dumps say about one Exchange server, merged across files."""

    name: str
    fqdn: str | None = None
    build: str | None = None
    build_source: str | None = None
    admin_display_version: str | None = None
    exsetup_build: str | None = None
    release: ReleaseRef | None = None
    os: OsInfo | None = None
    edition: str | None = None
    roles: list[str] = Field(default_factory=list)
    site: str | None = None
    is_edge: bool | None = None
    schannel: Protocols = Field(default_factory=dict)
    schannel_anomalies: list[RegistryAnomaly] = Field(default_factory=list)
    dotnet: DotNet = Field(default_factory=dict)
    cipher_suites: list[str] | None = None
    conflicts: list[Conflict] = Field(default_factory=list)
    sources: dict[str, Source] = Field(default_factory=dict)
    legacy_tls: LegacyTls | None = None


class Organization(_Model):
    """The organization's transport settings, raw, under their PowerShell names.

    A name missing from ``settings`` means no dump had the property;
    ``"AllowLegacyTLSClients": null`` means it was present and ``$null`` (the default).
    """

    environment: Literal["exchange-online", "on-premises", "unknown"] = "unknown"
    name: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    sources: dict[str, Source] = Field(default_factory=dict)
    conflicts: list[Conflict] = Field(default_factory=list)
    verdict: OrgVerdict | None = None


class Finding(_Model):
    """One rule result about one subject (a server, the organization or the fleet)."""

    rule: str
    severity: Severity
    status: Status
    subject: str
    message: str
    remediation: str | None = None
    setting: str | None = None
    docs: str | None = None
    sources: list[Source] = Field(default_factory=list)
    suppressed: bool = False
    suppression_reason: str | None = None


class Fleet(_Model):
    """The whole fleet's verdict: blocked if any server is, then unknown, disabled, ready."""

    verdict: Verdict = "unknown"
    counts: dict[str, int] = Field(
        default_factory=lambda: {"ready": 0, "blocked": 0, "disabled": 0, "unknown": 0}
    )


class Report(_Model):
    """One run's result; the same inputs give the same report, byte for byte, as JSON."""

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    releases_as_of: dt.date | None = None
    as_of: dt.date
    summary: Summary = Field(default_factory=Summary)
    inputs: list[InputFile] = Field(default_factory=list)
    organization: Organization = Field(default_factory=Organization)
    servers: list[Server] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    fleet: Fleet = Field(default_factory=Fleet)
    usage: UsageReport | None = None
