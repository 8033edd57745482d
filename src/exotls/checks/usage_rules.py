"""USE rules: what the logs say about who still negotiates TLS 1.0/1.1.

Configuration says whether TLS 1.0/1.1 *can* be disabled; logs say who breaks when it is.
A server whose logs show legacy clients is blocked until they move (Microsoft's order:
verify, then disable). No logs for a server is not a pass: it is not-applicable, and the
plan's verify step still asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from exotls.checks.base import Context, OrganizationRule, Outcome, ServerRule, define
from exotls.checks.facts import legacy_retirement_sentence, smtp_auth_sentence
from exotls.extract.identity import server_key
from exotls.model import Organization, Server, Severity, Source
from exotls.usage import UsageClient, legacy_smtp_auth_senders

__all__ = ["RULES", "describe_client"]

_SHOWN = 5
_USAGE_DOC = "https://learn.microsoft.com/exchange/exchange-tls-guidance-part-2-enabling-tls-1-2-and-identifying-clients-not-using-it"

USE001 = define(
    id="USE001",
    name="legacy-tls-clients-seen",
    title="Clients still negotiate TLS 1.0/1.1 with this server (logs)",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "SMTP protocol logs, IIS logs and Schannel events show clients that negotiated TLS 1.0 or 1.1 with "
        "this server. Disabling TLS 1.0/1.1 now would cut them off: Microsoft's guidance is to identify and "
        "move such clients to TLS 1.2 before disabling the old versions."
    ),
    remediation=(
        "Update or reconfigure the clients listed (printers, scanners, applications, partner servers) to use "
        "TLS 1.2, or route them through a relay that does; then collect the logs again and re-run exotls."
    ),
    sources=[
        _USAGE_DOC,
        "https://learn.microsoft.com/exchange/exchange-tls-guidance-part-3-turning-off-tls-1-0-1-1",
    ],
    tags=["blocker", "usage"],
)

USE002 = define(
    id="USE002",
    name="legacy-tls-smtp-auth-senders",
    title="Exchange Online SMTP AUTH senders still use TLS 1.0/1.1",
    severity=Severity.MEDIUM,
    scope="organization",
    rationale=(
        "The Exchange Online SMTP AUTH clients report shows senders whose submissions used TLS 1.0 or 1.1. "
        "Exchange Online accepts those only on smtp-legacy.office365.com when the tenant has opted in with "
        "AllowLegacyTLSClients, so the tenant still relies on that opt-in and the legacy endpoint."
    ),
    remediation=(
        "Move each sender to TLS 1.2 on smtp.office365.com (update the device or application, or use a relay), "
        "then set `Set-TransportConfig -AllowLegacyTLSClients $false`."
    ),
    sources=[
        "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/opt-in-exchange-online-endpoint-for-legacy-tls-using-smtp-auth",
        "https://learn.microsoft.com/exchange/monitoring/mail-flow-reports/mfr-smtp-auth-clients-report",
    ],
    tags=["exchange-online", "usage"],
)


def describe_client(client: UsageClient) -> str:
    """``10.0.0.5 (TLS 1.0, 42 sessions, EHLO scan01, via 'Default Frontend EX01')``."""
    details = [client.tls_version, f"{client.count} {client.unit}"]
    for label, values in (("EHLO", client.ehlo), ("user", client.users), ("agent", client.user_agents),
                          ("via", client.connectors), ("vdir", client.vdirs)):
        if values:
            details.append(f"{label} {', '.join(values[:2])}")
    if client.first_seen and client.last_seen:
        details.append(f"{client.first_seen:%Y-%m-%d} to {client.last_seen:%Y-%m-%d}")
    who = client.client or "client not logged"
    return f"{who} ({'; '.join(details)})"


def _listing(clients: Sequence[UsageClient]) -> str:
    shown = "; ".join(describe_client(c) for c in clients[:_SHOWN])
    more = len(clients) - _SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def _sources(clients: Sequence[UsageClient]) -> tuple[Source, ...]:
    paths = sorted({path for c in clients for path in c.sources})
    return tuple(Source(path=path, kind="usage-log") for path in paths[:20])


def _legacy_clients(server: Server, ctx: Context) -> Iterator[Outcome]:
    usage = ctx.report.usage
    setting = "usage/legacy-clients"
    if usage is None:
        yield Outcome("not-applicable", "no TLS usage logs among the inputs; the plan's verify step asks for them.",
                      setting)
        return
    key = server_key(server.name)
    mine = [c for c in usage.clients if c.server and server_key(c.server) == key and c.source != "exo-smtp-auth"]
    if not mine:
        yield Outcome("not-applicable", f"no TLS usage logs for {server.name} among the inputs.", setting)
        return
    legacy = [c for c in mine if c.legacy]
    short = sorted(source for source, window in usage.windows.items() if window.short)
    caveat = f" The {', '.join(short)} evidence covers less than 7 days." if short else ""
    if legacy:
        yield Outcome(
            "fail",
            f"{len(legacy)} client(s) still negotiated TLS 1.0/1.1 with {server.name}: {_listing(legacy)}. "
            f"Disabling TLS 1.0/1.1 now would cut them off.{caveat}",
            setting,
            _sources(legacy),
        )
    else:
        yield Outcome(
            "pass",
            f"the logs for {server.name} show {sum(c.count for c in mine)} connections, none on TLS 1.0/1.1."
            + caveat,
            setting,
            _sources(mine),
        )


def _smtp_auth_senders(org: Organization, ctx: Context) -> Iterator[Outcome]:
    usage = ctx.report.usage
    setting = "usage/exo-smtp-auth"
    if usage is None or not any(c.source == "exo-smtp-auth" for c in usage.clients):
        yield Outcome("not-applicable", "no Exchange Online SMTP AUTH clients report among the inputs.", setting)
        return
    senders = legacy_smtp_auth_senders(usage)
    if senders:
        yield Outcome(
            "fail",
            f"{len(senders)} sender(s) still submit with TLS 1.0/1.1 over SMTP AUTH: {_listing(senders)}. "
            "The tenant still relies on AllowLegacyTLSClients and smtp-legacy.office365.com. "
            + legacy_retirement_sentence(ctx.as_of) + " " + smtp_auth_sentence(ctx.as_of),
            setting,
            _sources(senders),
        )
    else:
        yield Outcome("pass", "the SMTP AUTH clients report shows no sender on TLS 1.0/1.1.", setting)


RULES = (ServerRule(USE001, _legacy_clients), OrganizationRule(USE002, _smtp_auth_senders))
