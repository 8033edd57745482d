"""Fold per-file results into one ``UsageReport``, and the two views the rules use.

Folding is commutative (sums, unions, min/max, SMTP session pieces joined by key), so
the report does not depend on file order or on which worker finished first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import cast

from pydantic import TypeAdapter

from exotls.usage.accum import LIST_CAP, Acc, FileResult, Key, RawAcc, client_of
from exotls.usage.model import (
    LEGACY_VERSIONS,
    SOURCES,
    UNITS,
    Skipped,
    Source,
    SourceWindow,
    UsageClient,
    UsageReport,
)
from exotls.usage.schannel_events import ALERTS
from exotls.usage.smtp import Session, fold_sessions, merge_sessions
from exotls.usage.timeparse import parse_iso_bytes
from exotls.usage.versions import version_rank

__all__ = ["SHORT_WINDOW", "Collector", "legacy_by_server", "legacy_smtp_auth_senders", "smtp_entries"]

# Protocol logs often keep only days (250 MB directory cap); a client that sends weekly
# (a scanner's weekly report, a weekend batch) is only certain to appear in a full week.
SHORT_WINDOW = timedelta(days=7)
_TENANT_SOURCES = frozenset({"exo-smtp-auth", "exo-messages"})

_GENERAL_NOTES: dict[str, tuple[str, ...]] = {
    "smtp-receive": (
        "smtp-receive: Exchange logs SMTP only on connectors with protocol logging on; by default that is "
        "'Default Frontend <server>' alone, so clients of 'Client Frontend' (587) or relay connectors are "
        "missing unless their ProtocolLoggingLevel was set to Verbose",
        "smtp-receive: Hub (Transport service) logs show client submissions proxied by the front end with the "
        "front end's address; the FrontEnd logs name the real client",
    ),
    "iis": (
        "iis: crypt-protocol and c-ip describe the TLS hop that reached IIS; behind a load balancer that "
        "bridges or offloads TLS that hop is the balancer, not the client, and the clients' own versions "
        "are only in the balancer's logs",
    ),
    "schannel": (
        "schannel: inbound Schannel events carry no client identity (no address, no user): rows with a null "
        "client count handshakes the server accepted, not who made them",
    ),
    "exo-smtp-auth": (
        "exo-smtp-auth: the regular endpoint refuses TLS 1.0/1.1 for SMTP AUTH, so a sender with a TLS 1.0/1.1 "
        "share uses the opt-in legacy endpoint and the tenant still relies on AllowLegacyTLSClients",
        "exo-smtp-auth: the export carries no dates; the portal shows 7 days unless another range was chosen",
    ),
    "message-header": (
        "message-header: Microsoft notes that for authenticated client submission (SMTP AUTH) the Received "
        "header does not show the client's real TLS version",
    ),
}


def smtp_entries(
    done: dict[tuple[bytes, bytes], RawAcc], source: str, server: str | None, paths: set[str]
) -> dict[Key, Acc]:
    entries: dict[Key, Acc] = {}
    for (host, version), raw in done.items():
        key: Key = (source, server, client_of(host), version.decode("ascii"))
        acc = raw.to_acc(parse_iso_bytes)
        acc.sources.update(paths)
        if key in entries:
            entries[key].merge(acc)
        else:
            entries[key] = acc
    return entries


class Collector:
    """Merges FileResults as they arrive; ``report()`` renders the final, sorted report."""

    def __init__(self) -> None:
        self.entries: dict[Key, Acc] = {}
        self.windows: dict[str, tuple[datetime, datetime]] = {}
        self.counters: Counter[tuple[str, ...]] = Counter()
        self.notes: list[str] = []
        self.skipped: list[Skipped] = []
        self.fragments: dict[tuple[str | None, str, str, str], list[Session]] = defaultdict(list)
        self.sources: set[str] = set()

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append(Skipped(path=path, reason=reason))

    def add(self, result: FileResult) -> None:
        if result.error is not None:
            self.skip(result.path, result.error)
            return
        result.settle()
        self.sources |= result.kinds or {result.kind}
        self.merge_entries(result.entries)
        for source, (first, last) in result.windows.items():
            current = self.windows.get(source)
            self.windows[source] = (first, last) if current is None else (min(current[0], first), max(current[1], last))
        self.counters.update(result.counters)
        self.notes.extend(result.notes)
        for key, session in result.fragments:
            self.fragments[key].append(session)

    def merge_entries(self, entries: dict[Key, Acc]) -> None:
        for key, acc in entries.items():
            mine = self.entries.get(key)
            if mine is None:
                self.entries[key] = acc
            else:
                mine.merge(acc)

    def _join_fragments(self) -> None:
        """SMTP sessions cut by hourly rotation: join the pieces, count each session once."""
        for key in sorted(self.fragments, key=lambda item: tuple(str(part) for part in item)):
            server, source, _, _ = key
            session = merge_sessions(self.fragments[key])
            done: dict[tuple[bytes, bytes], RawAcc] = {}
            probes, unknown = fold_sessions([session], done)
            if probes:
                self.counters[("probe", source)] += probes
            if unknown:
                self.counters[("partial", source)] += unknown
            self.merge_entries(smtp_entries(done, source, server, session.paths))
        self.fragments.clear()

    def report(self) -> UsageReport:
        self._join_fragments()
        # Sorted before the models are built, and validated in one call: one row per client
        # can mean tens of thousands of rows.
        rows = sorted(self.entries.items(), key=_order)
        clients = _CLIENTS.validate_python([_client(key, acc) for key, acc in rows])
        per_source: dict[str, Counter[str]] = defaultdict(Counter)
        for (source, _, _, version), acc in rows:
            per_source[source][version] += acc.count
        totals: dict[str, dict[str, int]] = {}
        for source in SOURCES:
            counts = per_source.get(source)
            if counts:
                totals[source] = {version: counts[version] for version in sorted(counts, key=version_rank)}
        windows: dict[str, SourceWindow] = {}
        for source in SOURCES:
            if source in self.windows:
                first, last = self.windows[source]
                windows[source] = SourceWindow(first=first, last=last, short=last - first < SHORT_WINDOW)
            elif source in self.sources:
                windows[source] = SourceWindow(first=None, last=None, short=False)
        return UsageReport(
            clients=clients,
            totals=totals,
            windows=windows,
            notes=self._notes(clients, windows),
            skipped=sorted(self.skipped, key=lambda item: (item.path, item.reason)),
        )

    def _notes(self, clients: list[UsageClient], windows: dict[str, SourceWindow]) -> list[str]:
        notes: list[str] = []
        for name in SOURCES:
            if name in self.sources:
                notes.extend(_GENERAL_NOTES.get(name, ()))
        if "smtp-receive" in self.sources:
            seen = sorted({name for client in clients if client.source == "smtp-receive" for name in client.connectors})
            if seen:
                notes.append("smtp-receive: connectors seen in the logs: " + ", ".join(seen))
        for label, window in windows.items():
            if window.short and window.first is not None and window.last is not None:
                span = window.last - window.first
                notes.append(
                    f"{label}: the evidence covers only {_span(span)} ({window.first:%Y-%m-%d %H:%M} to "
                    f"{window.last:%Y-%m-%d %H:%M} UTC), less than {SHORT_WINDOW.days} days: clients that "
                    "connect weekly or monthly may be missing"
                )
        notes.extend(self._counter_notes())
        truncated = sum(1 for acc in self.entries.values() if acc.truncated or _overfull(acc))
        if truncated:
            notes.append(
                f"{truncated} rows had more than {LIST_CAP} values in a list; each list keeps the first {LIST_CAP} "
                "in sorted order"
            )
        notes.extend(sorted(set(self.notes)))
        return notes

    def _counter_notes(self) -> list[str]:
        notes: list[str] = []
        units = {"smtp-receive": "sessions", "smtp-send": "sessions", "iis": "requests"}
        for key, count in sorted(self.counters.items()):
            kind = key[0]
            if kind == "probe":
                notes.append(
                    f"{key[1]}: {count} {units.get(key[1], 'items')} from Exchange's own health probes "
                    "(HealthMailbox users, AMProbe agents, loopback) were left out"
                )
            elif kind == "partial":
                notes.append(
                    f"{key[1]}: {count} sessions were cut by a log file that was not given (no first or last "
                    "line, no TLS line): their TLS version is unknown and they were not counted"
                )
            elif kind == "lb-hop":
                notes.append(
                    f"iis: {key[1]} sent {count} requests carrying X-Forwarded-For: it is a proxy or load "
                    "balancer, so its TLS version is that hop's, not its clients'"
                )
            elif kind == "back-end":
                notes.append(
                    f"iis: {count} requests on port 444 (Exchange Back End site) are front-end-to-back-end "
                    "proxy hops, not clients"
                )
            elif kind == "s36874":
                notes.append(
                    f"schannel: {key[1] or 'unknown server'}: {count} inbound {key[2]} connection attempts failed "
                    "because no cipher suite was common (event 36874)"
                )
            elif kind == "s36888":
                name = ALERTS.get(int(key[2]), "") if key[2].isdigit() else ""
                label = f"{key[2]} ({name})" if name else key[2]
                notes.append(
                    f"schannel: {key[1] or 'unknown server'}: {count} fatal TLS alerts {label} were sent (event 36888)"
                )
            elif kind == "schannel-unreadable":
                notes.append(f"{key[1]}: {count} Schannel 36880 events named no readable protocol or role; not counted")
            elif kind == "no-events":
                notes.append(f"{key[1]}: no Schannel 36880/36874/36888 events among {count} objects")
        return notes


def _overfull(acc: Acc) -> bool:
    return any(
        len(values) > LIST_CAP
        for values in (acc.users, acc.user_agents, acc.ehlo, acc.mail_from, acc.connectors, acc.vdirs, acc.sources)
    )


def _span(span: timedelta) -> str:
    if span >= timedelta(days=1):
        return f"{span.total_seconds() / 86400:.1f} days"
    if span >= timedelta(hours=1):
        return f"{span.total_seconds() / 3600:.1f} hours"
    return f"{span.total_seconds() / 60:.0f} minutes"


def _capped(values: set[str]) -> list[str]:
    return sorted(values)[:LIST_CAP]


def _client(key: Key, acc: Acc) -> dict[str, object]:
    source, server, client, version = key
    return {
        "source": source,
        "server": server,
        "client": client,
        "tls_version": version,
        "count": acc.count,
        "unit": UNITS[cast(Source, source)],
        "users": _capped(acc.users),
        "user_agents": _capped(acc.user_agents),
        "ehlo": _capped(acc.ehlo),
        "mail_from": _capped(acc.mail_from),
        "connectors": _capped(acc.connectors),
        "vdirs": _capped(acc.vdirs),
        "first_seen": acc.first,
        "last_seen": acc.last,
        "sources": _capped(acc.sources),
    }


_CLIENTS = TypeAdapter(list[UsageClient])


def _order(row: tuple[Key, Acc]) -> tuple[int, int, int, str, str, int]:
    """Legacy first, then by count; the rest makes the order total (no two rows share a key)."""
    (source, server, client, version), acc = row
    return (
        0 if version in LEGACY_VERSIONS else 1,
        -acc.count,
        SOURCES.index(cast(Source, source)),
        server or "\uffff",
        client or "",
        version_rank(version),
    )


def legacy_by_server(report: UsageReport) -> dict[str | None, list[UsageClient]]:
    """On-premises legacy clients per server (None: server unknown): who disabling TLS 1.0/1.1 cuts off."""
    grouped: dict[str | None, list[UsageClient]] = {}
    for client in report.clients:
        if client.tls_version in LEGACY_VERSIONS and client.source not in _TENANT_SOURCES:
            grouped.setdefault(client.server, []).append(client)
    return {server: grouped[server] for server in sorted(grouped, key=lambda name: (name is None, name or ""))}


def legacy_smtp_auth_senders(report: UsageReport) -> list[UsageClient]:
    """Tenant senders with a TLS 1.0/1.1 share: the tenant still relies on AllowLegacyTLSClients."""
    return [
        client for client in report.clients if client.source == "exo-smtp-auth" and client.tls_version in LEGACY_VERSIONS
    ]
