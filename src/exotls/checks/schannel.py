"""The per-version SCHANNEL state, as HealthChecker names it, with OS-aware defaults.

HealthChecker (``Shared/TLS/Get-AllTlsSettingsFromRegistry.ps1``) reads each of ``Enabled``
and ``DisabledByDefault`` as a boolean (any non-zero value is true) and derives:

* Disabled: Server and Client both have Enabled false and DisabledByDefault true or absent;
* Half Disabled (Server side only): Enabled false with DisabledByDefault present and 0, or
  Enabled true with DisabledByDefault true;
* Misconfigured: the Server and Client booleans differ;
* precedence Misconfigured > Half Disabled > Disabled > Enabled.

exotls keeps that state machine exactly; the one deliberate difference is where an absent
``Enabled`` comes from: the Windows default of the server's OS (``exotls.checks.windows``)
rather than HealthChecker's fixed "TLS 1.0-1.2 on, TLS 1.3 off". With the OS unknown the two
agree. An absent ``DisabledByDefault`` is read as HealthChecker reads it (false, and "absent"
where its rules look at the raw value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from exotls.checks.windows import default_for

__all__ = ["HcState", "ProtocolState", "SideState", "protocol_state"]

HcState = Literal["Enabled", "Disabled", "Half Disabled", "Misconfigured"]


@dataclass(frozen=True)
class SideState:
    """One side (Server or Client) of one protocol after defaults are applied."""

    enabled: bool
    disabled_by_default: bool
    enabled_value: int | None
    disabled_by_default_value: int | None
    enabled_defaulted: bool
    supported: bool

    @property
    def usable(self) -> bool:
        """Schannel can negotiate the version when an application asks for it."""
        return self.enabled and self.supported

    @property
    def offered(self) -> bool:
        """The version is offered by default: Enabled non-zero and DisabledByDefault zero."""
        return self.usable and not self.disabled_by_default


@dataclass(frozen=True)
class ProtocolState:
    """HealthChecker's state for one version, both sides, and whether a default decided it."""

    version: str
    state: HcState
    server: SideState
    client: SideState
    disabled: bool
    half_disabled: bool
    misconfigured: bool
    defaults_assumed: bool
    default_basis: str

    @property
    def server_enabled(self) -> bool:
        return self.server.usable

    @property
    def client_enabled(self) -> bool:
        return self.client.usable


def _side(
    version: str, side: str, values: Mapping[str, int | None], os_family: str | None
) -> tuple[SideState, bool, str]:
    enabled_raw = values.get("Enabled")
    dbd_raw = values.get("DisabledByDefault")
    default, basis = default_for(version, side, os_family)
    enabled = default == "enabled" if enabled_raw is None else enabled_raw != 0
    state = SideState(
        enabled=enabled,
        disabled_by_default=dbd_raw is not None and dbd_raw != 0,
        enabled_value=enabled_raw,
        disabled_by_default_value=dbd_raw,
        enabled_defaulted=enabled_raw is None,
        supported=default != "unsupported",
    )
    return state, enabled_raw is None or dbd_raw is None, basis


def protocol_state(
    version: str,
    server_values: Mapping[str, int | None],
    client_values: Mapping[str, int | None],
    os_family: str | None,
) -> ProtocolState:
    """Derive HealthChecker's state for ``version`` from raw DWORDs (None = absent)."""
    server, server_defaulted, basis = _side(version, "Server", server_values, os_family)
    client, client_defaulted, _ = _side(version, "Client", client_values, os_family)
    s_dbd_absent = server.disabled_by_default_value is None
    c_dbd_absent = client.disabled_by_default_value is None
    disabled = (
        not server.enabled
        and (server.disabled_by_default or s_dbd_absent)
        and not client.enabled
        and (client.disabled_by_default or c_dbd_absent)
    )
    half_disabled = (not server.enabled and server.disabled_by_default_value == 0) or (
        server.enabled and server.disabled_by_default
    )
    misconfigured = (
        server.enabled != client.enabled or server.disabled_by_default != client.disabled_by_default
    )
    state: HcState
    if misconfigured:
        state = "Misconfigured"
    elif half_disabled:
        state = "Half Disabled"
    elif disabled:
        state = "Disabled"
    else:
        state = "Enabled"
    return ProtocolState(
        version=version,
        state=state,
        server=server,
        client=client,
        disabled=disabled,
        half_disabled=half_disabled,
        misconfigured=misconfigured,
        defaults_assumed=server_defaulted or client_defaulted,
        default_basis=basis,
    )
