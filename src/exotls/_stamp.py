"""The embedded release table's ``as_of`` date, for ``exotls --version``, with the stdlib only.

It lives outside ``exotls.releases`` on purpose: importing any module of that package
runs its ``__init__``, which loads pydantic and the table's models (most of a
``--version`` run). The date is the first key of the JSON file, so the first few hundred
bytes hold it; ``None`` means they did not, and the caller loads the table instead.
"""

from __future__ import annotations

import datetime as dt
import re

from exotls._package_data import read_package_data

__all__ = ["DATA_FILE", "as_of_from_head"]

DATA_FILE = "exchange_releases.json"
_AS_OF = re.compile(rb'"as_of"\s*:\s*"([0-9]{4}-[0-9]{2}-[0-9]{2})"')
_HEAD_BYTES = 512


def as_of_from_head() -> dt.date | None:
    """The table's date read from the head of its data file, or ``None`` if it is not there."""
    match = _AS_OF.search(read_package_data("releases", "data", DATA_FILE, limit=_HEAD_BYTES))
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1).decode("ascii"))
    except ValueError:
        return None
