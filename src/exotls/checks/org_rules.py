"""ORG rules: the Exchange Online tenant's transport settings (Get-TransportConfig)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from exotls.checks.base import Context, OrganizationRule, Outcome, define, fact_sources
from exotls.checks.facts import (
    LEGACY_ENDPOINTS,
    LEGACY_ENDPOINTS_21VIANET,
    legacy_retirement_sentence,
    smtp_auth_sentence,
)
from exotls.checks.paths import HOW_TO_EXPORT
from exotls.model import Organization, OrgVerdict, Severity

__all__ = ["RULES", "legacy_tls_state", "org_verdict"]

_ALLOW = "AllowLegacyTLSClients"
_SMTP = "SmtpClientAuthenticationDisabled"

LegacyState = Literal["true", "false", "null", "absent", "on-premises", "no-dump", "unreadable"]


def legacy_tls_state(org: Organization) -> LegacyState:
    """Which of AllowLegacyTLSClients' states the dumps show; the one place that reads it."""
    if _ALLOW in org.settings:
        value = org.settings[_ALLOW]
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        return "unreadable"
    if org.environment == "on-premises":
        return "on-premises"
    if not org.settings:
        return "no-dump"
    return "absent"


_VERDICTS: dict[LegacyState, OrgVerdict] = {
    "true": "legacy-tls-allowed",
    "false": "legacy-tls-off",
    "null": "legacy-tls-off",
    "absent": "legacy-tls-off",
    "on-premises": "not-applicable",
    "no-dump": "unknown",
    "unreadable": "unknown",
}


def org_verdict(org: Organization) -> OrgVerdict:
    return _VERDICTS[legacy_tls_state(org)]


ORG001 = define(
    id="ORG001",
    name="allow-legacy-tls-clients",
    title="Exchange Online tenant opted in to legacy TLS clients (AllowLegacyTLSClients)",
    severity=Severity.MEDIUM,
    scope="organization",
    rationale=(
        "Set-TransportConfig -AllowLegacyTLSClients $true lets the tenant's clients use TLS 1.0 and 1.1 on the "
        "opt-in endpoints pop-legacy, imap-legacy and smtp-legacy.office365.com. Exchange Online stopped "
        "supporting TLS 1.0/1.1 in October 2020; the opt-in keeps a weaker path open, and Microsoft is removing "
        "it for POP and IMAP from 2026-07-01 to 2026-12-31."
    ),
    remediation=(
        "Move the clients that use the legacy endpoints to TLS 1.2 on smtp.office365.com and "
        "outlook.office365.com (find them with `exotls usage` or the SMTP AUTH clients report), then run "
        "`Set-TransportConfig -AllowLegacyTLSClients $false` in Exchange Online PowerShell."
    ),
    sources=[
        "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/opt-in-exchange-online-endpoint-for-legacy-tls-using-smtp-auth",
        "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/opt-in-exchange-online-endpoint-for-legacy-tls-using-pop3-or-imap4",
        "https://techcommunity.microsoft.com/blog/exchange/new-opt-in-endpoint-available-for-smtp-auth-clients-still-needing-legacy-tls/2659652",
        "https://techcommunity.microsoft.com/t5/exchange-team-blog/deprecating-legacy-tls-and-endpoints-for-pop-and-imap-in/ba-p/4515201",
    ],
    tags=["exchange-online"],
)


def _endpoints() -> str:
    return f"{', '.join(LEGACY_ENDPOINTS)} (21Vianet: {', '.join(LEGACY_ENDPOINTS_21VIANET)})"


