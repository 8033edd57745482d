"""Fuzz targets: one function per reader, each fed raw bytes.

A target returns normally when the reader succeeded or raised ``ExotlsError`` (the one
error type exotls promises); anything else escapes and is a finding. Both fuzz engines
(atheris in ``fuzz_<name>.py``, the pure-Python fallback in ``run.py``) and the replay
test (``tests/test_hostile_fuzz_corpus.py``) call these same functions, so a crash the
fuzzer saved is replayed exactly as it was found.

Per-reader targets skip format sniffing (decode, then call that reader directly) so the
fuzzer's effort goes into the reader, not into sniffing its input away as unsupported.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from exotls.errors import ExotlsError

__all__ = ["FIXTURES", "SEEDS", "TARGETS", "run_target"]

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def _consume(objects: object) -> None:
    """Walk lazily produced objects (the streaming reader yields them one at a time)."""
    for _ in objects:  # type: ignore[attr-defined]
        pass


def _clixml(data: bytes) -> None:
    from exotls.readers.clixml import read_clixml
    from exotls.readers.encoding import decode
    from exotls.readers.jsonable import to_jsonable

    doc = read_clixml(decode(data), "<fuzz>")
    # The `exotls read --format json` path: cycles and Ref lattices. A small repeat budget
    # keeps the fuzzer fast; the real bound is tested in tests/test_hostile_size.py.
    to_jsonable(doc.objects, repeat_limit=2000)


def _clixml_stream(data: bytes) -> None:
    """The streaming reader works on a file, so write one (tmpfs when available)."""
    from exotls.readers import read

    folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
    fd, name = tempfile.mkstemp(prefix="exotls-fuzz-", suffix=".xml", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        _consume(read(name, stream=True).objects)
    finally:
        os.unlink(name)


def _json(data: bytes) -> None:
    from exotls.readers.encoding import decode
    from exotls.readers.jsonfile import read_json

    read_json(decode(data), "<fuzz>")


def _reg(data: bytes) -> None:
    from exotls.readers.encoding import decode
    from exotls.readers.regfile import read_reg

    read_reg(decode(data), "<fuzz>")


def _formatlist(data: bytes) -> None:
    from exotls.readers.encoding import decode
    from exotls.readers.formatlist import read_format_list

    read_format_list(decode(data), "<fuzz>")


def _read_bytes(data: bytes) -> None:
    """The whole dispatcher, then the extract layer, as ``analyze`` does per file."""
    from exotls.extract import extract_document
    from exotls.readers import read_bytes

    doc = read_bytes(data, "<fuzz>")
    extract_document(doc, fallback_identity="EX01")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "clixml": _clixml,
    "clixml_stream": _clixml_stream,
    "json": _json,
    "reg": _reg,
    "formatlist": _formatlist,
    "read_bytes": _read_bytes,
}

# Seed folders per target (fixtures of that format, relative to tests/fixtures).
_CLIXML_SEEDS = ("clixml", "extract/fleet", "hostile/clixml")
SEEDS: dict[str, tuple[str, ...]] = {
    "clixml": _CLIXML_SEEDS,
    "clixml_stream": _CLIXML_SEEDS,
    "json": ("json", "hostile/json", "extract/conflict"),
    "reg": ("reg", "hostile/reg"),
    "formatlist": ("formatlist", "hostile/text", "extract/onprem"),
    "read_bytes": ("clixml", "json", "reg", "formatlist", "extract", "hostile", "fuzz"),
}


def run_target(name: str, data: bytes) -> None:
    """Run one target; only ``ExotlsError`` is swallowed (it is the documented outcome)."""
    with contextlib.suppress(ExotlsError):
        TARGETS[name](data)
