"""``analyze_usage``: find the files, read each one (in a process pool when it pays), fold.

Each file is read by exactly one process, streaming. With a pool, every worker takes the
next file from a shared queue (largest first) and folds what it reads; the parent merges
one result per worker. Folding is order-independent, so the pool's output is identical to
a serial run, however the files were shared out.
"""

from __future__ import annotations

import csv
import gc
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.queues import Queue
from pathlib import Path

from lxml import etree

from exotls.errors import ExotlsError, UsageError
from exotls.usage.accum import FileResult, Key, RawAcc, normalize_ip
from exotls.usage.aggregate import Collector
from exotls.usage.detect import detect_usage_file
from exotls.usage.exo_reports import read_exo_report
from exotls.usage.headers import read_headers
from exotls.usage.iis import decode_user_agent, decode_vdir, read_iis
from exotls.usage.model import UsageReport
from exotls.usage.naming import normalize_server, server_from_path
from exotls.usage.schannel_events import read_events_clixml, read_events_xml, tally
from exotls.usage.smtp import read_smtp, server_of
from exotls.usage.timeparse import parse_iso_bytes, parse_w3c_bytes
from exotls.usage.versions import parse_iis_protocol

__all__ = ["POOL_MIN_BYTES", "analyze_usage", "process_batch", "process_file"]

# Below this much input, starting worker processes costs more than it saves.
POOL_MIN_BYTES = 32 << 20

Task = tuple[str, str | None, str]


def _expand(paths: Iterable[str | Path], collector: Collector) -> list[tuple[str, str | None]]:
    """Files (with the folder the user gave, for server naming), sorted, each once."""
    found: dict[str, tuple[str, str | None]] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    found.setdefault(str(child.resolve()), (str(child), str(path)))
        elif path.is_file():
            found.setdefault(str(path.resolve()), (str(path), None))
        else:
            collector.skip(str(path), "no such file or folder")
    return sorted(found.values())


def process_file(task: Task) -> FileResult:
    """Read one file; every failure becomes ``FileResult.error`` (a worker never raises)."""
    path, root, kind = task
    # The readers build many small sets and no reference cycles: the cyclic collector
    # would only rescan them again and again (it cost 3x on a 100k-client IIS log).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read(path, root, kind)
    except ExotlsError as err:
        reason = err.reason if err.line is None else f"line {err.line}: {err.reason}"
        return FileResult(path=path, kind=kind, error=reason)
    except OSError as err:
        return FileResult(path=path, kind=kind, error=f"cannot read file: {err.strerror or err}")
    except (UnicodeError, csv.Error, etree.Error, ValueError) as err:
        return FileResult(path=path, kind=kind, error=f"cannot read as {kind}: {err}")
    except MemoryError:
        return FileResult(path=path, kind=kind, error="file is too large to read")
    except Exception as err:  # one bad file must not stop the others; say so plainly
        return FileResult(path=path, kind=kind, error=f"unexpected error while reading ({type(err).__name__}: {err})")
    finally:
        if collecting:
            gc.enable()


def _read(path: str, root: str | None, kind: str) -> FileResult:
    path_server = server_from_path(Path(path), Path(root) if root else None)
    if kind in ("smtp-receive", "smtp-send"):
        result, done, content = read_smtp(path, kind)
        if result.error is not None:
            return result
        server = path_server or server_of(content)
        result.add_rows(done, kind, server, parse_iso_bytes)
        result.fragments = [((server, *key[1:]), session) for key, session in result.fragments]
        return result
    if kind == "iis":
        result, counts, content = read_iis(path)
        if result.error is None:
            server = path_server or (normalize_server(content.decode("utf-8", "replace")) if content else None)
            _finish_iis(result, counts, server)
        return result
    if kind in ("schannel-clixml", "schannel-xml"):
        result = FileResult(path=path, kind="schannel")
        events = read_events_clixml(path) if kind == "schannel-clixml" else read_events_xml(path)
        objects = matched = 0
        for event in events:
            objects += 1
            if event is not None:
                matched += 1
                tally(event, path_server, result)
        if not matched:
            result.counters[("no-events", path)] += objects
        return result
    if kind in ("exo-smtp-auth", "exo-messages"):
        return read_exo_report(path, kind)
    if kind == "message-header":
        return read_headers(path)
    return FileResult(path=path, kind=kind, error=f"no reader for {kind}")


