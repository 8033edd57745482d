"""Timestamps from every source, as aware UTC datetimes (naive ones are UTC by format)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["as_utc", "parse_iso", "parse_iso_bytes", "parse_w3c_bytes"]


def as_utc(stamp: datetime) -> datetime:
    """Exchange and IIS log in UTC; a naive value from them is UTC, not local time."""
    if stamp.tzinfo is None:
        return stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def parse_iso(text: str) -> datetime | None:
    """ISO 8601 with ``Z``, an offset, or none; up to 7 fractional digits (.NET ticks)."""
    value = text.strip()
    if not value:
        return None
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
    return parse_iso(raw.decode("ascii", errors="replace"))


def parse_w3c_bytes(raw: bytes) -> datetime | None:
    """IIS ``date`` and ``time`` joined with or without a space: ``2020-12-1015:02:48`` (W3C logs are UTC)."""
    text = raw.decode("ascii", errors="replace").replace(" ", "")
    return parse_iso(f"{text[:10]}T{text[10:]}" if len(text) > 10 else text)
