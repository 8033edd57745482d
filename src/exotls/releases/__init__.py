"""The embedded Exchange release table and its lookups: the one place builds are known.

``parse_build`` gates build strings strictly; ``lookup`` turns a build into the exact release
(or the nearest below it, with a warning), what it supports and where it stands in its
lifecycle on a given date. ``load_table`` reads the embedded table or a newer user file of
the same shape. No other module hard-codes an Exchange build number.

Imports are eager on purpose: the submodule ``lookup`` shares its name with the function, and
only an import in this file guarantees ``exotls.releases.lookup`` resolves to the function.
``releases_as_of`` still reads just the file head, never the 340 rows.
"""

from __future__ import annotations

from exotls.releases.capabilities import Capabilities, load_capabilities
from exotls.releases.lifecycle import STALE_AFTER_DAYS
from exotls.releases.lookup import UNKNOWN_PRODUCT, BuildInfo, lookup, lookup_dict, product_of, release_rows
from exotls.releases.stamp import releases_as_of
from exotls.releases.table import CuLine, EsuPeriod, ProductInfo, Release, ReleaseTable, load_table
from exotls.releases.version import Build, parse_build

__all__ = [
    "STALE_AFTER_DAYS",
    "UNKNOWN_PRODUCT",
    "Build",
    "BuildInfo",
    "Capabilities",
    "CuLine",
    "EsuPeriod",
    "ProductInfo",
    "Release",
    "ReleaseTable",
    "load_capabilities",
    "load_table",
    "lookup",
    "lookup_dict",
    "parse_build",
    "product_of",
    "release_rows",
    "releases_as_of",
]
