"""protocol_state against HealthChecker's per-version state, for every raw combination.

The expected state is computed by ``hc_state`` below: a plain re-statement of
HealthChecker's ``Get-AllTlsSettingsFromRegistry.ps1`` (see docs/rules/TLS003.md), written
without looking at exotls' implementation. exotls differs on purpose only where Windows'
own defaults differ from HealthChecker's fixed ones; those cases have their own tests.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exotls.checks import protocol_state
from exotls.checks.windows import WINDOWS_DEFAULTS

RAW = (None, 0, 1, 0xFFFFFFFF)
COMBOS = list(itertools.product(RAW, repeat=4))  # (server Enabled, server DbD, client Enabled, client DbD)
assert len(COMBOS) == 256


def hc_state(version: str, s_en: int | None, s_dbd: int | None, c_en: int | None, c_dbd: int | None) -> str:
    """HealthChecker's TLSConfiguration for one version (missing Enabled: on, except TLS 1.3: off)."""

    def enabled(raw: int | None) -> bool:
        if raw is None:
            return version != "TLS 1.3"
        return raw != 0

    def dbd(raw: int | None) -> bool:
        return raw is not None and raw != 0

    server_on, client_on = enabled(s_en), enabled(c_en)
    server_dbd, client_dbd = dbd(s_dbd), dbd(c_dbd)
    if server_on != client_on or server_dbd != client_dbd:
        return "Misconfigured"
    if (not server_on and s_dbd is not None and s_dbd == 0) or (server_on and server_dbd):
        return "Half Disabled"
    if not server_on and (server_dbd or s_dbd is None) and not client_on and (client_dbd or c_dbd is None):
        return "Disabled"
    return "Enabled"


def exotls_state(version: str, combo: tuple[int | None, ...], os_family: str | None) -> str:
    s_en, s_dbd, c_en, c_dbd = combo
    return protocol_state(
        version,
        {"Enabled": s_en, "DisabledByDefault": s_dbd},
        {"Enabled": c_en, "DisabledByDefault": c_dbd},
        os_family,
    ).state


# Where Windows' default for an absent Enabled equals HealthChecker's, the states must be identical.
PARITY = [
    (version, os_family)
    for version in ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")
    for os_family in (
        None,
        "Windows Server 2012",
        "Windows Server 2012 R2",
        "Windows Server 2016",
        "Windows Server 2019",
        "Windows Server 2022",
        "Windows Server 2025",
    )
    if not (version == "TLS 1.3" and os_family in ("Windows Server 2022", "Windows Server 2025"))
]


@pytest.mark.parametrize(("version", "os_family"), PARITY)
def test_matches_healthchecker_for_all_256_combinations(version: str, os_family: str | None) -> None:
    mismatches = [
        (combo, exotls_state(version, combo, os_family), hc_state(version, *combo))
        for combo in COMBOS
        if exotls_state(version, combo, os_family) != hc_state(version, *combo)
    ]
    assert mismatches == []


def test_all_four_states_occur_in_the_table() -> None:
    states = {hc_state("TLS 1.2", *combo) for combo in COMBOS}
    assert states == {"Enabled", "Disabled", "Half Disabled", "Misconfigured"}


HAND_ROWS = [
    # version, server (Enabled, DbD), client (Enabled, DbD), OS, expected, TLSVersionDisabled
    ("TLS 1.2", (None, None), (None, None), None, "Enabled", False),
    ("TLS 1.3", (None, None), (None, None), None, "Disabled", True),
    ("TLS 1.0", (0, 1), (0, 1), "Windows Server 2019", "Disabled", True),
    ("TLS 1.0", (0, None), (0, None), "Windows Server 2019", "Disabled", True),
    ("TLS 1.1", (1, 1), (1, 1), "Windows Server 2016", "Half Disabled", False),
    ("TLS 1.1", (0, 0), (0, 0), "Windows Server 2016", "Half Disabled", False),
    ("TLS 1.0", (0, 1), (1, 0), "Windows Server 2016", "Misconfigured", False),
    # HealthChecker quirk kept: disabled by its definition, yet Misconfigured (DbD 1 vs absent).
    ("TLS 1.0", (0, 1), (0, None), "Windows Server 2016", "Misconfigured", True),
    ("TLS 1.2", (0xFFFFFFFF, 0), (1, 0), "Windows Server 2019", "Enabled", False),
    ("TLS 1.2", (1, 0xFFFFFFFF), (1, 1), "Windows Server 2019", "Half Disabled", False),
    # Enabled=0 on both sides but DbD=0 on the client only: HealthChecker does not call it disabled.
    ("TLS 1.0", (0, None), (0, 0), None, "Enabled", False),
]


