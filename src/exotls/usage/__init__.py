"""Who still uses TLS 1.0/1.1: SMTP protocol logs, IIS logs, Schannel events, EXO reports, headers.

Offline and streaming: ``analyze_usage(paths)`` reads any mix of files and folders and
returns a ``UsageReport`` (see docs/usage.md for what each source can and cannot prove).
``detect_usage_file(path)`` (or ``detect_usage_head(first_bytes)``) tells ``exotls analyze``
which files belong here.
"""

from __future__ import annotations

from exotls.usage.aggregate import SHORT_WINDOW, legacy_by_server, legacy_smtp_auth_senders
from exotls.usage.analyze import analyze_usage
from exotls.usage.detect import KINDS, detect_usage_file, detect_usage_head
from exotls.usage.model import (
    LEGACY_VERSIONS,
    Skipped,
    Source,
    SourceWindow,
    TlsVersion,
    Unit,
    UsageClient,
    UsageReport,
)
from exotls.usage.render import render_usage_csv, render_usage_table

__all__ = [
    "KINDS",
    "LEGACY_VERSIONS",
    "SHORT_WINDOW",
    "Skipped",
    "Source",
    "SourceWindow",
    "TlsVersion",
    "Unit",
    "UsageClient",
    "UsageReport",
    "analyze_usage",
    "detect_usage_file",
    "detect_usage_head",
    "legacy_by_server",
    "legacy_smtp_auth_senders",
    "render_usage_csv",
    "render_usage_table",
]
