"""BLD rules: what the release table says about each server's Exchange build on ``as_of``.

Every threshold (first build with TLS 1.2, end of support, latest SU) comes from
``exotls.releases``; nothing here knows a build number.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from exotls.checks.base import Context, Outcome, ServerCheck, ServerRule, define, fact_sources
from exotls.checks.paths import HOW_TO_EXPORT
from exotls.model import Server, Severity
from exotls.releases import UNKNOWN_PRODUCT, BuildInfo, load_capabilities
from exotls.releases.capabilities import Feature

__all__ = ["RULES", "describe_build", "first_build_with"]

_BUILDS_PAGE = "https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates"
_LIFECYCLE = "https://learn.microsoft.com/lifecycle/products/exchange-server-2019"
_EXCHANGE_TLS = "https://learn.microsoft.com/exchange/plan-and-deploy/post-installation-tasks/security-best-practices/exchange-tls-configuration"
_TLS_BLOG_1 = "https://blogs.technet.microsoft.com/exchange/2018/01/26/exchange-server-tls-guidance-part-1-getting-ready-for-tls-1-2/"
_HC_BUILDS = (
    "https://github.com/microsoft/CSS-Exchange/blob/main/Shared/Get-ExchangeBuildVersionInformation.ps1"
)


def describe_build(info: BuildInfo) -> str:
    """``Exchange 2016 CU8 (15.1.1415.2)``; says "nearest" when the build is not in the table."""
    if info.name is None:
        return f"{info.product} {info.build}"
    if info.exact:
        return f"{info.product} {info.name} ({info.build})"
    return f"{info.product} {info.build} (nearest release below: {info.name})"


def first_build_with(feature: Feature, product: str) -> str:
    """``CU8 (15.1.1415.2)``: the first release of ``product`` with ``feature``, from the release data."""
    threshold = load_capabilities().threshold(feature, product)
    return "no known build" if threshold is None else f"{threshold.release} ({threshold.from_build})"


def _with_build(
    body: Callable[[Server, BuildInfo, Context], Iterator[Outcome]], *, need_product: bool = True
) -> ServerCheck:
    """Run ``body`` with the server's BuildInfo; no build or an unusable one is ``unknown``."""

    def check(server: Server, ctx: Context) -> Iterator[Outcome]:
        found = ctx.build(server)
        if found.missing:
            yield Outcome(
                "unknown", f"no Exchange build for {server.name}: run {HOW_TO_EXPORT['build']}.", "build"
            )
        elif found.info is None:
            yield Outcome(
                "unknown",
                f"the build of {server.name} cannot be read: {found.error}.",
                "build",
                fact_sources(server.sources, "build"),
            )
        elif need_product and found.info.product == UNKNOWN_PRODUCT:
            yield Outcome(
                "unknown",
                f"{found.info.build} on {server.name} is not an Exchange Server 2010-SE build; exotls cannot say what it supports.",
                "build",
                fact_sources(server.sources, "build"),
            )
        else:
            yield from body(server, found.info, ctx)

    return check


# --- BLD001 ---------------------------------------------------------------------------------

BLD001 = define(
    id="BLD001",
    name="build-not-in-table",
    title="The Exchange build is not a release in exotls' release table",
    severity=Severity.LOW,
    scope="server",
    rationale=(
        "Every other BLD verdict is only as good as the table: a build newer than the table, between releases "
        "(an interim or private fix) or of an unknown product gets the facts of the nearest release below it, "
        "and a newer SU may be missing from the table."
    ),
    remediation=(
        "Check the build against Microsoft's 'Exchange Server build numbers and release dates' page; update exotls "
        "(or pass a newer table with --releases FILE) when the build is newer than the table."
    ),
    sources=[_BUILDS_PAGE, _HC_BUILDS],
)


