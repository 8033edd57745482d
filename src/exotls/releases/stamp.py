"""The embedded table's ``as_of`` date, read cheaply for ``exotls --version``.

Only the standard library is imported here: start-up should not pay for pydantic and
340 validated rows just to print a date. The date is the first key of the JSON file, so the
first few hundred bytes hold it; if they ever do not, the full (cached) load answers.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

__all__ = ["DATA_FILE", "DATA_PACKAGE", "releases_as_of"]

DATA_PACKAGE = "exotls.releases"
DATA_FILE = "exchange_releases.json"
_AS_OF = re.compile(rb'"as_of"\s*:\s*"([0-9]{4}-[0-9]{2}-[0-9]{2})"')
_HEAD_BYTES = 512


def releases_as_of() -> dt.date:
    """The embedded release table's date."""
    with resources.files(DATA_PACKAGE).joinpath("data", DATA_FILE).open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    match = _AS_OF.search(head)
    if match is not None:
        try:
            return dt.date.fromisoformat(match.group(1).decode("ascii"))
        except ValueError:
            pass
    from exotls.releases.table import load_table  # slow path: validate the whole file

    return load_table().as_of
