"""Dated Exchange Online facts the ORG rules word by ``as_of``, each with its source.

Kept as data so a changed announcement is a one-line edit with its citation beside it.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "LEGACY_ENDPOINTS",
    "LEGACY_ENDPOINTS_21VIANET",
    "POP_IMAP_RETIREMENT_END",
    "POP_IMAP_RETIREMENT_SOURCE",
    "POP_IMAP_RETIREMENT_START",
    "SMTP_AUTH_BASIC_DEFAULT_OFF",
    "SMTP_AUTH_SOURCE",
    "legacy_retirement_sentence",
    "smtp_auth_sentence",
]

# Learn: "Opt in to the Exchange Online endpoint for legacy TLS clients using SMTP AUTH" and
# "... using POP3 or IMAP4" (learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/).
LEGACY_ENDPOINTS = ("pop-legacy.office365.com", "imap-legacy.office365.com", "smtp-legacy.office365.com")
LEGACY_ENDPOINTS_21VIANET = (
    "pop-legacy.partner.outlook.cn",
    "imap-legacy.partner.outlook.cn",
    "smtp-legacy.partner.outlook.cn",
)

# Exchange Team Blog "Deprecating Legacy TLS and Endpoints for POP and IMAP in Exchange Online"
# (2026-04-27) and message center MC1293480: gradual worldwide rollout 2026-07-01 to 2026-12-31.
POP_IMAP_RETIREMENT_START = dt.date(2026, 7, 1)
POP_IMAP_RETIREMENT_END = dt.date(2026, 12, 31)
POP_IMAP_RETIREMENT_SOURCE = "Exchange Team Blog 2026-04-27, MC1293480"

# Exchange Team Blog "Updated Exchange Online SMTP AUTH Basic Authentication Deprecation
# Timeline" (2026-01-27, ba-p/4489835) and MC786329: Basic auth for SMTP AUTH is disabled by
# default for existing tenants at the end of December 2026 (admins can turn it back on); the
# final removal date is to be announced in the second half of 2027.
SMTP_AUTH_BASIC_DEFAULT_OFF = dt.date(2026, 12, 31)
SMTP_AUTH_SOURCE = "Exchange Team Blog 2026-01-27, MC786329"


def legacy_retirement_sentence(as_of: dt.date) -> str:
    """Where Microsoft's removal of TLS 1.0/1.1 for POP/IMAP stands on ``as_of``."""
    if as_of < POP_IMAP_RETIREMENT_START:
        return (
            "Microsoft will start removing TLS 1.0/1.1 and the legacy endpoints for POP/IMAP on "
            f"{POP_IMAP_RETIREMENT_START.isoformat()}, rolling out until {POP_IMAP_RETIREMENT_END.isoformat()} "
            f"({POP_IMAP_RETIREMENT_SOURCE})."
        )
    if as_of <= POP_IMAP_RETIREMENT_END:
        return (
            "Microsoft's removal of TLS 1.0/1.1 and the legacy endpoints for POP/IMAP is under way, "
            f"completing by {POP_IMAP_RETIREMENT_END.isoformat()} ({POP_IMAP_RETIREMENT_SOURCE})."
        )
    return (
        "Microsoft's removal of TLS 1.0/1.1 and the legacy endpoints has been completed for POP/IMAP "
        f"(by {POP_IMAP_RETIREMENT_END.isoformat()}, {POP_IMAP_RETIREMENT_SOURCE}); the setting may still open "
        "smtp-legacy.office365.com for SMTP AUTH."
    )


def smtp_auth_sentence(as_of: dt.date) -> str:
    """Where Microsoft's SMTP AUTH Basic authentication retirement stands on ``as_of``."""
    if as_of < dt.date(2026, 12, 1):
        return (
            "Microsoft will disable Basic authentication for SMTP AUTH by default for existing tenants at the "
            "end of December 2026 (admins can turn it back on) and will announce the final removal date in the "
            f"second half of 2027 ({SMTP_AUTH_SOURCE})."
        )
    if as_of <= SMTP_AUTH_BASIC_DEFAULT_OFF:
        return (
            "Microsoft is disabling Basic authentication for SMTP AUTH by default for existing tenants at the end "
            "of December 2026 (admins can turn it back on); the final removal date is to be announced in the "
            f"second half of 2027 ({SMTP_AUTH_SOURCE})."
        )
    return (
        "Basic authentication for SMTP AUTH has been disabled by default for existing tenants since the end of "
        "December 2026 unless an admin turned it back on; Microsoft said it will announce the final removal date "
        f"in the second half of 2027 ({SMTP_AUTH_SOURCE})."
    )
