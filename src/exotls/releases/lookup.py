"""Turn any build into the exact release, or the nearest one below with a plain warning.

A build missing from the table is never a crash: it is placed on its CU line (the first three
build numbers), reported as the nearest release below it, and flagged as newer than the table,
between releases, between CUs or below the first known build. Capabilities come from numeric
thresholds, so they stay right even for builds the table has never seen.
"""

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from exotls.errors import InvalidBuildError
from exotls.releases.capabilities import load_capabilities
from exotls.releases.lifecycle import end_of_support_passed, esu_period, latest_update, staleness_warning
from exotls.releases.table import Release, ReleaseTable, load_table
from exotls.releases.version import Build, parse_build

__all__ = ["UNKNOWN_PRODUCT", "BuildInfo", "lookup", "lookup_dict", "product_of", "release_rows"]

UNKNOWN_PRODUCT = "Unknown"

# The exact keys and order of `exotls build --format json`, one object per input.
_CLI_KEYS = (
    "input",
    "build",
    "product",
    "name",
    "kind",
    "date",
    "exact",
    "supports_tls12",
    "can_disable_tls10_tls11",
    "supports_tls13",
    "end_of_support",
    "latest_su_for_cu",
    "warnings",
)


class BuildInfo(BaseModel):
    """Everything exotls knows about one build on one evaluation date.

    For a build not in the table, ``name``/``kind``/``date``/``kb`` describe the nearest release
    below it on the same CU line (``exact`` is False and ``warnings`` says so); they are None
    when no release of that line lies below it.
    """

    # defer_build + model_construct in lookup(): exotls builds every BuildInfo from typed
    # values, so `exotls build` never pays for a pydantic schema; users may still validate one.
    model_config = ConfigDict(frozen=True, defer_build=True)

    input: str
    build: str
    product: str
    name: str | None = None
    kind: str | None = None
    date: dt.date | None = None
    kb: str | None = None
    exact: bool = False
    newer_than_table: bool = False
    nearest_build: str | None = Field(
        default=None, description="Build of the release reported when not exact"
    )
    cu: str | None = Field(default=None, description="CU line name, e.g. CU23, RTM, SP1, SP3")
    supports_tls12: bool = False
    can_disable_tls10_tls11: bool = False
    supports_tls13: bool = Field(default=False, description="True only on Windows Server 2022 or later")
    tls13_requires: str | None = None
    dotnet_required: str | None = None
    dotnet_note: str | None = None
    lifecycle: str | None = None
    end_of_support: dt.date | None = None
    end_of_support_passed: bool | None = None
    esu_period: str | None = None
    cu_serviced: bool | None = None
    latest_su_for_cu: str | None = None
    latest_su_name: str | None = None
    has_latest_su: bool | None = None
    as_of: dt.date
    table_as_of: dt.date
    warnings: list[str] = Field(default_factory=list)

    def to_cli_dict(self) -> dict[str, Any]:
        """The JSON object `exotls build` prints for this input: fixed keys, ISO dates."""
        return {key: _json_value(getattr(self, key)) for key in _CLI_KEYS}


