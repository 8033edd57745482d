"""The speed work's guarantees that are not timings: start-up imports, pool order, GC state.

Timings live in bench/; these tests check what makes them possible and what must not
change with them: ``--version`` and a bare ``import exotls.cli`` stay free of pydantic and
the release table, the process pool gives the serial run's answer in the serial order,
and pausing the collector always restores it.
"""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest

from exotls._stamp import as_of_from_head
from exotls.inputs import discover
from exotls.pipeline import _default_workers, _extract_all, _tasks, _usable_cpus, analyze, gc_paused
from exotls.releases import load_table

SAMPLES = Path(str(files("exotls") / "samples"))
AS_OF = "2026-06-01"


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    return set(proc.stdout.split())


def test_cli_import_loads_neither_pydantic_nor_the_release_table() -> None:
    loaded = _modules_after("import exotls.cli")
    assert "typer" in loaded  # the probe really imported the CLI
    assert "pydantic" not in loaded
    assert not {m for m in loaded if m.startswith("exotls.releases")}


def test_version_prints_the_table_date_without_loading_the_table() -> None:
    code = (
        "import sys\nsys.argv = ['exotls', '--version']\nfrom exotls.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    loaded = _modules_after(code)
    assert "pydantic" not in loaded
    assert not {m for m in loaded if m.startswith("exotls.releases")}
    proc = subprocess.run([sys.executable, "-m", "exotls", "--version"], capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip().endswith(f"(release table as of {load_table().as_of.isoformat()})")


def test_light_reader_agrees_with_the_full_table_load() -> None:
    assert as_of_from_head() == load_table().as_of


def test_tasks_cover_every_file_once_and_start_with_the_biggest() -> None:
    sizes = [10, 20, 5000, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 2000, 1]
    tasks = _tasks(sizes, workers=2)
    flat = [i for task in tasks for i in task]
    assert sorted(flat) == list(range(len(sizes)))
    assert tasks[0] == [2]  # the 5000-byte file runs first, alone
    totals = [sum(sizes[i] for i in task) for task in tasks]
    assert totals == sorted(totals, reverse=True)


def test_a_file_that_cannot_be_stat_ed_still_gets_a_task(tmp_path: Path) -> None:
    (tmp_path / "gone.xml").symlink_to(tmp_path / "nowhere.xml")  # listed, but stat fails
    (candidate,), _ = discover([tmp_path / "gone.xml"])
    sizes = [candidate.size, 300, 200]
    assert sizes[0] == 0
    assert sorted(i for task in _tasks(sizes, workers=2) for i in task) == [0, 1, 2]


def test_little_work_stays_in_one_process_and_much_work_uses_the_cores() -> None:
    assert _default_workers([2_000] * 20) == 1  # the shipped samples' scale
    many = _default_workers([10_000] * 3_000)
    assert 2 <= many <= 8 or _usable_cpus() == 1
    assert many == min(_usable_cpus(), 8)


def test_pool_gives_the_serial_facts_in_the_serial_order() -> None:
    candidates, _ = discover([SAMPLES])
    seen: list[tuple[int, int]] = []
    pooled = _extract_all(candidates, None, 2, lambda done, total: seen.append((done, total)))
    serial = _extract_all(candidates, None, 1, None)
    assert [f.input.path for f in pooled] == [c.display for c in candidates]
    assert [f.input.model_dump() for f in pooled] == [f.input.model_dump() for f in serial]
    assert [[o.facts for o in f.servers] for f in pooled] == [[o.facts for o in f.servers] for f in serial]
    assert seen[-1] == (len(candidates), len(candidates))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_pool_and_serial_reports_are_identical() -> None:
    import datetime as dt

    when = dt.date.fromisoformat(AS_OF)
    assert analyze([SAMPLES], as_of=when, jobs=2).model_dump_json() == analyze(
        [SAMPLES], as_of=when, jobs=1
    ).model_dump_json()


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_collector_state(enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), gc_paused():
            raise RuntimeError("boom")
        assert gc.isenabled() is enabled
        assert analyze([SAMPLES / "EX19-READY"], jobs=1).summary.ok > 0
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()



def test_a_worker_that_dies_loses_only_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that kills its worker process (out of memory, killed) is an error entry; the rest is read."""
    import os

    from exotls import pipeline

    for index in range(20):
        shutil.copy(SAMPLES / "EX19-READY" / "SCHANNEL.reg", tmp_path / f"EX{index:02d}_schannel.reg")
    (tmp_path / "EX99_schannel.reg").write_bytes((SAMPLES / "EX19-READY" / "SCHANNEL.reg").read_bytes())
    real = pipeline.extract_file

    def dies_on_ex99(candidate, server=None):  # type: ignore[no-untyped-def]
        if "EX99" in candidate.path:
            os._exit(3)  # what the kernel's OOM killer looks like from the parent
        return real(candidate, server)

    monkeypatch.setattr(pipeline, "extract_file", dies_on_ex99)  # workers fork after this
    candidates, _ = discover([tmp_path])
    facts = pipeline._extract_all(candidates, None, 2, None)
    status = {Path(f.input.path).name: (f.input.status, f.input.error or "") for f in facts}
    assert len(status) == 21
    assert status["EX99_schannel.reg"][0] == "error" and "worker process" in status["EX99_schannel.reg"][1]
    assert all(s == ("ok", "") for name, s in status.items() if name != "EX99_schannel.reg")


def test_retrying_alone_reads_each_file_in_a_worker_that_survives_the_bad_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retry path itself: a file before and after the one that kills its worker are read."""
    import os

    from exotls import pipeline

    for name in ("EX00_schannel.reg", "EX50_schannel.reg", "EX99_schannel.reg"):
        shutil.copy(SAMPLES / "EX19-READY" / "SCHANNEL.reg", tmp_path / name)
    real = pipeline.extract_file

    def dies_on_ex50(candidate, server=None):  # type: ignore[no-untyped-def]
        if "EX50" in candidate.path:
            os._exit(3)
        return real(candidate, server)

    monkeypatch.setattr(pipeline, "extract_file", dies_on_ex50)
    candidates, _ = discover([tmp_path])
    retried = dict(pipeline._retry_alone(candidates, [0, 1, 2], None))
    assert [retried[i].input.status for i in (0, 1, 2)] == ["ok", "error", "ok"]
    assert "worker process" in (retried[1].input.error or "")
    assert retried[2].input.kinds == retried[0].input.kinds != []


def _opens_during(monkeypatch: pytest.MonkeyPatch, action: Callable[[], object]) -> tuple[object, list[str]]:
    import builtins

    opened: list[str] = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    try:
        result = action()
    finally:
        monkeypatch.setattr(builtins, "open", real_open)
    return result, opened


@pytest.mark.parametrize("name", ["organization/Get-ExchangeServer.xml", "EX19-READY/SCHANNEL.reg", "EX19-READY/ExSetup.xml"])
def test_a_small_file_is_opened_once_and_reads_as_the_streamed_path_does(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """One open serves usage sniffing and the reader; the streaming path gives the same facts."""
    from exotls import pipeline

    (candidate,), _ = discover([SAMPLES / name])
    small, opened = _opens_during(monkeypatch, lambda: pipeline.extract_file(candidate))
    assert opened == [candidate.path]
    monkeypatch.setattr(pipeline, "_SMALL_FILE", 0)  # every file now takes the big-file path
    streamed, opened_big = _opens_during(monkeypatch, lambda: pipeline.extract_file(candidate))
    assert len(opened_big) > 1
    assert isinstance(small, pipeline.FileFacts) and isinstance(streamed, pipeline.FileFacts)
    assert small.input.status == "ok"
    assert repr(small) == repr(streamed)
