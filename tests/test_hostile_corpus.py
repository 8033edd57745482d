"""The hostile corpus: every file under tests/fixtures/hostile/ against its MANIFEST.tsv row.

Each file must give exactly the outcome its row names: the error class, the line, a
fragment of the reason, and the status ``analyze`` reports for it. Files with no row
fail the suite, so a new fixture cannot slip in without its expectation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from exotls import errors
from exotls.errors import ExotlsError
from exotls.pipeline import analyze
from exotls.readers import read, read_bytes
from fuzz.guard import deadline

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
MANIFEST = HOSTILE / "MANIFEST.tsv"
NOT_FIXTURES = {"MANIFEST.tsv", "EXPECTED.txt", "README.md", "make_hostile.py"}
AS_OF = dt.date(2025, 6, 1)


@dataclass(frozen=True)
class Row:
    file: str
    read: str
    line: int | None
    fragment: str | None
    status: str


def _rows() -> list[Row]:
    rows = []
    for text in MANIFEST.read_text(encoding="utf-8").splitlines():
        if not text.strip() or text.startswith("#"):
            continue
        file, outcome, line, fragment, status = text.split("\t")
        rows.append(Row(file, outcome, None if line == "-" else int(line), None if fragment == "-" else fragment, status))
    return rows


ROWS = _rows()


def _fixtures() -> list[str]:
    return sorted(
        str(p.relative_to(HOSTILE)) for p in HOSTILE.rglob("*") if p.is_file() and p.name not in NOT_FIXTURES
    )


def test_manifest_lists_every_fixture_once() -> None:
    listed = [row.file for row in ROWS]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert sorted(listed) == _fixtures()


def test_manifest_outcomes_are_real_error_classes() -> None:
    for row in ROWS:
        assert row.status in ("ok", "error", "ignored")
        if row.read != "ok":
            assert issubclass(getattr(errors, row.read), ExotlsError), row


def _outcome(call: object) -> tuple[str, ExotlsError | None, list[str]]:
    try:
        with deadline(30, "reading a hostile fixture"):
            doc = call()  # type: ignore[operator]
            list(doc.objects)
    except ExotlsError as err:
        return type(err).__name__, err, []
    return "ok", None, list(doc.warnings)


@pytest.mark.parametrize("row", ROWS, ids=[row.file for row in ROWS])
def test_each_fixture_reads_as_its_row_says(row: Row) -> None:
    path = HOSTILE / row.file
    kind, err, warnings = _outcome(lambda: read(path, stream=True))
    assert kind == row.read, f"{row.file}: {err}"
    if err is not None:
        assert err.path == str(path), "the error must name the file"
        assert str(err).startswith(f"{path}:"), str(err)
        assert err.line == row.line
        assert row.fragment is not None and row.fragment in err.reason
    elif row.fragment is not None:
        assert any(row.fragment in w for w in warnings), warnings


@pytest.mark.parametrize("row", ROWS, ids=[row.file for row in ROWS])
def test_in_memory_read_agrees_with_the_file_read(row: Row) -> None:
    """``read_bytes`` (no streaming) gives the same class, line and reason as ``read``."""
    path = HOSTILE / row.file
    kind, err, _ = _outcome(lambda: read_bytes(path.read_bytes(), "given-name.xml"))
    assert kind == row.read
    if err is not None:
        assert err.path == "given-name.xml" and err.line == row.line
        assert row.fragment is not None and row.fragment in err.reason


def test_one_run_over_the_whole_corpus_reports_every_file() -> None:
    with deadline(120, "analyze over the hostile corpus"):
        report = analyze([str(HOSTILE)], as_of=AS_OF, jobs=1)
    by_path = {entry.path: entry for entry in report.inputs}
    for row in ROWS:
        entry = by_path[str(HOSTILE / row.file)]
        assert entry.status == row.status, (row.file, entry.error)
        from_reader = row.read != "ok" and (row.read == "UnsupportedFormatError") == (row.status == "ignored")
        if from_reader:
            assert entry.error is not None and row.fragment is not None and row.fragment in entry.error
            if row.line is not None:
                assert entry.error.startswith(f"line {row.line}: ")
    s = report.summary
    assert s.files == len(report.inputs) == s.ok + s.error + s.ignored
    # READMEs, manifests and the generator are inputs too: every file under the folder is counted.
    assert s.files == sum(1 for p in HOSTILE.rglob("*") if p.is_file())