def _json_value(value: Any) -> Any:
    """What ``model_dump(mode="json")`` gives for BuildInfo's value types, without a serializer."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value


def product_of(build: Build, *, table: ReleaseTable | None = None) -> str:
    """The product label for a build (Exchange 2010, 2013, 2016, 2019 or SE), from the table's ranges.

    Raises ``InvalidBuildError`` for version numbers no covered product uses (e.g. 15.20, which
    Exchange Online reports, or 8.3 for Exchange 2007).
    """
    product = (table or load_table()).product_of(build)
    if product is None:
        raise InvalidBuildError(
            f"{build.short} is not an Exchange Server 2010, 2013, 2016, 2019 or SE build "
            f"(version {build.major}.{build.minor} is not covered)"
        )
    return product


def lookup(
    build: str | Build,
    *,
    as_of: dt.date | None = None,
    table: ReleaseTable | None = None,
) -> BuildInfo:
    """Answer for one build string or Build; ``as_of=None`` means today, read here and only here."""
    parsed = build if isinstance(build, Build) else parse_build(build)
    text = parsed.short if isinstance(build, Build) else build
    when = as_of if as_of is not None else dt.date.today()
    return _Answer(table or load_table(), parsed, text, when).build_info()


def lookup_dict(
    text: str, *, as_of: dt.date | None = None, table: ReleaseTable | None = None
) -> dict[str, Any]:
    """`exotls build` per input: ``lookup(...).to_cli_dict()``; raises InvalidBuildError on bad input."""
    return lookup(text, as_of=as_of, table=table).to_cli_dict()


def release_rows(table: ReleaseTable | None = None, *, product: str | None = None) -> list[dict[str, Any]]:
    """`exotls releases`: the table's rows as JSON-ready dicts, oldest first, optionally one product."""
    source = table or load_table()
    rows = source.for_product(product) if product is not None else list(source.rows)
    return [row.model_dump(mode="json") for row in rows]


