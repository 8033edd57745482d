"""The typer CLI: the only module that imports typer. Options in, report out, exit code.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage
error or no usable input. Machine formats go to stdout alone; progress and notes go to
stderr. ``--output`` is written atomically, and only when the run produced a report.
"""

# No ``from __future__ import annotations`` here: typer reads every command's annotations
# on each run, and string annotations would be compiled and evaluated every time.
import contextlib
import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from exotls import __version__
from exotls.errors import ExotlsError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from exotls.model import Report
    from exotls.releases import ReleaseTable

__all__ = ["app", "main"]

app = typer.Typer(
    name="exotls",
    help="Can TLS 1.0/1.1 be disabled on your Exchange servers, and who would break? Offline, from exports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    html = "html"


class SimpleFormat(StrEnum):
    table = "table"
    json = "json"


class UsageFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class FailOn(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"
    never = "never"


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    _err(f"exotls: error: {message}")
    raise typer.Exit(code)


def _version_callback(value: bool) -> None:
    if value:
        from exotls._stamp import as_of_from_head  # stdlib only: --version must not load the release table

        as_of = as_of_from_head()
        if as_of is None:
            from exotls.releases import releases_as_of

            as_of = releases_as_of()
        typer.echo(f"exotls {__version__} (release table as of {as_of.isoformat()})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """exotls command line."""


def _parse_date(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} takes a date as YYYY-MM-DD, not {value!r}")


def _use_color(color: Color, stream: Any) -> bool:
    if color is Color.never or os.environ.get("NO_COLOR"):
        return False
    if color is Color.always:
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def _json_dumps(value: Any, **options: Any) -> str:
    """``json.dumps``, imported only by the commands that print JSON, not on every start."""
    import json

    return json.dumps(value, **options)


def _write_output(text: "str | Iterable[bytes]", output: Path | None) -> None:
    """stdout, or a file replaced atomically so no reader ever sees half a report.

    ``text`` is a whole text, or UTF-8 pieces (a large JSON report, never held whole)."""
    if output is None or str(output) == "-":
        if isinstance(text, str):
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        # UTF-8 bytes, as JSON is defined, whatever the console's or the locale's encoding.
        sys.stdout.flush()
        raw = getattr(sys.stdout, "buffer", None)
        for piece in text:
            if raw is None:
                sys.stdout.write(piece.decode("utf-8"))
            else:
                raw.write(piece)
        (raw or sys.stdout).flush()
        return
    pieces = [text.encode("utf-8")] if isinstance(text, str) else text
    import tempfile

    folder = output.resolve().parent
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
        os.replace(temp, output)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        _fail(f"cannot write {output}: {err.strerror or err}")
    except BaseException:  # the report failed while being written (or Ctrl+C): leave no temp file
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _exit_code(report: "Report", fail_on: FailOn, fail_on_unknown: bool, exit_zero: bool) -> int:
    from exotls.model import Severity

    if report.summary.ok == 0:
        return EXIT_USAGE
    if exit_zero or fail_on is FailOn.never:
        return EXIT_OK
    threshold = Severity(fail_on.value).rank
    statuses = {"fail", "error"} | ({"unknown"} if fail_on_unknown else set())
    for finding in report.findings:
        if finding.suppressed or finding.status not in statuses:
            continue
        if finding.severity.rank >= threshold:
            return EXIT_FINDINGS
    return EXIT_OK


def _render(report: "Report", fmt: ReportFormat, color: bool) -> "str | Iterable[bytes]":
    if fmt is ReportFormat.json:
        from exotls.report.jsonout import json_chunks

        return json_chunks(report)  # written as it is made: a large fleet's report is never one string
    from exotls.checks import rules
    from exotls.report import render

    return render(report, fmt.value, color=color, rules=rules())


def _progress_callback(enabled: bool) -> Any:
    if not enabled:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    progress = Progress(TextColumn("reading"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True),
                        transient=True)
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "task" not in state:
            progress.start()
            state["task"] = progress.add_task("read", total=total)
        progress.update(state["task"], completed=done)
        if done >= total:
            progress.stop()

    return update


def _summary_line(report: "Report") -> str:
    s = report.summary
    return f"exotls: {s.files} files: {s.ok} read, {s.error} errors, {s.ignored} ignored; fleet {report.fleet.verdict}"


@app.command()
def analyze(
    paths: Annotated[list[str], typer.Argument(help="Export files, folders (recursive) or globs.")],
    fmt: Annotated[
        ReportFormat | None,
        typer.Option("--format", "-f", envvar="EXOTLS_FORMAT", help="table (default on a terminal), json, sarif, markdown, html."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", envvar="EXOTLS_OUTPUT", help="Write the report here.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", envvar="EXOTLS_AS_OF", help="Evaluation date YYYY-MM-DD (default today).")] = None,
    server: Annotated[str | None, typer.Option("--server", envvar="EXOTLS_SERVER", help="Server name for dumps that carry none.")] = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", envvar="EXOTLS_RULE", help="Only these rule ids or prefixes.")] = None,
    skip_rule: Annotated[list[str] | None, typer.Option("--skip-rule", envvar="EXOTLS_SKIP_RULE", help="Skip these rule ids or prefixes.")] = None,
    suppressions: Annotated[Path | None, typer.Option("--suppressions", envvar="EXOTLS_SUPPRESSIONS", help="TOML file of accepted findings.")] = None,
    releases: Annotated[Path | None, typer.Option("--releases", envvar="EXOTLS_RELEASES", help="A newer release table JSON.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", envvar="EXOTLS_FAIL_ON", help="Exit 1 for findings at or above this severity.")] = FailOn.high,
    fail_on_unknown: Annotated[bool, typer.Option("--fail-on-unknown", envvar="EXOTLS_FAIL_ON_UNKNOWN", help="Unknown results count toward --fail-on.")] = False,
    exit_zero: Annotated[bool, typer.Option("--exit-zero", envvar="EXOTLS_EXIT_ZERO", help="Exit 0 even with findings (2 still means no usable input).")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", envvar="EXOTLS_JOBS", min=1, help="Worker processes (default: both cores for many files).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", envvar="EXOTLS_QUIET", help="No progress or summary on stderr.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", envvar="EXOTLS_VERBOSE", help="List every file's status on stderr.")] = False,
    color: Annotated[Color, typer.Option("--color", envvar="EXOTLS_COLOR", help="auto, always or never (NO_COLOR wins).")] = Color.auto,
) -> None:
    """Analyze exports and report, per server and for the fleet, whether TLS 1.0/1.1 can be disabled."""
    from exotls.pipeline import analyze as run

    chosen = fmt or (ReportFormat.table if sys.stdout.isatty() or output is not None else ReportFormat.json)
    if output is not None and fmt is None:
        chosen = _format_from_suffix(output)
    when = _parse_date(as_of)
    try:
        accepted = _load_suppressions(suppressions)
        report = run(
            paths, as_of=when, server=server, select=rule or None, skip=skip_rule or None, suppressions=accepted,
            releases=releases, jobs=jobs, progress=_progress_callback(not quiet and sys.stderr.isatty()),
        )
    except ExotlsError as err:
        _fail(str(err))
    if verbose:
        for entry in report.inputs:
            _err(f"  {entry.status:8} {entry.path}" + (f": {entry.error}" if entry.error else ""))
    if report.summary.ok == 0:
        for entry in report.inputs:
            if entry.error:
                _err(f"exotls: {entry.path}: {entry.error}")
        _err(_summary_line(report))
        _fail("no usable input: none of the files could be read as an Exchange or TLS export")
    _write_output(_render(report, chosen, _use_color(color, sys.stdout) and output is None), output)
    if not quiet:
        _err(_summary_line(report))
    raise typer.Exit(_exit_code(report, fail_on, fail_on_unknown, exit_zero))


def _release_table(path: Path | None) -> "ReleaseTable":
    """The embedded table, or the user's newer one; a bad file is a usage error (exit 2)."""
    from exotls.releases import load_table

    try:
        return load_table(path)
    except ExotlsError as err:
        _fail(str(err))


def _format_from_suffix(output: Path) -> ReportFormat:
    by_suffix = {".json": ReportFormat.json, ".sarif": ReportFormat.sarif, ".md": ReportFormat.markdown,
                 ".html": ReportFormat.html, ".htm": ReportFormat.html}
    return by_suffix.get(output.suffix.lower(), ReportFormat.table)


def _load_suppressions(path: Path | None) -> list[Any]:
    if path is None:
        return []
    from exotls.checks import load_suppressions

    return list(load_suppressions(path))


@app.command()
def demo(
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.table,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Evaluation date YYYY-MM-DD (default today).")] = None,
    color: Annotated[Color, typer.Option("--color", help="auto, always or never.")] = Color.auto,
) -> None:
    """Analyze the sample fleet that ships with exotls and show the report."""
    from importlib.resources import as_file, files

    from exotls.pipeline import analyze as run

    with as_file(files("exotls") / "samples") as folder:
        _err(f"exotls demo: analyzing the sample fleet in {folder}")
        # Run from the folder above the samples so every path in the report reads "samples/...".
        here = os.getcwd()
        os.chdir(folder.parent)
        try:
            report = run([folder.name], as_of=_parse_date(as_of))
        finally:
            os.chdir(here)
    _write_output(_render(report, fmt, _use_color(color, sys.stdout)), None)
    _err(_summary_line(report))


@app.command("read")
def read_command(
    files: Annotated[list[Path], typer.Argument(help="Export files to show.")],
    fmt: Annotated[SimpleFormat, typer.Option("--format", "-f", help="table or json.")] = SimpleFormat.table,
) -> None:
    """Show what exotls sees in export files (format, encoding, objects)."""
    from exotls.readers import read
    from exotls.readers.jsonable import to_jsonable

    entries: list[dict[str, Any]] = []
    failed = False
    for path in files:
        try:
            doc = read(path)
        except ExotlsError as err:
            failed = True
            _err(f"exotls: {err}")
            entries.append({"path": str(path), "error": err.reason, "line": err.line})
            continue
        entries.append({
            "path": str(path), "format": doc.format, "encoding": doc.encoding, "newline": doc.newline,
            "warnings": doc.warnings, "change_script": doc.change_script, "stream_errors": doc.stream_errors,
            "objects": to_jsonable(list(doc.objects)),  # one budget for the whole file: Refs can repeat objects
        })
    if fmt is SimpleFormat.json:
        _write_output(_json_dumps(entries, indent=2, ensure_ascii=False) + "\n", None)
    else:
        for entry in entries:
            if "error" in entry:
                continue
            typer.echo(f"{entry['path']}: {entry['format']}, {entry['encoding']}, {len(entry['objects'])} objects")
            for warning in entry["warnings"]:
                typer.echo(f"  warning: {warning}")
            typer.echo(_json_dumps(entry["objects"], indent=2, ensure_ascii=False))
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)


@app.command()
def build(
    versions: Annotated[list[str], typer.Argument(help="Build strings: 15.1.2507.6, 15.01.2507.006, 'Version 15.1 (Build 2507.6)'.")],
    as_of: Annotated[str | None, typer.Option("--as-of", envvar="EXOTLS_AS_OF", help="Evaluation date YYYY-MM-DD.")] = None,
    fmt: Annotated[SimpleFormat, typer.Option("--format", "-f", help="table or json.")] = SimpleFormat.table,
    releases: Annotated[Path | None, typer.Option("--releases", envvar="EXOTLS_RELEASES", help="A newer release table JSON.")] = None,
) -> None:
    """Map Exchange builds to their release, support status and TLS abilities."""
    from exotls.releases import lookup

    when = _parse_date(as_of) or dt.date.today()
    table = _release_table(releases)
    answers: list[dict[str, Any]] = []
    failed = False
    for text in versions:
        try:
            answers.append(lookup(text, as_of=when, table=table).to_cli_dict())
        except ExotlsError as err:
            failed = True
            _err(f"exotls: {text!r}: {err.reason}")
            answers.append({"input": text, "error": err.reason})
    if fmt is SimpleFormat.json:
        _write_output(_json_dumps(answers, indent=2, default=str) + "\n", None)
    else:
        for answer in answers:
            if "error" in answer:
                continue
            typer.echo(f"{answer['input']}: {answer['product']} {answer['name'] or '(unknown release)'}"
                       f" [{answer['build']}]{'' if answer['exact'] else ' (not an exact match)'}")
            for key in ("date", "supports_tls12", "can_disable_tls10_tls11", "supports_tls13", "end_of_support",
                        "latest_su_for_cu"):
                typer.echo(f"  {key:24} {answer.get(key)}")
            for warning in answer.get("warnings", []):
                typer.echo(f"  warning: {warning}")
    raise typer.Exit(EXIT_USAGE if failed else EXIT_OK)


@app.command("releases")
def releases_command(
    product: Annotated[str | None, typer.Option("--product", help="2010, 2013, 2016, 2019 or SE.")] = None,
    fmt: Annotated[SimpleFormat, typer.Option("--format", "-f", help="table or json.")] = SimpleFormat.table,
    releases: Annotated[Path | None, typer.Option("--releases", envvar="EXOTLS_RELEASES", help="A newer release table JSON.")] = None,
) -> None:
    """List the embedded Exchange release table."""
    table = _release_table(releases)
    rows = list(table.rows)
    if product:
        wanted = product.strip().casefold().removeprefix("exchange").strip()
        rows = [r for r in rows if r.product.casefold().removeprefix("exchange").strip() == wanted]
        if not rows:
            _fail(f"no releases for product {product!r}; use 2010, 2013, 2016, 2019 or SE")
    if fmt is SimpleFormat.json:
        data = {"as_of": table.as_of.isoformat(), "releases": [r.model_dump(mode="json") for r in rows]}
        _write_output(_json_dumps(data, indent=2) + "\n", None)
        return
    for row in rows:
        typer.echo(f"{row.product:14} {row.name:22} {row.kind:4} {row.build:18} {row.date}")
    typer.echo(f"({len(rows)} releases; table as of {table.as_of})")


@app.command("rules")
def rules_command(
    rule_id: Annotated[str | None, typer.Argument(help="Show one rule in full.")] = None,
    fmt: Annotated[SimpleFormat, typer.Option("--format", "-f", help="table or json.")] = SimpleFormat.table,
) -> None:
    """List the rules, or explain one."""
    from exotls.checks import get_rule, rules

    try:
        chosen = [get_rule(rule_id)] if rule_id else rules()
    except (ExotlsError, KeyError, LookupError):
        _fail(f"no rule {rule_id!r}; `exotls rules` lists them")
    if fmt is SimpleFormat.json:
        data = [{**r.model_dump(mode="json"), "docs": r.docs_url} for r in chosen]
        _write_output(_json_dumps(data if rule_id is None else data[0], indent=2) + "\n", None)
        return
    for meta in chosen:
        typer.echo(f"{meta.id}  {meta.severity.value:8}  {meta.scope:12}  {meta.title}")
        if rule_id:
            typer.echo(f"\nWhy: {meta.rationale}\n\nFix: {meta.remediation}\n\nDocs: {meta.docs_url}")
            for source in meta.sources:
                typer.echo(f"Source: {source}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the report."""
    from exotls.model import Report

    _write_output(_json_dumps(Report.model_json_schema(), indent=2) + "\n", None)


@app.command("collect-script")
def collect_script(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the script to this file.")] = None,
) -> None:
    """Print the read-only PowerShell script that exports what exotls reads."""
    from importlib.resources import files

    text = (files("exotls") / "scripts" / "Collect-ExoTls.ps1").read_text(encoding="utf-8-sig")
    _write_output(text, output)


@app.command()
def usage(
    paths: Annotated[list[str], typer.Argument(help="Log files, report exports or folders.")],
    fmt: Annotated[UsageFormat, typer.Option("--format", "-f", help="table, json or csv.")] = UsageFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the result here.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = None,
) -> None:
    """Who still negotiates TLS 1.0/1.1: from SMTP, IIS, Schannel, Exchange Online and header evidence."""
    from exotls.usage import analyze_usage, render_usage_csv, render_usage_table

    try:
        result = analyze_usage(paths, jobs=jobs)
    except ExotlsError as err:
        _fail(str(err))
    if fmt is UsageFormat.json:
        text = _json_dumps(result.model_dump(mode="json"), indent=2) + "\n"
    elif fmt is UsageFormat.csv:
        text = render_usage_csv(result)
    else:
        text = render_usage_table(result)
    _write_output(text, output)
    if not result.clients and result.skipped:
        raise typer.Exit(EXIT_USAGE)


def main() -> None:
    """Console entry point: ExotlsError never reaches the user as a traceback."""
    try:
        app()
    except ExotlsError as err:
        _err(f"exotls: error: {err}")
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        sys.exit(130)