def _in_table(server: Server, info: BuildInfo, ctx: Context) -> Iterator[Outcome]:
    sources = fact_sources(server.sources, "build")
    if info.exact:
        yield Outcome(
            "pass",
            f"{describe_build(info)} is in the release table (table as of {info.table_as_of.isoformat()}).",
            "build",
            sources,
        )
        return
    detail = " ".join(info.warnings) or f"{info.build} is not a release in the table"
    yield Outcome(
        "fail", f"{info.build} on {server.name} is not a release in the table: {detail}", "build", sources
    )


# --- BLD002 ---------------------------------------------------------------------------------

BLD002 = define(
    id="BLD002",
    name="product-end-of-support",
    title="The Exchange product is past its end of support",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "After end of support Microsoft ships no fixes, including for TLS (paid ESU aside, which is not support). "
        "Exchange 2016 and 2019 reached end of support on 2025-10-14; Exchange SE is the supported version."
    ),
    remediation=(
        "Upgrade to Exchange Server Subscription Edition (in place from Exchange 2019 CU14 or CU15; migrate from "
        "older versions), then apply its latest SU."
    ),
    sources=[_LIFECYCLE, _BUILDS_PAGE, _HC_BUILDS],
)


def _end_of_support(server: Server, info: BuildInfo, ctx: Context) -> Iterator[Outcome]:
    sources = fact_sources(server.sources, "build")
    if info.end_of_support_passed is None:
        yield Outcome(
            "unknown", f"the release table has no lifecycle for {info.product}.", "build/lifecycle", sources
        )
    elif info.end_of_support_passed:
        esu = f"; it is in the paid {info.esu_period} window, which is not support" if info.esu_period else ""
        when = info.end_of_support.isoformat() if info.end_of_support else "?"
        yield Outcome(
            "fail",
            f"{info.product} reached end of support on {when} (evaluated as of {ctx.as_of.isoformat()}){esu}.",
            "build/lifecycle",
            sources,
        )
    elif info.end_of_support is None:
        yield Outcome(
            "pass",
            f"{info.product} follows the Modern Lifecycle: supported while on a current CU.",
            "build/lifecycle",
            sources,
        )
    else:
        yield Outcome(
            "pass",
            f"{info.product} is supported until {info.end_of_support.isoformat()}.",
            "build/lifecycle",
            sources,
        )


# --- BLD003 ---------------------------------------------------------------------------------

BLD003 = define(
    id="BLD003",
    name="cu-not-serviced",
    title="The server's cumulative update no longer receives security updates",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "Microsoft ships Security Updates only for the current (and, for Exchange 2019, the previous) CU. "
        "An older CU gets no TLS or security fixes and is out of date in HealthChecker's terms."
    ),
    remediation="Install the newest CU of the product and then its latest SU (see the server's plan for the exact target).",
    sources=[_BUILDS_PAGE, _HC_BUILDS],
)


def _serviced(server: Server, info: BuildInfo, ctx: Context) -> Iterator[Outcome]:
    sources = fact_sources(server.sources, "build")
    line = f"{info.product} {info.cu}" if info.cu else info.product
    if info.cu_serviced is None:
        yield Outcome(
            "unknown", f"the release table does not place {info.build} on a CU line.", "build/cu", sources
        )
    elif info.cu_serviced:
        yield Outcome("pass", f"{line} still receives Security Updates.", "build/cu", sources)
    else:
        yield Outcome(
            "fail", f"{line} ({info.build}) no longer receives Security Updates.", "build/cu", sources
        )


# --- BLD004 ---------------------------------------------------------------------------------

BLD004 = define(
    id="BLD004",
    name="su-not-latest",
    title="The server is not on the latest Security Update for its cumulative update",
    severity=Severity.MEDIUM,
    scope="server",
    rationale=(
        "Security Updates carry the fixes an internet-facing Exchange server needs; HealthChecker warns when the "
        "build is not the latest SU of its CU. Microsoft's TLS sequence starts with a current CU and SU."
    ),
    remediation="Install the latest SU for the server's CU (named in the finding), from the Microsoft Update Catalog or Windows Update.",
    sources=[_BUILDS_PAGE, _HC_BUILDS],
)