class _Answer:
    """Builds one BuildInfo; a class only so the steps can share the inputs without long signatures."""

    def __init__(self, table: ReleaseTable, build: Build, text: str, as_of: dt.date) -> None:
        self.table = table
        self.build = build
        self.as_of = as_of
        self.fields: dict[str, Any] = {
            "input": text,
            "build": build.short,
            "as_of": as_of,
            "table_as_of": table.as_of,
        }
        self.warnings: list[str] = []

    def build_info(self) -> BuildInfo:
        product = self.table.product_of(self.build)
        if product is None:
            self.fields["product"] = UNKNOWN_PRODUCT
            self.warnings.append(
                f"Build {self.build.short} is not an Exchange Server 2010, 2013, 2016, 2019 or SE build "
                f"(version {self.build.major}.{self.build.minor}); exotls cannot say what it supports."
            )
        else:
            self.fields["product"] = product
            self.place(product)
            self.capabilities(product)
            self.lifecycle(product)
        stale = staleness_warning(self.table.as_of, self.as_of, self.table.origin)
        if stale:
            self.warnings.append(stale)
        return BuildInfo.model_construct(**self.fields, warnings=self.warnings)

    # -- where the build sits in the table --------------------------------------------------

    def place(self, product: str) -> None:
        exact = self.table.find(self.build)
        if exact is not None:
            self.report(exact, exact=True)
            if exact.date > self.as_of:
                self.warnings.append(
                    f"{product} {exact.name} was released on {exact.date.isoformat()}, after the evaluation "
                    f"date {self.as_of.isoformat()}."
                )
            return
        cu = self.line_of(product)
        if cu is None:
            self.place_off_line(product)
            return
        self.fields["cu"] = cu
        line = self.table.line(product, cu)
        below = [item for item in line if item[0] < self.build]
        above = [item for item in line if item[0] > self.build]
        shown = self.build.short
        if not below:
            self.warnings.append(
                f"Build {shown} is not in the table: it is below {product} {cu} ({line[0][1].build}), "
                "the first release of that CU line (a pre-release or unreleased build)."
            )
            return
        nearest = below[-1][1]
        self.report(nearest, exact=False)
        if not above:
            self.fields["newer_than_table"] = True
            self.warnings.append(
                f"Build {shown} is newer than the table: the newest {product} {cu} release it knows is "
                f"{nearest.name} ({nearest.build}), table dated {self.table.as_of.isoformat()}. Reported as "
                f"{nearest.name}, the nearest release below it; the table may be out of date."
            )
        else:
            upper = above[0][1]
            self.warnings.append(
                f"Build {shown} is not in the table: it lies between {product} {nearest.name} ({nearest.build}) "
                f"and {upper.name} ({upper.build}). Reported as {nearest.name}, the nearest release below it "
                "(an interim or private fix?)."
            )

    def line_of(self, product: str) -> str | None:
        """The CU line holding the build: same first three parts (2013+), or the one SP line of 2010."""
        lines = self.table.lines(product)
        for key, cu in lines:
            if key == self.build.line_key:
                return cu
        # Update-rollup lines (Exchange 2010 SP3) change the third number with every rollup, so
        # such a line holds every later build of the same major.minor.
        for key, cu in reversed(lines):
            entries = self.table.line(product, cu)
            rollups = any(release.kind == "RU" for _, release in entries)
            if rollups and key[:2] == self.build.line_key[:2] and entries[0][0] < self.build:
                return cu
        return None

    def place_off_line(self, product: str) -> None:
        shown = self.build.short
        lines = self.table.lines(product)
        if not lines:
            self.warnings.append(f"Build {shown} is not in the table: it has no {product} releases.")
            return
        first = self.table.line(product, lines[0][1])[0][1]
        if self.build < first.version:
            self.warnings.append(
                f"Build {shown} is not in the table: it is below the first {product} release the table "
                f"knows ({first.name}, {first.build})."
            )
            return
        lower = [(key, cu) for key, cu in lines if key < self.build.line_key]
        higher = [(key, cu) for key, cu in lines if key > self.build.line_key]
        low_cu = lower[-1][1]
        low_base = self.table.line(product, low_cu)[0][1]
        if higher:
            high_base = self.table.line(product, higher[0][1])[0][1]
            self.warnings.append(
                f"Build {shown} is not in the table: it lies between {product} {low_cu} ({low_base.build}) "
                f"and {higher[0][1]} ({high_base.build}), where no release is known."
            )
            return
        info = self.table.product_info(product)
        if info is not None and info.final_line is not None and low_cu == info.final_line:
            self.warnings.append(
                f"Build {shown} is not in the table: {product} {info.final_line} was the last cumulative "
                f"update and no later {product} release is known."
            )
            return
        newest = self.table.for_product(product)[-1]
        self.fields["newer_than_table"] = True
        self.warnings.append(
            f"Build {shown} is newer than the table: it matches no {product} CU line the table knows; the "
            f"newest release it knows is {newest.name} ({newest.build}), table dated "
            f"{self.table.as_of.isoformat()}. It may be a cumulative update released after that date."
        )

    def report(self, release: Release, *, exact: bool) -> None:
        self.fields.update(
            name=release.name,
            kind=release.kind,
            date=release.date,
            kb=release.kb,
            exact=exact,
            cu=release.cu,
            nearest_build=None if exact else release.build,
        )

    # -- what it supports ----------------------------------------------------------------

    def capabilities(self, product: str) -> None:
        caps = load_capabilities()
        tls13 = caps.supports("tls13", product, self.build)
        self.fields.update(
            supports_tls12=caps.supports("tls12", product, self.build),
            can_disable_tls10_tls11=caps.supports("disable_tls10_tls11", product, self.build),
            supports_tls13=tls13,
            tls13_requires=caps.tls13_requires if tls13 else None,
        )
        step = caps.dotnet_for(product, self.build)
        if step is not None:
            self.fields.update(dotnet_required=step.version, dotnet_note=step.note)

    # -- lifecycle on the evaluation date --------------------------------------------------

    def lifecycle(self, product: str) -> None:
        info = self.table.product_info(product)
        if info is None:
            return
        cu = self.fields.get("cu")
        self.fields.update(
            lifecycle=info.lifecycle,
            end_of_support=info.end_of_support,
            end_of_support_passed=end_of_support_passed(info, self.as_of),
            esu_period=esu_period(info, cu, self.as_of),
        )
        if cu is None:
            return
        line_info = self.table.cu_info(product, cu)
        self.fields["cu_serviced"] = None if line_info is None else line_info.serviced
        latest = latest_update(self.table.line(product, cu), self.as_of)
        if latest is None:
            return
        latest_build, latest_release = latest
        self.fields.update(
            latest_su_for_cu=latest_release.build,
            latest_su_name=latest_release.name,
            has_latest_su=self.build >= latest_build,
        )
