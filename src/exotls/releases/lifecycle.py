"""Lifecycle answers at a given date: end of support, ESU windows, latest SU, table staleness.

Every function takes the evaluation date as an argument; nothing here reads the clock, so a
report about last year's dump gives last year's answer and tests are reproducible.
"""

import datetime as dt
from collections.abc import Sequence

from exotls.releases.table import UPDATE_KINDS, ProductInfo, Release
from exotls.releases.version import Build

__all__ = [
    "STALE_AFTER_DAYS",
    "end_of_support_passed",
    "esu_period",
    "latest_update",
    "staleness_warning",
]

# The rule: answers past this many days after the table's own date say it may be stale.
STALE_AFTER_DAYS = 120


def end_of_support_passed(info: ProductInfo, as_of: dt.date) -> bool:
    """Microsoft support ends at the end of the published day; modern-lifecycle products have no end."""
    if info.end_of_support is None:
        return False
    return as_of > info.end_of_support


def esu_period(info: ProductInfo, cu: str | None, as_of: dt.date) -> str | None:
    """The paid ESU window covering this CU line on this date, if any (ESU is not support)."""
    if cu is None:
        return None
    for period in info.esu:
        if cu in period.lines and period.start <= as_of <= period.end:
            return period.name
    return None


def latest_update(line: Sequence[tuple[Build, Release]], as_of: dt.date) -> tuple[Build, Release] | None:
    """The newest SU, HU or rollup on a CU line released on or before ``as_of``."""
    released = [item for item in line if item[1].kind in UPDATE_KINDS and item[1].date <= as_of]
    return max(released, key=lambda item: item[0]) if released else None


def staleness_warning(table_as_of: dt.date, as_of: dt.date, origin: str) -> str | None:
    """A plain warning when the evaluation date is more than STALE_AFTER_DAYS past the table's date."""
    age = (as_of - table_as_of).days
    if age <= STALE_AFTER_DAYS:
        return None
    which = "embedded release table" if origin == "embedded" else f"release table {origin}"
    return (
        f"The {which} is dated {table_as_of.isoformat()}, {age} days before the evaluation date "
        f"{as_of.isoformat()}; it may be out of date (newer releases show as unknown or as newer than "
        "the table). Supply a newer table with --releases FILE."
    )