def _latest_su(server: Server, info: BuildInfo, ctx: Context) -> Iterator[Outcome]:
    sources = fact_sources(server.sources, "build")
    line = f"{info.product} {info.cu}" if info.cu else info.product
    if info.cu is None:
        yield Outcome(
            "unknown", f"the release table does not place {info.build} on a CU line.", "build/su", sources
        )
    elif info.has_latest_su is None:
        yield Outcome(
            "pass",
            f"no Security Update has been released for {line} as of {ctx.as_of.isoformat()}.",
            "build/su",
            sources,
        )
    elif info.has_latest_su:
        yield Outcome(
            "pass",
            f"{describe_build(info)} is at or above the latest SU for {line} ({info.latest_su_name}).",
            "build/su",
            sources,
        )
    else:
        yield Outcome(
            "fail",
            f"{describe_build(info)} is not on the latest SU for {line}: {info.latest_su_name} ({info.latest_su_for_cu}).",
            "build/su",
            sources,
            remediation=f"Install {info.product} {info.latest_su_name} ({info.latest_su_for_cu}).",
        )


# --- BLD005 / BLD006 ------------------------------------------------------------------------

BLD005 = define(
    id="BLD005",
    name="build-without-tls12",
    title="The Exchange build does not support TLS 1.2",
    severity=Severity.CRITICAL,
    scope="server",
    rationale=(
        "TLS 1.2 support arrived in Exchange 2013 CU19 and Exchange 2016 CU8 (Exchange 2010 SP3 RU19; every "
        "Exchange 2019 and SE build has it). An older build cannot use TLS 1.2 at all, so TLS 1.0/1.1 cannot be "
        "disabled and TLS 1.2-only partners such as Exchange Online fail."
    ),
    remediation="Update to a supported CU and its latest SU (see the plan); TLS 1.2 comes with it.",
    sources=[_EXCHANGE_TLS, _TLS_BLOG_1, _HC_BUILDS],
    tags=["blocker"],
)

BLD006 = define(
    id="BLD006",
    name="build-cannot-disable-legacy-tls",
    title="The Exchange build does not support disabling TLS 1.0 and 1.1",
    severity=Severity.HIGH,
    scope="server",
    rationale=(
        "Microsoft supports turning off TLS 1.0/1.1 from Exchange 2013 CU20 and Exchange 2016 CU9 (Exchange 2010 "
        "SP3 RU20; all Exchange 2019 and SE builds); older builds still need TLS 1.0 internally."
    ),
    remediation="Update to a supported CU and its latest SU (see the plan) before disabling TLS 1.0/1.1.",
    sources=[_EXCHANGE_TLS, _TLS_BLOG_1, _HC_BUILDS],
    tags=["blocker"],
)


def _capability(feature: Feature, attribute: str, what: str) -> ServerCheck:
    def body(server: Server, info: BuildInfo, ctx: Context) -> Iterator[Outcome]:
        sources = fact_sources(server.sources, "build")
        first = first_build_with(feature, info.product)
        if getattr(info, attribute):
            yield Outcome(
                "pass",
                f"{describe_build(info)} supports {what} ({info.product} from {first}).",
                f"build/{feature}",
                sources,
            )
        else:
            yield Outcome(
                "fail",
                f"{describe_build(info)} does not support {what}: {info.product} needs {first} or later.",
                f"build/{feature}",
                sources,
            )

    return _with_build(body)


RULES = (
    ServerRule(BLD001, _with_build(_in_table, need_product=False)),
    ServerRule(BLD002, _with_build(_end_of_support)),
    ServerRule(BLD003, _with_build(_serviced)),
    ServerRule(BLD004, _with_build(_latest_su)),
    ServerRule(BLD005, _capability("tls12", "supports_tls12", "TLS 1.2")),
    ServerRule(
        BLD006, _capability("disable_tls10_tls11", "can_disable_tls10_tls11", "disabling TLS 1.0 and 1.1")
    ),
)
