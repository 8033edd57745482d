"""What the SCHANNEL facts of one server mean: per-version state, TLS 1.3 and SSL support.

Shared by the TLS rules, the verdict and the plan so all three read the registry the same way.
"""

from __future__ import annotations

from exotls.checks.base import Context, Outcome, fact_sources
from exotls.checks.changes import DISABLE, ENABLE
from exotls.checks.paths import HOW_TO_EXPORT, SIDES
from exotls.checks.schannel import ProtocolState, SideState, protocol_state
from exotls.checks.windows import WINDOWS_DEFAULTS, known_family
from exotls.model import Server, Source

__all__ = [
    "LEGACY",
    "SSL_VERSIONS",
    "TLS_VERSIONS",
    "fmt_value",
    "joined",
    "not_covered",
    "os_family",
    "schannel_sources",
    "side_on",
    "sides_of",
    "ssl_enabled",
    "state_of",
    "target_of",
    "tls13_must_disable",
    "tls13_support",
    "values_text",
]

LEGACY = ("TLS 1.0", "TLS 1.1")
TLS_VERSIONS = ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
SSL_VERSIONS = ("SSL 2.0", "SSL 3.0")


def os_family(server: Server) -> str | None:
    return server.os.family if server.os is not None else None


def state_of(server: Server, version: str) -> ProtocolState | None:
    """The version's state, or None when a dump did not cover both sides."""
    sides = server.schannel.get(version, {})
    if "Server" not in sides or "Client" not in sides:
        return None
    return protocol_state(version, sides["Server"], sides["Client"], os_family(server))


def tls13_support(server: Server, ctx: Context) -> tuple[bool | None, bool | None]:
    """(OS supports TLS 1.3, build supports TLS 1.3); None where the dumps do not say."""
    family = known_family(os_family(server))
    os_ok = None if family is None else WINDOWS_DEFAULTS[family]["TLS 1.3"][0] != "unsupported"
    info = ctx.build(server).info
    return os_ok, (None if info is None else info.supports_tls13)


def tls13_must_disable(server: Server, ctx: Context) -> bool:
    """TLS 1.3 is on (explicitly, or by the OS default) where the OS or the build cannot run it."""
    state = state_of(server, "TLS 1.3")
    if state is None:
        return False
    family = known_family(os_family(server))
    if not any(side_on(values, family) for _, values in sides_of(state)):
        return False
    os_ok, build_ok = tls13_support(server, ctx)
    return os_ok is False or build_ok is False


def ssl_enabled(server: Server, version: str) -> bool:
    """SSL 2.0/3.0 can be negotiated on a side (only where the dumps and the OS say so)."""
    state = state_of(server, version)
    if state is None:
        return False
    family = known_family(os_family(server))
    return any(
        values.supported and values.usable and not (values.enabled_value is None and family is None)
        for _, values in sides_of(state)
    )


def fmt_value(value: int | None) -> str:
    if value is None:
        return "absent"
    return "0xFFFFFFFF" if value == 0xFFFFFFFF else str(value)


def _side_text(state: ProtocolState, side: str) -> str:
    values = state.server if side == "Server" else state.client
    text = f"{side} Enabled={fmt_value(values.enabled_value)} DisabledByDefault={fmt_value(values.disabled_by_default_value)}"
    if values.enabled_defaulted:
        text += f" [absent Enabled read as {'on' if values.enabled else 'off'}: {state.default_basis}]"
    return text


def values_text(state: ProtocolState) -> str:
    return f"{_side_text(state, 'Server')}; {_side_text(state, 'Client')}"


def sides_of(state: ProtocolState) -> tuple[tuple[str, SideState], ...]:
    return (("Server", state.server), ("Client", state.client))


def schannel_sources(server: Server, version: str) -> tuple[Source, ...]:
    return fact_sources(
        server.sources,
        *(f"schannel/{version}/{side}/{name}" for side in SIDES for name in ("Enabled", "DisabledByDefault")),
    )


def not_covered(server: Server, version: str, setting: str) -> Outcome:
    sides = server.schannel.get(version, {})
    missing = " and ".join(f"{version}\\{side}" for side in SIDES if side not in sides)
    return Outcome(
        "unknown",
        f"no SCHANNEL export covers {missing} on {server.name}: run {HOW_TO_EXPORT['schannel']}.",
        setting,
    )


def target_of(server: Server, version: str, ctx: Context) -> dict[str, int]:
    """What Microsoft's end state asks of ``version``: 1.2 on, 1.0/1.1 off, 1.3 on only where supported."""
    if version == "TLS 1.2":
        return ENABLE
    if version == "TLS 1.3":
        os_ok, build_ok = tls13_support(server, ctx)
        return ENABLE if os_ok and build_ok else DISABLE
    return DISABLE


def joined(sides: list[str]) -> str:
    return " and ".join(sides)


def side_on(values: SideState, family: str | None) -> bool | None:
    """Whether TLS 1.3 is on for one side: explicit values decide, else the OS default (unknown OS: None)."""
    if values.enabled_value is not None:
        return values.enabled_value != 0
    return None if family is None else values.enabled
