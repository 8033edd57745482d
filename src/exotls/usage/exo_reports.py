"""Exchange Online report exports (new EAC > Reports > Mail flow > Export, CSV).

* SMTP AUTH clients report: Sender address, Domain, TLS 1.0/1.1/1.2 (percentage),
  Messages sent. Microsoft documents the columns, not the exported text, so header
  spellings and percent formats are matched liberally and every guess becomes a note.
  A TLS 1.0/1.1 share after the 2022 shutdown means the sender uses the opt-in legacy
  endpoint, so the tenant still needs AllowLegacyTLSClients.
* Inbound / Outbound messages reports: Date, Connector direction and name, Connector
  type, Forced TLS?, No TLS, TLS 1.0, TLS 1.1, TLS 1.2, Volume: per connector and day.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

from exotls.errors import ReadError
from exotls.readers.encoding import decode
from exotls.usage.accum import FileResult
from exotls.usage.timeparse import parse_iso
from exotls.usage.versions import normalize_version

__all__ = ["MAX_REPORT_BYTES", "Columns", "classify_header", "read_exo_report"]

MAX_REPORT_BYTES = 256 << 20  # a 90-day portal export is far smaller; refuse absurd input
_NONE_HEADERS = {"notls", "none", "nottls", "unencrypted", "plaintext"}


class Columns:
    """Which column holds what, from the header row."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.sender = self.domain = self.messages = self.date = self.connector = self.direction = -1
        self.versions: dict[int, str] = {}
        for index, raw in enumerate(header):
            text = re.sub(r"[^a-z0-9.]+", " ", raw.lstrip("\ufeff").strip().lower()).strip()
            squeezed = text.replace(" ", "")
            version = normalize_version(text)
            if squeezed in _NONE_HEADERS:
                self.versions[index] = "none"
            elif version is not None and "forced" not in text:
                self.versions[index] = version
            elif "sender" in text and "domain" not in text and self.sender < 0:
                self.sender = index
            elif "domain" in text and self.domain < 0:
                self.domain = index
            elif ("message" in text or squeezed in ("volume", "total", "count")) and self.messages < 0:
                self.messages = index
            elif "date" in text and self.date < 0:
                self.date = index
            elif "connector" in text and "type" not in text and self.connector < 0:
                self.connector = index
            elif "direction" in text and self.direction < 0:
                self.direction = index

    @property
    def kind(self) -> str | None:
        if not any(version != "none" for version in self.versions.values()):
            return None
        if self.sender >= 0:
            return "exo-smtp-auth"
        if self.connector >= 0 or self.direction >= 0:
            return "exo-messages"
        return None


def classify_header(line: str) -> str | None:
    """``exo-smtp-auth``, ``exo-messages`` or None for the first row of a CSV."""
    for delimiter in (",", ";", "\t"):
        if delimiter in line:
            try:
                row = next(csv.reader([line], delimiter=delimiter))
            except (csv.Error, StopIteration):
                continue
            kind = Columns(row).kind
            if kind is not None:
                return kind
    return None


def _number(text: str, *, integral: bool) -> float | None:
    """``1,234`` ``1.234,5`` ``12,5 %`` ``0.125`` ``1 234``: the forms locales export."""
    value = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    value = value.rstrip("%").strip()
    if not value or value in ("-", "—"):
        return 0.0
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif integral and re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
        value = value.replace(".", "")  # 1.000 in a German or French export
    elif "," in value:
        if re.fullmatch(r"\d{1,3}(,\d{3})+", value) and (integral or value.count(",") > 1):
            value = value.replace(",", "")
        else:
            value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")
_DOT_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})")


def _date(text: str, assumptions: set[str]) -> datetime | None:
    stamp = parse_iso(text.strip().replace(" ", "T", 1)) if text.strip()[:4].isdigit() else None
    if stamp is not None:
        return stamp
    for pattern, order, note in (
        (_US_DATE, (2, 0, 1), "dates such as 3/4/2024 were read as month/day/year (the EAC's en-US export)"),
        (_DOT_DATE, (2, 1, 0), "dates such as 04.03.2024 were read as day.month.year"),
    ):
        match = pattern.match(text.strip())
        if match:
            parts = [int(group) for group in match.groups()]
            try:
                stamp = datetime(parts[order[0]], parts[order[1]], parts[order[2]], tzinfo=UTC)
            except ValueError:
                return None
            assumptions.add(note)
            return stamp
    return None


