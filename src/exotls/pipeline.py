"""The main job: read every input, extract facts, merge them per server, judge them.

One way through: discover files -> read + extract each (in a process pool when there
are many) -> merge -> map builds to releases -> rules -> Report. A file that fails is
an entry in ``report.inputs`` with its reason; it never hides the other files.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exotls.errors import ExotlsError, InvalidBuildError, UnsupportedFormatError
from exotls.extract import FileFacts, extract_document, identity_from_path, merge
from exotls.extract.collectlog import COLLECT_LOG_NAME, collect_log_facts
from exotls.inputs import Candidate, discover
from exotls.model import InputFile, Organization, ReleaseRef, Report, Server, Summary, ToolInfo

if TYPE_CHECKING:
    from exotls.checks import Suppression
    from exotls.releases import ReleaseTable

__all__ = ["analyze", "extract_file", "gc_paused"]

# A pool costs ~30 ms to start and a round trip per task: below this much estimated reading
# work it costs more than it saves. The estimate is per file plus per byte, measured on
# the 2-core bench machine (bench/bench_fleet.py): ~0.3 ms a file, ~25 MB/s of CLIXML.
_POOL_MIN_SECONDS = 0.25
_SECONDS_PER_FILE = 0.0003
_SECONDS_PER_BYTE = 1 / 25e6
_MAX_WORKERS = 8  # beyond this the serial merge, rules and rendering dominate anyway
# Tasks per worker: enough to even out the load, few enough that round trips stay cheap.
_BATCHES_PER_WORKER = 8
# Files up to this size are read in one go and parsed in memory (see _small_file); larger
# CLIXML files are streamed, so memory stays flat however big an export is.
_SMALL_FILE = 4 * 1024 * 1024


def extract_file(candidate: Candidate, server: str | None = None) -> FileFacts:
    """Read and extract one file; every failure becomes the file's error entry."""
    from exotls.readers import read, read_bytes
    from exotls.usage import detect_usage_file, detect_usage_head

    data = _small_file(candidate)
    name = os.path.basename(candidate.path)
    try:
        usage_kind = detect_usage_file(candidate.path) if data is None else detect_usage_head(data, name)
    except Exception:  # a sniffing bug must not lose the file: read it as an export instead
        usage_kind = None
    if usage_kind is not None:
        return FileFacts(input=InputFile(path=candidate.display, kinds=[usage_kind]), usage=True)
    fallback = server or identity_from_path(candidate.display, candidate.root)
    try:
        if name.casefold() == COLLECT_LOG_NAME:
            from exotls.readers.encoding import decode

            if data is None:
                with open(candidate.path, "rb") as handle:
                    data = handle.read()
            return collect_log_facts(decode(data).text, candidate.display, fallback)
        doc = read(candidate.path, stream=True) if data is None else read_bytes(data, candidate.path)
        doc.path = candidate.display
        return extract_document(doc, fallback_identity=fallback)
    except UnsupportedFormatError as err:
        # Text that is no export at all (a README, notes) is not a broken export: list it as ignored.
        where = f"line {err.line}: " if err.line is not None else ""
        return FileFacts(input=InputFile(path=candidate.display, status="ignored", error=where + err.reason))
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


def _small_file(candidate: Candidate) -> bytes | None:
    """The whole file in one read when discovery found it small, else None.

    Most dumps are a few KB: one open and one read serve both the usage sniffing and the
    reader (which otherwise opened a CLIXML file four times: sniff, head, RefId scan,
    parse). None (a big file, or one that changed or failed to open since discovery)
    takes the path that streams and reports errors.
    """
    if not 0 < candidate.size <= _SMALL_FILE:
        return None
    try:
        with open(candidate.path, "rb") as handle:
            data = handle.read(_SMALL_FILE + 1)
    except OSError:
        return None
    return data if 0 < len(data) <= _SMALL_FILE else None


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for a block that builds many long-lived objects.

    Each full collection walks every live object; on a 10,000-server fleet the collector
    took about a quarter of the run while the pipeline only added to what it keeps.
    Reference counting still frees everything that is not a cycle, and the collector's
    previous state (a process-wide switch) comes back on the way out.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _default_workers(sizes: Sequence[int]) -> int:
    """One process for little work; else every usable core, up to ``_MAX_WORKERS``."""
    work = len(sizes) * _SECONDS_PER_FILE + sum(sizes) * _SECONDS_PER_BYTE
    if work < _POOL_MIN_SECONDS:
        return 1
    return max(1, min(_usable_cpus(), _MAX_WORKERS, len(sizes)))


