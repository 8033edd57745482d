"""Files shipped inside the package, read with the stdlib only.

In every ordinary install they are plain files beside the modules: opening them directly
costs nothing to import, while ``importlib.resources`` pulls in zipfile and friends (~3 ms
of `exotls build`). The resources API is the fallback for a zipped install.
"""

from __future__ import annotations

import os

__all__ = ["read_package_data"]

_ROOT = os.path.dirname(os.path.abspath(__file__))


def read_package_data(*parts: str, limit: int = -1) -> bytes:
    """The bytes of ``exotls/<parts...>`` (at most ``limit`` of them when it is not -1)."""
    try:
        with open(os.path.join(_ROOT, *parts), "rb") as handle:
            return handle.read(limit)
    except OSError:  # inside a zip: no such path on disk (not found, or "not a directory")
        from importlib import resources

        # files("exotls"), never files("exotls.<subpackage>"): that would import the subpackage.
        with resources.files("exotls").joinpath(*parts).open("rb") as handle:
            return handle.read(limit)
