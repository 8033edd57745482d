"""The main job: read every input, extract facts, merge them per server, judge them.

One way through: discover files -> read + extract each (in a process pool when there
are many) -> merge -> map builds to releases -> rules -> Report. A file that fails is
an entry in ``report.inputs`` with its reason; it never hides the other files.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from exotls.errors import ExotlsError, InvalidBuildError, UnsupportedFormatError
from exotls.extract import FileFacts, extract_document, identity_from_path, merge
from exotls.extract.collectlog import COLLECT_LOG_NAME, collect_log_facts
from exotls.inputs import Candidate, discover
from exotls.model import InputFile, Organization, ReleaseRef, Report, Server, Summary, ToolInfo

if TYPE_CHECKING:
    from exotls.releases import ReleaseTable
    from exotls.rules import Suppression

__all__ = ["analyze", "extract_file"]

# Below this many files a pool costs more than it saves.
_POOL_MIN_FILES = 16


def extract_file(candidate: Candidate, server: str | None = None) -> FileFacts:
    """Read and extract one file; every failure becomes the file's error entry."""
    from exotls.read import read
    from exotls.usage import detect_usage_file

    try:
        usage_kind = detect_usage_file(candidate.path)
    except Exception:  # a sniffing bug must not lose the file: read it as an export instead
        usage_kind = None
    if usage_kind is not None:
        return FileFacts(input=InputFile(path=candidate.display, kinds=[usage_kind]), usage=True)
    fallback = server or identity_from_path(candidate.display, candidate.root)
    try:
        if Path(candidate.path).name.casefold() == COLLECT_LOG_NAME:
            from exotls.read.encoding import decode

            with open(candidate.path, "rb") as handle:
                return collect_log_facts(decode(handle.read()).text, candidate.display, fallback)
        doc = read(candidate.path, stream=True)
        doc.path = candidate.display
        return extract_document(doc, fallback_identity=fallback)
    except UnsupportedFormatError as err:
        # Text that is no export at all (a README, notes) is not a broken export: list it as ignored.
        return FileFacts(input=InputFile(path=candidate.display, status="ignored", error=err.reason))
    except OSError as err:
        return FileFacts(input=InputFile(path=candidate.display, status="error",
                                         error=f"cannot read file: {err.strerror or err}"))
    except ExotlsError as err:
        where = f"line {err.line}: " if err.line is not None else ""
        return FileFacts(input=InputFile(path=candidate.display, status="error", error=where + err.reason))
    except Exception as err:  # never a traceback for one bad file; say what happened
        return FileFacts(
            input=InputFile(
                path=candidate.display, status="error", error=f"internal error while reading: {type(err).__name__}: {err}"
            )
        )


def _extract_all(
    candidates: Sequence[Candidate], server: str | None, jobs: int | None, progress: Callable[[int, int], None] | None
) -> list[FileFacts]:
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 2 if len(candidates) >= _POOL_MIN_FILES else 1)
    results: list[FileFacts] = []
    if workers <= 1:
        for index, candidate in enumerate(candidates, 1):
            results.append(extract_file(candidate, server))
            if progress:
                progress(index, len(candidates))
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        chunk = max(1, len(candidates) // (workers * 8))
        for index, facts in enumerate(pool.map(extract_file, candidates, [server] * len(candidates), chunksize=chunk), 1):
            results.append(facts)
            if progress:
                progress(index, len(candidates))
    return results


def _attach_releases(servers: list[Server], as_of: dt.date, table: ReleaseTable | None) -> None:
    from exotls.releases import lookup

    for server in servers:
        if server.build is None:
            continue
        try:
            info = lookup(server.build, as_of=as_of, table=table)
        except InvalidBuildError:
            continue
        server.release = ReleaseRef(
            product=info.product,
            name=info.name,
            kind=info.kind,
            date=info.date,
            exact=info.exact,
            newer_than_table=info.newer_than_table,
        )


def _summary(inputs: Sequence[InputFile]) -> Summary:
    return Summary(
        files=len(inputs),
        ok=sum(1 for i in inputs if i.status == "ok"),
        error=sum(1 for i in inputs if i.status == "error"),
        ignored=sum(1 for i in inputs if i.status == "ignored"),
    )


def analyze(
    paths: Sequence[str | Path],
    *,
    as_of: dt.date | None = None,
    server: str | None = None,
    select: Sequence[str] | None = None,
    skip: Sequence[str] | None = None,
    suppressions: Sequence[Suppression] = (),
    releases: str | Path | ReleaseTable | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Analyze exports (files, folders, globs) and return the full report.

    ``as_of`` is the evaluation date for lifecycle rules; ``None`` means today (read
    here, at the boundary, never inside a rule). ``server`` names the server for dumps
    that carry no identity. ``releases`` is a newer release table (path or loaded).
    """
    from exotls import __version__
    from exotls.releases import ReleaseTable, load_table
    from exotls.rules import evaluate

    when = as_of or dt.date.today()
    table = releases if isinstance(releases, ReleaseTable) else load_table(releases)
    candidates, notes = discover(paths)
    files = _extract_all(candidates, server, jobs, progress)
    organization, servers = merge(files)
    _attach_releases(servers, when, table)
    usage_paths = [c.path for c, f in zip(candidates, files, strict=True) if f.usage]
    usage = None
    if usage_paths:
        from exotls.usage import analyze_usage

        usage_report = analyze_usage(usage_paths, jobs=jobs)
        usage = usage_report.model_dump(mode="json")
        skipped = {s.path: s.reason for s in usage_report.skipped}
        for candidate, facts in zip(candidates, files, strict=True):
            reason = skipped.get(candidate.path)
            if facts.usage and reason:
                facts.input.status, facts.input.error = "error", reason
    inputs = sorted([f.input for f in files] + notes, key=lambda i: (i.path, i.status))
    report = Report(
        tool=ToolInfo(version=__version__),
        releases_as_of=table.as_of,
        as_of=when,
        summary=_summary(inputs),
        inputs=inputs,
        organization=organization if organization is not None else Organization(),
        servers=servers,
        usage=usage,
    )
    return evaluate(report, as_of=when, select=select, skip=skip, suppressions=suppressions, table=table)
