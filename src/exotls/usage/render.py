"""Text renderings of a ``UsageReport``: CSV (one row per client) and a plain table.

JSON is ``report.model_dump_json()``: the model is the contract. Values come from logs
an attacker can write to (EHLO names, user agents), so CSV cells that a spreadsheet
would run as a formula are prefixed with ``'``, and the table strips control characters.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime

from exotls.usage.model import UsageClient, UsageReport

__all__ = ["CSV_COLUMNS", "render_usage_csv", "render_usage_table"]

CSV_COLUMNS = (
    "source", "server", "client", "tls_version", "count", "unit", "users", "user_agents", "ehlo", "mail_from",
    "connectors", "vdirs", "first_seen", "last_seen", "sources",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CELL = 48


def _stamp(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def _cell(client: UsageClient, name: str) -> str:
    value = getattr(client, name)
    if isinstance(value, list):
        return "; ".join(value)
    if isinstance(value, datetime) or (value is None and name in ("first_seen", "last_seen")):
        return _stamp(value)
    return "" if value is None else str(value)


def render_usage_csv(report: UsageReport) -> str:
    """One header row, then one row per client in report order; lists joined with ``; ``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for client in report.clients:
        writer.writerow([_safe(_cell(client, name)) for name in CSV_COLUMNS])
    return buffer.getvalue()


def _short(text: str, width: int = _CELL) -> str:
    text = _CONTROL.sub(" ", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _details(client: UsageClient) -> str:
    parts: list[str] = []
    for label, values in (
        ("users", client.users), ("ehlo", client.ehlo), ("from", client.mail_from), ("ua", client.user_agents),
        ("vdirs", client.vdirs), ("via", client.connectors),
    ):
        if values:
            more = f" +{len(values) - 2}" if len(values) > 2 else ""
            parts.append(f"{label}: {', '.join(values[:2])}{more}")
    return " | ".join(parts)


def _grid(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) if rows else len(header[i]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows)
    return lines


def render_usage_table(report: UsageReport) -> str:
    """Plain text for a terminal: legacy clients, other clients, totals, windows, notes, skipped."""
    lines: list[str] = []
    header = ("SOURCE", "SERVER", "CLIENT", "TLS", "COUNT", "FIRST SEEN", "LAST SEEN", "DETAILS")
    for title, legacy in (("Legacy TLS clients (TLS 1.0/1.1, SSL)", True), ("Other clients", False)):
        chosen = [client for client in report.clients if client.legacy == legacy]
        lines.append(f"{title}: {len(chosen)}")
        if chosen:
            rows = [
                (
                    client.source,
                    _short(client.server or "-", 24),
                    _short(client.client or "(not logged)", 40),
                    client.tls_version,
                    f"{client.count} {client.unit}",
                    _stamp(client.first_seen) or "-",
                    _stamp(client.last_seen) or "-",
                    _short(_details(client), 100),
                )
                for client in chosen
            ]
            lines.extend(_grid(header, rows))
        lines.append("")
    if report.totals:
        lines.append("Totals")
        for source, counts in report.totals.items():
            lines.append(f"  {source}: " + ", ".join(f"{version} {count}" for version, count in counts.items()))
        lines.append("")
    if report.windows:
        lines.append("Evidence windows")
        for source, window in report.windows.items():
            span = f"{_stamp(window.first) or '?'} .. {_stamp(window.last) or '?'}"
            lines.append(f"  {source}: {span}" + ("  (short)" if window.short else ""))
        lines.append("")
    for title, items in (
        ("Notes", [_CONTROL.sub(" ", note) for note in report.notes]),
        ("Skipped", [_CONTROL.sub(" ", f"{item.path}: {item.reason}") for item in report.skipped]),
    ):
        if items:
            lines.append(title)
            lines.extend(f"  - {item}" for item in items)
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