def _allow_legacy(org: Organization, ctx: Context) -> Iterator[Outcome]:
    state = legacy_tls_state(org)
    sources = fact_sources(org.sources, _ALLOW)
    setting = f"transportconfig/{_ALLOW}"
    if state == "true":
        yield Outcome(
            "fail",
            f"{_ALLOW} is True: the tenant accepts TLS 1.0 and 1.1 on {_endpoints()}. "
            "That lowers the tenant's security posture: TLS 1.0/1.1 have known weaknesses (RFC 8996 deprecates "
            "them), Exchange Online stopped supporting them in October 2020, and any client pointed at those "
            "names can keep using them. " + legacy_retirement_sentence(ctx.as_of),
            setting,
            sources,
        )
    elif state == "false":
        yield Outcome(
            "pass",
            f"{_ALLOW} is False: set explicitly; the legacy TLS endpoints are off for this tenant.",
            setting,
            sources,
        )
    elif state == "null":
        yield Outcome(
            "pass",
            f"{_ALLOW} is $null (the default): the legacy TLS endpoints are off for this tenant.",
            setting,
            sources,
        )
    elif state == "absent":
        yield Outcome(
            "pass",
            f"{_ALLOW} is absent from the Get-TransportConfig dump: treated as the default ($null, off). "
            "If this is an on-premises organization the setting does not exist there.",
            setting,
            sources,
        )
    elif state == "on-premises":
        yield Outcome(
            "not-applicable",
            f"{_ALLOW} exists only in Exchange Online; this organization is on-premises.",
            setting,
        )
    elif state == "no-dump":
        yield Outcome(
            "unknown",
            f"no Get-TransportConfig dump from Exchange Online: run {HOW_TO_EXPORT['transportconfig']}.",
            setting,
        )
    else:
        yield Outcome(
            "unknown",
            f"{_ALLOW} has a value exotls cannot read as a boolean: {org.settings.get(_ALLOW)!r}.",
            setting,
            sources,
        )


ORG002 = define(
    id="ORG002",
    name="smtp-client-auth-enabled",
    title="SMTP AUTH is enabled for the Exchange Online organization (SmtpClientAuthenticationDisabled False)",
    severity=Severity.INFO,
    scope="organization",
    rationale=(
        "SMTP AUTH is how devices and applications that can only speak TLS 1.0/1.1 submit mail (through "
        "smtp-legacy.office365.com). Microsoft is retiring Basic authentication for SMTP AUTH; such devices rarely "
        "support OAuth, so they stop working whatever AllowLegacyTLSClients says."
    ),
    remediation=(
        "If no client needs SMTP AUTH run `Set-TransportConfig -SmtpClientAuthenticationDisabled $true` and allow "
        "it per mailbox with `Set-CASMailbox <mailbox> -SmtpClientAuthenticationDisabled $false` where needed; "
        "move the remaining senders to OAuth, a connector or an on-premises relay."
    ),
    sources=[
        "https://learn.microsoft.com/powershell/module/exchangepowershell/set-transportconfig",
        "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission",
        "https://techcommunity.microsoft.com/blog/exchange/updated-exchange-online-smtp-auth-basic-authentication-deprecation-timeline/4489835",
    ],
    tags=["exchange-online"],
)


def _smtp_auth(org: Organization, ctx: Context) -> Iterator[Outcome]:
    setting = f"transportconfig/{_SMTP}"
    sources = fact_sources(org.sources, _SMTP)
    if _SMTP not in org.settings:
        if org.environment == "on-premises":
            yield Outcome(
                "not-applicable",
                f"{_SMTP} exists only in Exchange Online; this organization is on-premises.",
                setting,
            )
        elif not org.settings:
            yield Outcome(
                "unknown",
                f"no Get-TransportConfig dump from Exchange Online: run {HOW_TO_EXPORT['transportconfig']}.",
                setting,
            )
        else:
            yield Outcome("unknown", f"{_SMTP} is absent from the Get-TransportConfig dump.", setting)
        return
    value = org.settings[_SMTP]
    if value is False:
        yield Outcome(
            "fail",
            f"{_SMTP} is False: SMTP AUTH is enabled for the organization (mailboxes follow it unless set per "
            "mailbox). "
            + smtp_auth_sentence(ctx.as_of)
            + " Devices that can only use TLS 1.0/1.1 rarely support "
            "OAuth, so once Basic authentication is off they stop sending through smtp-legacy as well.",
            setting,
            sources,
        )
    elif value is True:
        yield Outcome(
            "pass", f"{_SMTP} is True: SMTP AUTH is disabled for the organization.", setting, sources
        )
    else:
        yield Outcome(
            "unknown", f"{_SMTP} is {value!r}: exotls cannot tell whether SMTP AUTH is on.", setting, sources
        )


RULES = (
    OrganizationRule(ORG001, _allow_legacy),
    OrganizationRule(ORG002, _smtp_auth),
)
