"""Timestamps from every source, as aware UTC datetimes (naive ones are UTC by format)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc", "parse_iso", "parse_iso_bytes", "parse_w3c_bytes"]


def as_utc(stamp: datetime) -> datetime:
    """Exchange and IIS log in UTC; a naive value from them is UTC, not local time."""
    if stamp.tzinfo is None:
        # combine, not replace(tzinfo=...): the same value at a third of the cost (twice per row).
        return datetime.combine(stamp.date(), stamp.time(), UTC)
    return stamp.astimezone(UTC)


def parse_iso(text: str) -> datetime | None:
    """ISO 8601 with ``Z``, an offset, or none; up to 7 fractional digits (.NET ticks)."""
    value = text.strip()
    if not value:
        return None
    if len(value) == 24 and value[23] == "Z" and value[19] == ".":
        # Exchange's own shape (``2024-03-04T10:00:01.120Z``), twice per row per file: since
        # Python 3.11 fromisoformat reads the "Z" itself and gives the same aware UTC value.
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, _, tail = value.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        if digits > 6:
            value = f"{head}.{tail[:6]}{tail[digits:]}"
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        return None


def parse_iso_bytes(raw: bytes) -> datetime | None:
    if len(raw) == 24 and raw[23] == 90 and raw[19] == 46:  # "Z", ".": parse_iso's fast path, on bytes
        try:
            return datetime.fromisoformat(raw.decode("ascii"))
        except ValueError:  # UnicodeDecodeError included
            pass
    return parse_iso(raw.decode("ascii", errors="replace"))


def parse_w3c_bytes(raw: bytes) -> datetime | None:
    """IIS ``date`` and ``time`` joined with or without a space: ``2020-12-1015:02:48`` (W3C logs are UTC)."""
    text = raw.decode("ascii", errors="replace").replace(" ", "")
    return parse_iso(f"{text[:10]}T{text[10:]}" if len(text) > 10 else text)
