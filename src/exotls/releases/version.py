"""Exchange build strings: a strict gate first, integer tuples after.

Admins paste builds in three shapes: the short form ``15.1.2507.6``, ExSetup's zero-padded
``ProductVersion``/``FileVersion`` ``15.01.2507.006`` and ``AdminDisplayVersion``'s
``Version 15.1 (Build 2507.6)``. Anything else is refused here, before any comparison:
``packaging`` would happily read ``v15.2`` or ``15.2.1748.43rc1`` and treat ``15.2`` as
``15.2.0.0``, which turns a typo into a wrong verdict. Builds compare as tuples of four ints.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from exotls.errors import InvalidBuildError

__all__ = ["Build", "parse_build"]

# ASCII digits only: ``\d`` would also accept Arabic-Indic and other Unicode digits.
_DIGITS = "[0-9]{1,5}"
_DOTTED = re.compile(rf"({_DIGITS})\.({_DIGITS})\.({_DIGITS})\.({_DIGITS})")
_ADMIN_DISPLAY = re.compile(
    rf"Version[ \t]+({_DIGITS})\.({_DIGITS})[ \t]*\([ \t]*Build[ \t]+({_DIGITS})\.({_DIGITS})[ \t]*\)",
    re.IGNORECASE,
)
_MAX_PART = 65535  # System.Version parts on Windows file versions are 16-bit.
_SHOWN = 60  # how much of a rejected string an error message repeats


class Build(NamedTuple):
    """``Major.Minor.Build.Revision`` as ints, so ordering is numeric, never textual."""

    major: int
    minor: int
    build: int
    revision: int

    @property
    def short(self) -> str:
        """``15.1.2507.6``: the form Microsoft's build tables list first."""
        return f"{self.major}.{self.minor}.{self.build}.{self.revision}"

    @property
    def long(self) -> str:
        """``15.01.2507.006``: ExSetup's ProductVersion padding (2, 4 and 3 digits)."""
        return f"{self.major}.{self.minor:02d}.{self.build:04d}.{self.revision:03d}"

    @property
    def line_key(self) -> tuple[int, int, int]:
        """The first three parts: every SU of a CU keeps them and bumps only the revision."""
        return (self.major, self.minor, self.build)


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "...")


def parse_build(text: str) -> Build:
    """Read one build string in an accepted form or raise ``InvalidBuildError`` saying why."""
    if not isinstance(text, str):
        raise InvalidBuildError(f"a build must be text, not {type(text).__name__}")
    return _parse(text)


# The table, the capability thresholds and every server of a fleet parse the same few
# hundred strings over and over; a Build is an immutable tuple, so one parse serves all.
# Refusals raise, and lru_cache never stores a raise: each bad string is refused afresh.
@lru_cache(maxsize=4096)
def _parse(text: str) -> Build:
    stripped = text.strip()
    if not stripped:
        raise InvalidBuildError("empty build string")
    match = _DOTTED.fullmatch(stripped) or _ADMIN_DISPLAY.fullmatch(stripped)
    if match is None:
        raise InvalidBuildError(
            f"not an Exchange build: {_shown(text)}; expected four dotted numbers such as "
            "15.1.2507.6 or 15.01.2507.006, or 'Version 15.1 (Build 2507.6)'"
        )
    parts = [int(group) for group in match.groups()]
    if any(part > _MAX_PART for part in parts):
        raise InvalidBuildError(f"not an Exchange build: {_shown(text)}; a part is above {_MAX_PART}")
    return Build(*parts)