def _finish_iis(result: FileResult, counts: dict[tuple[bytes, bytes], RawAcc], server: str | None) -> None:
    """Name the server, decode the raw per-(c-ip, protocol) counts into rows."""
    decoders = {"user_agents": decode_user_agent, "vdirs": decode_vdir}
    for (cip, protocol), raw in counts.items():
        version = parse_iis_protocol(protocol.decode("ascii", "replace"))
        if version is None:
            continue
        client = cip.decode("utf-8", "replace")
        key: Key = ("iis", server, normalize_ip(client) if client != "-" else None, version)
        acc = raw.to_acc(parse_w3c_bytes, decoders)
        acc.sources.add(result.path)
        if key in result.entries:
            result.entries[key].merge(acc)
        else:
            result.entries[key] = acc
    for hop in [hop for hop in result.counters if hop[0] == "lb-hop"]:
        result.counters[("lb-hop", f"{server or 'unknown server'}: {hop[1]}")] += result.counters.pop(hop)


def _tasks(files: list[tuple[str, str | None]], collector: Collector) -> list[Task]:
    tasks: list[Task] = []
    for path, root in files:
        kind = detect_usage_file(path)
        if kind is None:
            collector.skip(path, _why_not(path))
        else:
            tasks.append((path, root, kind))
    return tasks


def _why_not(path: str) -> str:
    try:
        size = os.path.getsize(path)
        with open(path, "rb"):
            pass
    except OSError as err:
        return f"cannot read file: {err.strerror or err}"
    if size == 0:
        return "empty file"
    return "not a TLS usage source (SMTP protocol log, IIS W3C log, Schannel events, EXO report CSV or message headers)"


def process_batch(tasks: Iterable[Task]) -> list[FileResult]:
    """Read several files in one process and fold them there: the parent then merges one
    result per worker instead of one per hourly file (each repeats the same clients).
    Failed files come back on their own, so each is listed in ``skipped``."""
    merged: FileResult | None = None
    failed: list[FileResult] = []
    for task in tasks:
        result = process_file(task)
        if result.error is not None:
            failed.append(result)
            continue
        if merged is None:
            merged = FileResult(path=result.path, kind=result.kind)
        collecting = gc.isenabled()
        gc.disable()  # folding builds sets and no cycles, as reading does
        try:
            merged.absorb(result)
        finally:
            if collecting:
                gc.enable()
    if merged is not None:
        merged.settle()  # decode here, in parallel, not in the parent
    return ([merged] if merged is not None else []) + failed


# The queue of tasks a pool worker drains; set in each worker by ``_start_worker``.
_QUEUE: list[Queue[Task | None]] = []


def _start_worker(tasks: Queue[Task | None]) -> None:
    _QUEUE[:] = [tasks]


def _queued() -> Iterator[Task]:
    tasks = _QUEUE[0]
    while (task := tasks.get()) is not None:
        yield task


def _drain() -> list[FileResult]:
    """One worker's share: files from the shared queue until an end marker, folded here."""
    return process_batch(_queued())


def _run(tasks: list[Task], jobs: int | None) -> Iterator[FileResult]:
    """Serially, or with one worker per core, each taking the next file from a shared queue
    (largest first, so they finish together) and folding what it read; one result each."""
    sizes = {task[0]: _size(task[0]) for task in tasks}
    workers = min(jobs or os.cpu_count() or 1, len(tasks))
    if workers <= 1 or sum(sizes.values()) < POOL_MIN_BYTES:
        yield from process_batch(tasks)
        return
    queue: Queue[Task | None] = multiprocessing.get_context().Queue()
    for task in sorted(tasks, key=lambda item: (-sizes[item[0]], item[0])):
        queue.put(task)
    for _ in range(workers):
        queue.put(None)
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(queue,)) as pool:
            for future in [pool.submit(_drain) for _ in range(workers)]:
                yield from future.result()
    finally:
        queue.close()
        queue.cancel_join_thread()


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def analyze_usage(paths: Iterable[str | Path], *, jobs: int | None = None) -> UsageReport:
    """Analyze usage logs and reports (files, or folders searched recursively).

    ``jobs``: worker processes (default: one per CPU; 1 = serial). Unreadable or
    unrecognised files are listed in ``skipped``; the rest is still analyzed.
    """
    if jobs is not None and jobs < 1:
        raise UsageError(f"jobs must be at least 1, not {jobs}")
    given = list(paths)
    if not given:
        raise UsageError("no input: give at least one file or folder")
    collector = Collector()
    tasks = _tasks(_expand(given, collector), collector)
    for result in _run(tasks, jobs):
        collector.add(result)
    return collector.report()