def _tasks(sizes: Sequence[int], workers: int) -> list[list[int]]:
    """Candidate indexes in batches, the most bytes first.

    A pool hands tasks out in order, so the longest ones go first (longest-processing-time
    scheduling): one organization-wide export read last would leave the other core idle.
    Files above an even share of the bytes run alone; the rest go in batches of
    neighbouring files so each round trip to a worker carries a useful amount of work.
    """
    total = sum(sizes) or 1
    big = total // (workers * _BATCHES_PER_WORKER)
    singles = [[i] for i, size in enumerate(sizes) if size > big]
    rest = [i for i, size in enumerate(sizes) if size <= big]
    per_batch = max(1, len(rest) // (workers * _BATCHES_PER_WORKER))
    batches = [rest[start : start + per_batch] for start in range(0, len(rest), per_batch)]
    return sorted(singles + batches, key=lambda batch: -sum(sizes[i] for i in batch))


def _extract_batch(batch: Sequence[Candidate], server: str | None) -> list[FileFacts]:
    return [extract_file(candidate, server) for candidate in batch]


def _extract_all(
    candidates: Sequence[Candidate], server: str | None, jobs: int | None, progress: Callable[[int, int], None] | None
) -> list[FileFacts]:
    """Every file's facts, in ``candidates`` order whatever the pool's completion order."""
    sizes = [c.size for c in candidates] if jobs != 1 else []
    workers = jobs if jobs is not None else _default_workers(sizes)
    total = len(candidates)
    if workers <= 1:
        results: list[FileFacts] = []
        for index, candidate in enumerate(candidates, 1):
            results.append(extract_file(candidate, server))
            if progress:
                progress(index, total)
        return results
    # Import what workers run before they fork, so each does not import it again.
    import exotls.readers
    import exotls.usage  # noqa: F401

    slots: list[FileFacts | None] = [None] * total
    done = 0
    # Workers fork from this process (collector paused): each turns its own collector back on.
    with ProcessPoolExecutor(max_workers=workers, initializer=gc.enable) as pool:
        futures = {
            pool.submit(_extract_batch, [candidates[i] for i in batch], server): batch
            for batch in _tasks(sizes, workers)
        }
        failed: list[int] = []
        for future in as_completed(futures):
            batch = futures[future]
            try:
                for index, facts in zip(batch, future.result(), strict=True):
                    slots[index] = facts
            except Exception:  # a worker died (out of memory, killed): find the file, keep the rest
                failed.extend(batch)
                continue
            done += len(batch)
            if progress:
                progress(done, total)
    for index, facts in _retry_alone(candidates, sorted(failed), server):
        slots[index] = facts
    return [facts for facts in slots if facts is not None]


def _retry_alone(
    candidates: Sequence[Candidate], indexes: Sequence[int], server: str | None
) -> Iterator[tuple[int, FileFacts]]:
    """Files whose worker died, each read again in a worker of its own: one bad file loses only itself."""
    pool: ProcessPoolExecutor | None = None
    try:
        for index in indexes:
            pool = pool or ProcessPoolExecutor(max_workers=1, initializer=gc.enable)
            try:
                # Through _extract_batch, like the first attempt: the task pickles as a module
                # function and the worker looks extract_file up where it runs.
                (facts,) = pool.submit(_extract_batch, [candidates[index]], server).result()
                yield index, facts
            except Exception as err:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
                reason = f"reading this file stopped the worker process ({type(err).__name__}; out of memory?)"
                yield index, FileFacts(input=InputFile(path=candidates[index].display, status="error", error=reason))
    finally:
        if pool is not None:
            pool.shutdown()


def _attach_releases(servers: list[Server], as_of: dt.date, table: ReleaseTable | None) -> None:
    from exotls.releases import lookup

    # A fleet runs a handful of builds: look each up once, give every server its own copy.
    known: dict[str, dict[str, Any] | None] = {}
    for server in servers:
        if server.build is None:
            continue
        if server.build not in known:
            try:
                info = lookup(server.build, as_of=as_of, table=table)
            except InvalidBuildError:
                known[server.build] = None
            else:
                known[server.build] = {
                    "product": info.product,
                    "name": info.name,
                    "kind": info.kind,
                    "date": info.date,
                    "exact": info.exact,
                    "newer_than_table": info.newer_than_table,
                }
        fields = known[server.build]
        if fields is not None:
            server.release = ReleaseRef(**fields)


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
    from exotls.checks import evaluate
    from exotls.releases import ReleaseTable, load_table

    when = as_of or dt.date.today()
    table = releases if isinstance(releases, ReleaseTable) else load_table(releases)
    candidates, notes = discover(paths)
    with gc_paused():
        files = _extract_all(candidates, server, jobs, progress)
        organization, servers = merge(files)
        _attach_releases(servers, when, table)
    usage_paths = [c.path for c, f in zip(candidates, files, strict=True) if f.usage]
    usage = None
    if usage_paths:
        from exotls.usage import analyze_usage

        usage_report = analyze_usage(usage_paths, jobs=jobs)
        usage = usage_report
        skipped = {s.path: s.reason for s in usage_report.skipped}
        for candidate, facts in zip(candidates, files, strict=True):
            reason = skipped.get(candidate.path)
            if facts.usage and reason:
                facts.input.status, facts.input.error = "error", reason
    # The error breaks ties (two paths can print alike), so the order never depends on the arguments'.
    inputs = sorted([f.input for f in files] + notes, key=lambda i: (i.path, i.status, i.error or ""))
    with gc_paused():
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