@pytest.mark.parametrize(("version", "server", "client", "os_family", "expected", "disabled"), HAND_ROWS)
def test_hand_written_rows(version, server, client, os_family, expected, disabled) -> None:  # type: ignore[no-untyped-def]
    state = protocol_state(
        version,
        {"Enabled": server[0], "DisabledByDefault": server[1]},
        {"Enabled": client[0], "DisabledByDefault": client[1]},
        os_family,
    )
    assert state.state == expected
    assert state.disabled is disabled


@pytest.mark.parametrize("os_family", ["Windows Server 2022", "Windows Server 2025"])
def test_deliberate_difference_tls13_absent_means_enabled_on_2022_and_later(os_family: str) -> None:
    """Windows Server 2022+ enables TLS 1.3 when no key exists; HealthChecker reads absent as off."""
    state = protocol_state(
        "TLS 1.3",
        {"Enabled": None, "DisabledByDefault": None},
        {"Enabled": None, "DisabledByDefault": None},
        os_family,
    )
    assert state.state == "Enabled"
    assert hc_state("TLS 1.3", None, None, None, None) == "Disabled"
    assert state.server.usable and state.client.offered
    assert state.defaults_assumed and state.default_basis == f"{os_family} default"
    # Everywhere else exotls equals HealthChecker with "absent Enabled = on" for TLS 1.3.
    for combo in COMBOS:
        assert exotls_state("TLS 1.3", combo, os_family) == hc_state("TLS 1.0", *combo)
    differing = [
        combo for combo in COMBOS if exotls_state("TLS 1.3", combo, os_family) != hc_state("TLS 1.3", *combo)
    ]
    assert differing and all(None in (combo[0], combo[2]) for combo in differing)


def test_deliberate_difference_tls11_tls12_absent_means_disabled_on_2008_r2() -> None:
    for version in ("TLS 1.1", "TLS 1.2"):
        state = protocol_state(version, {}, {}, "Windows Server 2008 R2")
        assert state.state == "Disabled" and not state.server.usable
        assert hc_state(version, None, None, None, None) == "Enabled"
        for combo in COMBOS:
            assert exotls_state(version, combo, "Windows Server 2008 R2") == hc_state("TLS 1.3", *combo)


def test_unknown_os_falls_back_to_healthchecker_and_says_so() -> None:
    state = protocol_state(
        "TLS 1.0", {"Enabled": None, "DisabledByDefault": 1}, {"Enabled": 1, "DisabledByDefault": 1}, None
    )
    assert state.defaults_assumed
    assert state.default_basis == "HealthChecker default (OS unknown)"
    explicit = protocol_state(
        "TLS 1.0", {"Enabled": 1, "DisabledByDefault": 0}, {"Enabled": 1, "DisabledByDefault": 0}, None
    )
    assert not explicit.defaults_assumed


def test_unsupported_protocol_is_never_usable_even_when_enabled_in_the_registry() -> None:
    ssl2 = protocol_state(
        "SSL 2.0",
        {"Enabled": 1, "DisabledByDefault": 0},
        {"Enabled": 1, "DisabledByDefault": 0},
        "Windows Server 2016",
    )
    assert ssl2.server.enabled and not ssl2.server.usable and not ssl2.server.offered
    ssl3 = protocol_state("SSL 3.0", {}, {}, "Windows Server 2012 R2")
    assert ssl3.server.usable and ssl3.state == "Enabled"


def test_offered_needs_disabled_by_default_zero() -> None:
    state = protocol_state(
        "TLS 1.2",
        {"Enabled": 1, "DisabledByDefault": 1},
        {"Enabled": 1, "DisabledByDefault": 0},
        "Windows Server 2019",
    )
    assert state.server.usable and not state.server.offered
    assert state.client.offered


def test_windows_default_table_has_every_protocol_for_every_os() -> None:
    for family, row in WINDOWS_DEFAULTS.items():
        assert set(row) == {"SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"}, family
    assert WINDOWS_DEFAULTS["Windows Server 2022"]["TLS 1.3"] == ("enabled", "enabled")
    assert WINDOWS_DEFAULTS["Windows Server 2019"]["TLS 1.3"] == ("unsupported", "unsupported")
    assert WINDOWS_DEFAULTS["Windows Server 2008 R2"]["SSL 2.0"] == ("enabled", "disabled")


nonzero = st.integers(min_value=1, max_value=0xFFFFFFFF)
raw = st.one_of(st.none(), st.just(0), nonzero)


@settings(max_examples=200, deadline=None)
@given(
    version=st.sampled_from(["TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"]),
    values=st.tuples(raw, raw, raw, raw),
    os_family=st.sampled_from([None, "Windows Server 2016", "Windows Server 2022"]),
)
def test_any_non_zero_value_counts_like_one(
    version: str, values: tuple[int | None, ...], os_family: str | None
) -> None:
    as_one = tuple(None if v is None else (1 if v else 0) for v in values)
    assert exotls_state(version, values, os_family) == exotls_state(version, as_one, os_family)
