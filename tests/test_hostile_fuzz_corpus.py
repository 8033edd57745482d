"""Replay the fuzzers' findings (tests/fixtures/fuzz/): each must now read or fail cleanly.

Every saved input goes through ``read_bytes`` (the dispatcher) and through the target that
found it (its folder's name), under a hang deadline. ``run_target`` lets only
``ExotlsError`` pass, so a regression shows as the original exception.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exotls.errors import ExotlsError
from exotls.readers import read_bytes
from fuzz.guard import deadline
from fuzz.targets import TARGETS, run_target

CORPUS = Path(__file__).parent / "fixtures" / "fuzz"


def saved_inputs() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "README.md")


def test_corpus_folders_name_real_targets() -> None:
    assert (CORPUS / "README.md").is_file()
    for path in saved_inputs():
        assert path.parent == CORPUS or path.parent.name in TARGETS, path


def test_every_saved_input_reads_or_fails_cleanly() -> None:
    replayed = 0
    for path in saved_inputs():
        data = path.read_bytes()
        with deadline(30, f"replaying {path.name}"):
            try:
                read_bytes(data, path.name)
            except ExotlsError as err:
                assert err.path == path.name
            if path.parent.name in TARGETS:
                run_target(path.parent.name, data)
        replayed += 1
    assert replayed >= 20  # the hand-written regression inputs at least


def test_the_fallback_fuzzer_saves_crashes_and_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """run.py's pure-Python engine on two broken stand-in readers: both findings are saved."""
    import time

    from fuzz import run

    def crashes(data: bytes) -> None:
        raise KeyError("a bug")

    def hangs(data: bytes) -> None:
        time.sleep(60)

    monkeypatch.setattr(run, "CRASHES", tmp_path)
    monkeypatch.setattr(run, "HANG_SECONDS", 0.2)
    monkeypatch.setitem(run.TARGETS, "json", crashes)
    monkeypatch.setitem(run.TARGETS, "reg", hangs)
    crash = run.run_python("json", 1, seed=1)
    hang = run.run_python("reg", 1, seed=1)
    assert crash["execs"] and {p.name.split("-")[0] for p in (tmp_path / "json").iterdir()} == {"crash"}
    assert hang["execs"] and {p.name.split("-")[0] for p in (tmp_path / "reg").iterdir()} == {"timeout"}
