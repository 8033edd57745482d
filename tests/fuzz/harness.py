"""The atheris side: instrument exotls, then hand one target to libFuzzer.

Run through ``run.py`` (which passes the corpus, seeds, dictionary, time and
artifact folder); ``python tests/fuzz/fuzz_clixml.py -help=1`` lists libFuzzer's flags.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["exotls"]):
    import exotls.extract
    import exotls.readers
    import exotls.readers.clixml
    import exotls.readers.encoding
    import exotls.readers.formatlist
    import exotls.readers.jsonable
    import exotls.readers.jsonfile
    import exotls.readers.regfile
    import exotls.readers.sniff  # noqa: F401

from targets import run_target


def main(name: str) -> None:
    """Fuzz ``name`` until libFuzzer stops (time, runs or a crash)."""
    atheris.Setup(sys.argv, lambda data: run_target(name, data))
    atheris.Fuzz()
