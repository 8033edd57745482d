"""The file system as a ticket delivers it: every path is reported and the run goes on.

Each test mixes the odd path with a good export and checks three things: the odd path
has its entry with a reason, the good file is still read (its server is in the report),
and the counts add up. The suite runs as root here, so permission bits cannot make a file
unreadable; what each test really proves is said in its docstring.
"""

from __future__ import annotations

import builtins
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from exotls.model import InputFile, Report
from exotls.pipeline import analyze
from exotls.readers import read
from fuzz.guard import deadline

SAMPLES = Path(__file__).resolve().parents[1] / "src" / "exotls" / "samples"
GOOD = SAMPLES / "EX19-READY" / "ExSetup.xml"
AS_OF = dt.date(2025, 6, 1)


def run(paths: list[str | Path], **kwargs: Any) -> Report:
    with deadline(60, "analyze over odd paths"):
        report = analyze([str(p) for p in paths], as_of=AS_OF, jobs=1, **kwargs)
    s = report.summary
    assert s.files == len(report.inputs) == s.ok + s.error + s.ignored
    return report


def entry(report: Report, path: str | Path) -> InputFile:
    matches = [i for i in report.inputs if i.path == str(path)]
    assert len(matches) == 1, [i.path for i in report.inputs]
    return matches[0]


def good_file_still_read(report: Report, tmp: Path) -> None:
    assert entry(report, tmp / "EX19-READY" / "ExSetup.xml").status == "ok"
    assert [s.name for s in report.servers] == ["EX19-READY"]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "EX19-READY").mkdir()
    (tmp_path / "EX19-READY" / "ExSetup.xml").write_bytes(GOOD.read_bytes())
    return tmp_path


def test_dangling_symlink_is_an_error_naming_the_reason(tmp: Path) -> None:
    """A real open failure (ENOENT through a link whose target is gone), not a simulated one."""
    link = tmp / "gone.xml"
    link.symlink_to(tmp / "deleted-long-ago.xml")
    report = run([tmp])
    bad = entry(report, link)
    assert bad.status == "error" and bad.error == "cannot read file: No such file or directory"
    good_file_still_read(report, tmp)


def test_unreadable_file_is_an_error_and_the_run_goes_on(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root, chmod 000 does not stop a read, so ``open`` is made to fail for that one path
    (as the kernel would for another user): this proves how the failure is reported, not
    that the kernel refuses. As non-root the real chmod 000 is used instead."""
    locked = tmp / "EX20" / "SCHANNEL.reg"
    locked.parent.mkdir()
    locked.write_bytes((SAMPLES / "EX19-READY" / "SCHANNEL.reg").read_bytes())
    if os.geteuid() != 0:
        locked.chmod(0)
    else:
        real_open = builtins.open

        def guarded(file: Any, *args: Any, **kwargs: Any) -> Any:
            if os.fspath(file) == str(locked):
                raise PermissionError(13, "Permission denied", str(locked))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", guarded)
    report = run([tmp])
    assert entry(report, locked).status == "error"
    assert entry(report, locked).error == "cannot read file: Permission denied"
    good_file_still_read(report, tmp)


def test_symlink_loops_are_reported_not_followed(tmp: Path) -> None:
    """Real loops: two file links pointing at each other (ELOOP on open), and a folder link to its parent."""
    (tmp / "a.xml").symlink_to(tmp / "b.xml")
    (tmp / "b.xml").symlink_to(tmp / "a.xml")
    (tmp / "EX19-READY" / "again").symlink_to(tmp)
    report = run([tmp])
    for name in ("a.xml", "b.xml"):
        assert entry(report, tmp / name).status == "error"
        assert "Too many levels of symbolic links" in (entry(report, tmp / name).error or "")
    loop = entry(report, tmp / "EX19-READY" / "again")
    assert loop.status == "ignored" and "not followed" in (loop.error or "")
    good_file_still_read(report, tmp)


def test_folder_in_the_path_list_is_walked_and_an_empty_one_reported(tmp: Path) -> None:
    empty = tmp / "empty"
    empty.mkdir()
    report = run([tmp / "EX19-READY", empty])
    assert entry(report, empty).status == "ignored" and entry(report, empty).error == "folder holds no files"
    good_file_still_read(report, tmp)
    assert report.summary.files == 2


def test_same_file_given_many_ways_is_read_once(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same inode under four names: twice by the same path, a symlink, a hard link, ``./``."""
    target = tmp / "EX19-READY" / "ExSetup.xml"
    (tmp / "EX19-READY" / "link.xml").symlink_to(target)
    os.link(target, tmp / "EX19-READY" / "hard.xml")
    monkeypatch.chdir(tmp)
    report = run([target, target, tmp / "EX19-READY", "./EX19-READY/ExSetup.xml"])
    read_once = [i for i in report.inputs if i.status == "ok"]
    assert len(read_once) == 1
    duplicates = [i for i in report.inputs if i.status == "ignored"]
    assert len(duplicates) == len(report.inputs) - 1 == 5  # 2 given + walk (file, link, hard link) + ./
    assert all((i.error or "").startswith("same file as ") for i in duplicates)
    assert [s.name for s in report.servers] == ["EX19-READY"]


def test_non_utf8_file_names_are_read_and_shown_escaped(tmp: Path) -> None:
    """Linux names are bytes; two names that differ only in invalid bytes must not print alike."""
    folder = os.fsencode(tmp / "EX30")
    os.mkdir(folder)
    for raw in (b"SCHANNEL-\xff.reg", b"SCHANNEL-\xfe.reg"):
        with open(folder + b"/" + raw, "wb") as handle:
            handle.write((SAMPLES / "EX19-READY" / "SCHANNEL.reg").read_bytes())
    report = run([tmp])
    shown = sorted(i.path for i in report.inputs if "/EX30/" in i.path)
    assert shown == [f"{tmp}/EX30/SCHANNEL-\\xfe.reg", f"{tmp}/EX30/SCHANNEL-\\xff.reg"]
    assert [entry(report, p).status for p in shown] == ["ok", "ok"]
    report.model_dump_json()  # the report stays valid UTF-8 JSON
    assert sorted(s.name for s in report.servers) == ["EX19-READY", "EX30"]


def test_fifo_and_devices_are_never_opened(tmp: Path) -> None:
    """A FIFO with no writer would block ``open`` forever, /dev/zero never ends: the deadline
    in ``run`` turns a hang into a failure, so passing proves neither was read."""
    fifo = tmp / "EX19-READY" / "pipe.xml"
    os.mkfifo(fifo)
    report = run([tmp, fifo, "/dev/zero", "/dev/null"])
    for path in (fifo, "/dev/zero", "/dev/null"):
        entries = [i for i in report.inputs if i.path == str(path)]
        assert entries and all(i.status == "ignored" for i in entries)  # the FIFO twice: walked and given
        assert all("not a regular file" in (i.error or "") for i in entries)
    good_file_still_read(report, tmp)


def test_read_refuses_a_fifo_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    from exotls.errors import ReadError

    for stream in (False, True):
        with deadline(10, "read() on a FIFO"), pytest.raises(ReadError, match="not a regular file"):
            read(fifo, stream=stream)
    with pytest.raises(ReadError, match="a folder"):
        read(tmp_path)


def test_missing_paths_and_empty_globs_are_errors(tmp: Path) -> None:
    report = run([tmp, tmp / "nope.xml", str(tmp / "*.nothing")])
    assert entry(report, tmp / "nope.xml").error == "no such file or folder"
    assert entry(report, tmp / "*.nothing").error == "no file matches this pattern"
    good_file_still_read(report, tmp)