def _rows(path: str) -> tuple[Columns, list[list[str]], int]:
    size = Path(path).stat().st_size
    if size > MAX_REPORT_BYTES:
        raise ReadError(f"file is {size} bytes: larger than any EAC report export", path=path)
    with open(path, "rb") as handle:
        text = decode(handle.read()).text
    lines = text.lstrip("\ufeff").splitlines()
    for offset, line in enumerate(lines[:10]):
        if not line.strip() or line.lower().startswith(("sep=", "#")):
            continue
        delimiter = max((",", ";", "\t"), key=line.count)
        rows = list(csv.reader(lines[offset:], delimiter=delimiter))
        columns = Columns(rows[0])
        if columns.kind is not None:
            return columns, [row for row in rows[1:] if any(cell.strip() for cell in row)], offset + 2
    raise ReadError("no header row with TLS version columns in the first 10 lines", path=path)


def _scale(columns: Columns, rows: list[list[str]], total: int) -> str:
    """``percent``, ``fraction`` or ``count`` for the TLS cells of a whole file."""
    cells = [row[index] for row in rows for index in columns.versions if index < len(row)]
    if any("%" in cell for cell in cells):
        return "percent"
    sums: list[tuple[float, float]] = []
    for row in rows:
        shares = [_number(row[index], integral=False) or 0.0 for index in columns.versions if index < len(row)]
        volume = _number(row[total], integral=True) if 0 <= total < len(row) else None
        sums.append((sum(shares), volume or 0.0))
    if total >= 0 and sums and all(abs(share - volume) < 1.0 for share, volume in sums if volume):
        return "count"
    if sums and all(share == 0 or 0.98 <= share <= 1.02 for share, _ in sums):
        return "fraction"
    if sums and all(share == 0 or 98.0 <= share <= 102.0 for share, _ in sums):
        return "percent"
    return "count" if columns.kind == "exo-messages" else "percent"


def read_exo_report(path: str, kind: str) -> FileResult:
    result = FileResult(path=path, kind=kind)
    columns, rows, first_line = _rows(path)
    source = columns.kind or kind
    result.kind = source
    assumptions: set[str] = set()
    scale = _scale(columns, rows, columns.messages)
    if source == "exo-smtp-auth":
        assumptions.add(
            "SMTP AUTH report: messages per TLS version = 'Messages sent' x the version's share, rounded"
            if scale != "count" else "SMTP AUTH report: the TLS columns hold message counts"
        )
    else:
        assumptions.add(
            "messages report: the TLS columns hold message counts" if scale == "count"
            else "messages report: messages per TLS version = Volume x the version's share, rounded"
        )
    if scale == "fraction":
        assumptions.add("TLS shares were written as fractions (0.25 = 25%): every row summed to 1")
    elif scale == "percent":
        assumptions.add("TLS shares were read as percentages")
    if columns.messages < 0 and scale != "count":
        assumptions.add("no message-count column: each sender or connector with a share counts as 1 message")
    bad = 0
    for number, row in enumerate(rows, first_line):
        client = _client(columns, row)
        if client is None:
            bad += 1
            continue
        volume = _number(row[columns.messages], integral=True) if 0 <= columns.messages < len(row) else None
        stamp = _date(row[columns.date], assumptions) if 0 <= columns.date < len(row) else None
        for index, version in sorted(columns.versions.items()):
            value = _number(row[index], integral=scale == "count") if index < len(row) else 0.0
            if value is None:
                bad += 1
                result.notes.append(f"{path}:{number}: '{row[index]}' is not a number")
                continue
            if scale == "count":
                count = int(value + 0.5)
            else:
                share = value if scale == "fraction" else value / 100.0
                count = int((volume if volume is not None else 1.0) * share + 0.5) if share > 0 else 0
                if share > 0 and count == 0:
                    count = 1  # a non-zero share is at least one message
            if count <= 0:
                continue
            acc = result.entry((source, None, client, version))
            acc.count += count
            acc.see(stamp)
            if source == "exo-messages":
                acc.connectors.add(client)
        result.window(source, stamp)
    for text in sorted(assumptions):
        result.notes.append(f"{path}: assumed {text}")
    if bad:
        result.notes.append(f"{path}: {bad} rows or cells could not be read and were not counted")
    return result


def _client(columns: Columns, row: list[str]) -> str | None:
    if columns.sender >= 0:
        value = row[columns.sender].strip().lower() if columns.sender < len(row) else ""
        return value or None
    parts = [
        row[index].strip()
        for index in (columns.direction, columns.connector)
        if 0 <= index < len(row) and row[index].strip()
    ]
    return ": ".join(parts) or None
