"""Bytecode for the timed processes, as an installed package has it.

``pip install`` writes ``.pyc`` files for what it installs; an editable install does not,
and these machines set ``PYTHONDONTWRITEBYTECODE=1``, so without this step every timed
``exotls`` process would compile the package's changed sources again (~10-60 ms each,
more on a clean checkout) and the start-up and fleet figures would measure the compiler.
"""

from __future__ import annotations

import compileall
import importlib.util
from pathlib import Path


def compile_exotls() -> None:
    """Write current ``.pyc`` files for every exotls module; cheap when they are current."""
    spec = importlib.util.find_spec("exotls")
    if spec is None or spec.origin is None:
        raise SystemExit("exotls is not importable: run `make bench`, which installs it")
    if not compileall.compile_dir(Path(spec.origin).parent, quiet=1):
        raise SystemExit("compiling exotls failed")
