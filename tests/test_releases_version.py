"""Build strings: every accepted form, every rejected form, and the short/long round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exotls.errors import InvalidBuildError
from exotls.releases import Build, parse_build

ACCEPTED = [
    ("15.1.2507.6", Build(15, 1, 2507, 6)),
    ("15.01.2507.006", Build(15, 1, 2507, 6)),  # ExSetup ProductVersion / FileVersion
    ("Version 15.1 (Build 2507.6)", Build(15, 1, 2507, 6)),  # AdminDisplayVersion
    ("15.02.1544.004", Build(15, 2, 1544, 4)),
    ("Version 15.2 (Build 2562.17)", Build(15, 2, 2562, 17)),
    ("version 15.2 (build 1748.43)", Build(15, 2, 1748, 43)),
    ("Version 15.0  ( Build 1497.48 )", Build(15, 0, 1497, 48)),
    ("  15.2.1748.43\r\n", Build(15, 2, 1748, 43)),
    ("14.03.0123.004", Build(14, 3, 123, 4)),
    ("8.3.83.6", Build(8, 3, 83, 6)),
]

REJECTED = [
    "v15.2",
    "15.2",
    "15.2.1748",
    "15.2.1748.43rc1",
    "15.2.1748.43.1",
    "",
    "   ",
    "garbage",
    "15.2.1748.-1",
    "15,2,1748,43",
    "15.2.1748.٤٣",  # Arabic-Indic digits are digits to \d but not to Windows
    "15.2.1748.43 extra",
    "Version 15.2",
    "Version 15.2 (Build 1748)",
    "Version 15.2 (Build 1748.43",
    "15.2.1748.70000",  # above the 16-bit part limit of a file version
    "15.2.1748.4\n3",
    "v15.2.1748.43",
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_forms(text: str, expected: Build) -> None:
    assert parse_build(text) == expected


@pytest.mark.parametrize("text", REJECTED)
def test_rejected_forms_raise_invalid_build_error(text: str) -> None:
    with pytest.raises(InvalidBuildError) as info:
        parse_build(text)
    assert str(info.value)  # a reason a user can read, never an empty message


def test_non_text_is_rejected() -> None:
    with pytest.raises(InvalidBuildError, match="must be text"):
        parse_build(15.2)  # type: ignore[arg-type]


def test_error_names_the_accepted_forms() -> None:
    with pytest.raises(InvalidBuildError, match=r"15\.1\.2507\.6.*Version 15\.1 \(Build 2507\.6\)"):
        parse_build("v15.2")


@pytest.mark.parametrize(
    ("build", "short", "long"),
    [
        (Build(15, 1, 2507, 6), "15.1.2507.6", "15.01.2507.006"),
        (Build(14, 3, 123, 4), "14.3.123.4", "14.03.0123.004"),
        (Build(15, 2, 2562, 17), "15.2.2562.17", "15.02.2562.017"),
    ],
)
def test_short_and_long_forms(build: Build, short: str, long: str) -> None:
    assert (build.short, build.long) == (short, long)


def test_builds_order_numerically_not_textually() -> None:
    assert parse_build("15.1.2507.9") < parse_build("15.1.2507.10")
    assert parse_build("15.2.999.1") < parse_build("15.2.1000.0")


parts = st.integers(min_value=0, max_value=65535)


@settings(max_examples=200, deadline=None)
@given(parts, parts, parts, parts)
def test_short_and_long_round_trip(major: int, minor: int, build: int, revision: int) -> None:
    value = Build(major, minor, build, revision)
    assert parse_build(value.short) == value
    assert parse_build(value.long) == value
    assert parse_build(f"Version {major}.{minor} (Build {build}.{revision})") == value


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_build_or_an_invalid_build_error(text: str) -> None:
    try:
        result = parse_build(text)
    except InvalidBuildError:
        return
    assert isinstance(result, Build)
    assert parse_build(result.short) == result
