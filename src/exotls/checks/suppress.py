"""Accepted risks: a TOML file of suppressions, read with ``tomllib``.

A suppression never hides a result. The finding stays in the report, marked ``suppressed``
with the reason, and no longer counts as a blocker; once ``expires`` has passed (as of the
evaluation date) the suppression stops applying and the finding's message says so.

File format::

    [[suppression]]
    rule = "TLS002"            # a rule id
    subject = "EX01"           # a server name, "organization", "fleet" or "*"
    reason = "TLS 1.0 needed by the scanner until it is replaced"
    expires = 2026-12-31       # optional, a TOML date or "YYYY-MM-DD"
    setting = "schannel/TLS 1.0"   # optional: only this setting
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exotls.errors import UsageError
from exotls.model import Finding

__all__ = ["Suppression", "apply_suppressions", "load_suppressions", "parse_suppressions"]

_FIELDS = {"rule", "subject", "reason", "expires", "setting"}


@dataclass(frozen=True)
class Suppression:
    """One accepted risk: which rule on which subject (and setting), why, until when."""

    rule: str
    subject: str
    reason: str
    expires: dt.date | None = None
    setting: str | None = None
    origin: str = ""

    def matches(self, finding: Finding) -> bool:
        return (
            finding.rule.casefold() == self.rule.casefold()
            and (self.subject == "*" or finding.subject.casefold() == self.subject.casefold())
            and (self.setting is None or finding.setting == self.setting)
        )

    def expired(self, as_of: dt.date) -> bool:
        return self.expires is not None and as_of > self.expires


def load_suppressions(path: str | Path, *, known_rules: Collection[str] | None = None) -> list[Suppression]:
    """Read a suppressions file; any defect is a ``UsageError`` naming the file and the entry."""
    where = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise UsageError(f"cannot read suppressions file: {err.strerror or err}", path=where) from err
    return parse_suppressions(data, origin=where, known_rules=known_rules)


def parse_suppressions(
    data: bytes, *, origin: str, known_rules: Collection[str] | None = None
) -> list[Suppression]:
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise UsageError(f"suppressions file is not UTF-8 text (byte {err.start})", path=origin) from err
    except tomllib.TOMLDecodeError as err:
        raise UsageError(f"suppressions file is not valid TOML: {err}", path=origin) from err
    unknown_tables = sorted(set(document) - {"suppression"})
    if unknown_tables:
        raise UsageError(
            f"unknown top-level key {unknown_tables[0]!r}; write entries as [[suppression]]", path=origin
        )
    entries = document.get("suppression", [])
    if not isinstance(entries, list):
        raise UsageError("'suppression' must be an array of tables ([[suppression]])", path=origin)
    known = {rule.casefold() for rule in known_rules} if known_rules is not None else None
    return [_entry(entry, index, origin, known) for index, entry in enumerate(entries, start=1)]


def _entry(entry: Any, index: int, origin: str, known: set[str] | None) -> Suppression:
    def fail(reason: str) -> UsageError:
        return UsageError(f"suppression entry {index}: {reason}", path=origin)

    if not isinstance(entry, dict):
        raise fail("expected a table")
    extra = sorted(set(entry) - _FIELDS)
    if extra:
        raise fail(f"unknown field {extra[0]!r} (allowed: {', '.join(sorted(_FIELDS))})")
    fields: dict[str, str] = {}
    for name in ("rule", "subject", "reason"):
        value = entry.get(name)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"field {name!r} is required and must be non-empty text")
        fields[name] = value.strip()
    if known is not None and fields["rule"].casefold() not in known:
        raise fail(f"unknown rule id {fields['rule']!r}")
    setting = entry.get("setting")
    if setting is not None and (not isinstance(setting, str) or not setting.strip()):
        raise fail("field 'setting' must be non-empty text")
    return Suppression(
        rule=fields["rule"].upper(),
        subject=fields["subject"],
        reason=fields["reason"],
        expires=_date(entry.get("expires"), fail),
        setting=setting.strip() if isinstance(setting, str) else None,
        origin=f"{origin} entry {index}",
    )


def _date(value: Any, fail: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise fail("field 'expires' must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise fail(f"field 'expires' must be a date (YYYY-MM-DD), got {value!r}")


def apply_suppressions(
    findings: Sequence[Finding], suppressions: Sequence[Suppression], as_of: dt.date
) -> list[Finding]:
    """Mark matching findings suppressed; note expired suppressions in the message instead."""
    out: list[Finding] = []
    for finding in findings:
        matching = [s for s in suppressions if s.matches(finding)]
        active = [s for s in matching if not s.expired(as_of)]
        if active:
            out.append(
                finding.model_copy(update={"suppressed": True, "suppression_reason": active[0].reason})
            )
        elif matching:
            expired = matching[0]
            note = (
                f" (suppression expired on {expired.expires.isoformat() if expired.expires else '?'} and no longer "
                f"applies: {expired.reason})"
            )
            out.append(finding.model_copy(update={"message": finding.message + note}))
        else:
            out.append(finding)
    return out
