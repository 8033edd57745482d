"""The embedded table's ``as_of`` date, read cheaply.

The reader itself is ``exotls._stamp`` (stdlib only, outside this package so that
``exotls --version`` need not import it); if the file head does not hold the date,
the full (cached) load answers.
"""

from __future__ import annotations

import datetime as dt

from exotls._stamp import DATA_FILE, as_of_from_head

__all__ = ["DATA_FILE", "releases_as_of"]


def releases_as_of() -> dt.date:
    """The embedded release table's date."""
    found = as_of_from_head()
    if found is not None:
        return found
    from exotls.releases.table import load_table  # slow path: validate the whole file

    return load_table().as_of
