"""The release table: one JSON file, validated row by row, indexed once.

The embedded table ships as package data, read once (cached). A user can point at a newer
file of the same shape; every defect is a ``ReleaseDataError`` naming the file, the row
index and the field, because a silently half-read table would give wrong verdicts with
full confidence.
"""

import datetime as dt
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from exotls._package_data import read_package_data
from exotls.errors import InvalidBuildError, ReleaseDataError
from exotls.releases.stamp import DATA_FILE
from exotls.releases.version import Build, parse_build

__all__ = [
    "CuLine",
    "EsuPeriod",
    "ProductInfo",
    "Release",
    "ReleaseTable",
    "load_table",
]

Kind = Literal["RTM", "SP", "RU", "CU", "SU", "HU"]
UPDATE_KINDS: frozenset[str] = frozenset({"SU", "HU", "RU"})
_SCHEMA_VERSION = 1
# "CU23", "RTM", "SP3" alone, or followed by one update: "Nov24SUv2", "Apr25HU", "RU8v2".
_NAME = re.compile(
    r"(?P<line>RTM|SP[0-9]+|CU[0-9]+)(?: (?P<update>[A-Z][a-z]{2}[0-9]{2}(?:SU|HU)(?:v[0-9]+)?|RU[0-9]+(?:v[0-9]+)?))?"
)


class _Model(BaseModel):
    # defer_build: the shipped table is built without validation (_trusted_table), so
    # `exotls build` never pays for pydantic schemas; a user's table builds them on first use.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False, defer_build=True)


class Release(_Model):
    """One row: a release exactly as Microsoft names and numbers it, with where it was read."""

    product: str
    name: str
    kind: Kind
    build: str
    build_long: str
    date: dt.date
    kb: str | None = None
    source: str
    notes: str | None = None

    @property
    def cu(self) -> str:
        """The CU line the release belongs to: ``CU23`` for ``CU23 Nov24SU``, ``SP3`` for 2010 rollups."""
        return self.name.split(" ", 1)[0]

    @property
    def version(self) -> Build:
        """The build as comparable integers."""
        return parse_build(self.build)


class EsuPeriod(_Model):
    """A paid Extended Security Update window after end of support, for the CU lines it covers."""

    name: str
    start: dt.date
    end: dt.date
    lines: tuple[str, ...]
    source: str


class ProductInfo(_Model):
    """How a product is recognised from a build, and its lifecycle facts with their source."""

    product: str
    major: int
    minor: int | None
    min_build: int = 0
    final_line: str | None = None
    end_of_support: dt.date | None = None
    lifecycle: Literal["fixed", "modern"]
    esu: tuple[EsuPeriod, ...] = ()
    source: str
    notes: str | None = None

    def matches(self, build: Build) -> bool:
        """True when the build's version numbers fall in this product's range."""
        return (
            build.major == self.major
            and (self.minor is None or build.minor == self.minor)
            and build.build >= self.min_build
        )

    def specificity(self) -> tuple[int, int]:
        """More specific families win: an exact minor, then the higher build floor (SE over 2019)."""
        return (0 if self.minor is None else 1, self.min_build)


class CuLine(_Model):
    """Whether Microsoft still services a CU line (ships SUs for it), and who says so."""

    product: str
    cu: str
    serviced: bool
    source: str


class ReleaseTable(_Model):
    """The validated table plus lookup indexes built once at construction."""

    as_of: dt.date
    rows: tuple[Release, ...]
    products: tuple[ProductInfo, ...]
    cu_lines: tuple[CuLine, ...]
    sources: dict[str, str] = {}
    description: str | None = None
    origin: str = "embedded"

    _by_build: dict[Build, Release] = PrivateAttr(default_factory=dict)
    _lines: dict[tuple[str, str], list[tuple[Build, Release]]] = PrivateAttr(default_factory=dict)
    _line_keys: dict[str, list[tuple[tuple[int, int, int], str]]] = PrivateAttr(default_factory=dict)
    _product_rows: dict[str, list[tuple[Build, Release]]] = PrivateAttr(default_factory=dict)
    _cu_info: dict[tuple[str, str], CuLine] = PrivateAttr(default_factory=dict)
    _product_info: dict[str, ProductInfo] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        """Index rows by build, by (product, CU line) and by product, each sorted by build."""
        # Locals: each private attribute read goes through pydantic's __getattr__.
        by_build, lines, product_rows, line_keys = self._by_build, self._lines, self._product_rows, self._line_keys
        for release in self.rows:
            build = release.version
            by_build[build] = release
            lines.setdefault((release.product, release.cu), []).append((build, release))
            product_rows.setdefault(release.product, []).append((build, release))
        for entries in (*lines.values(), *product_rows.values()):
            entries.sort(key=lambda item: item[0])
        for (product, cu), entries in lines.items():
            line_keys.setdefault(product, []).append((entries[0][0].line_key, cu))
        for keys in line_keys.values():
            keys.sort()
        self._cu_info = {(line.product, line.cu): line for line in self.cu_lines}
        self._product_info = {info.product: info for info in self.products}

    def for_product(self, product: str) -> list[Release]:
        """Every release of one product, oldest build first."""
        return [release for _, release in self._product_rows.get(product, [])]

    def find(self, build: Build) -> Release | None:
        """The row with exactly this build, if the table has one."""
        return self._by_build.get(build)

    def line(self, product: str, cu: str) -> list[tuple[Build, Release]]:
        """The base release of a CU line and its updates, oldest first."""
        return list(self._lines.get((product, cu), []))

    def lines(self, product: str) -> list[tuple[tuple[int, int, int], str]]:
        """(first three build parts of the base release, CU name) per line, ordered by build."""
        return list(self._line_keys.get(product, []))

    def cu_info(self, product: str, cu: str) -> CuLine | None:
        """The serviced flag and its source for one CU line."""
        return self._cu_info.get((product, cu))

    def product_info(self, product: str) -> ProductInfo | None:
        """Lifecycle facts for one product label."""
        return self._product_info.get(product)

    def product_of(self, build: Build) -> str | None:
        """The product label whose version range holds the build, or None for other products."""
        return _family(self.products, build)

    def nearest_below(self, product: str, build: Build) -> Release | None:
        """The highest release of the product at or below the build, on any line."""
        entries = self._product_rows.get(product, [])
        index = bisect_right([b for b, _ in entries], build)
        return entries[index - 1][1] if index else None


def _family(products: Sequence[ProductInfo], build: Build) -> str | None:
    candidates = [info for info in products if info.matches(build)]
    if not candidates:
        return None
    return max(candidates, key=ProductInfo.specificity).product


_M = TypeVar("_M", bound=_Model)


# ---------------------------------------------------------------------------------------------
# Loading


def load_table(path: str | Path | None = None) -> ReleaseTable:
    """The embedded table (cached) when ``path`` is None, else a user-supplied table of the same shape."""
    if path is None:
        return _embedded_table()
    where = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise ReleaseDataError(f"cannot read release table: {err.strerror or err}", path=where) from err
    return parse_table(data, origin=where)


@cache
def _embedded_table() -> ReleaseTable:
    return _trusted_table(json.loads(_embedded_bytes().decode("utf-8-sig")))


def _trusted_table(document: dict[str, Any]) -> ReleaseTable:
    """The shipped table, built without validation.

    The tests hold it to every check a user's table gets and to equality with the validated
    build (test_embedded_table_passes_every_cross_row_check); validating it again at every
    start-up cost `exotls build` a third of its run time.
    """
    return ReleaseTable.model_construct(
        as_of=dt.date.fromisoformat(document["as_of"]),
        rows=tuple(Release.model_construct(**_converted(row, date=_iso_date)) for row in document["releases"]),
        products=tuple(
            ProductInfo.model_construct(**_converted(info, end_of_support=_iso_date, esu=_esu_periods))
            for info in document["products"]
        ),
        cu_lines=tuple(CuLine.model_construct(**line) for line in document["cu_lines"]),
        sources=dict(document.get("sources", {})),
        description=document.get("description"),
        origin="embedded",
    )


def _iso_date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _esu_periods(values: list[dict[str, Any]]) -> tuple[EsuPeriod, ...]:
    return tuple(
        EsuPeriod.model_construct(**_converted(period, start=_iso_date, end=_iso_date, lines=tuple))
        for period in values
    )


def _converted(data: dict[str, Any], **convert: Callable[[Any], Any]) -> dict[str, Any]:
    """``data`` with the named fields converted from their JSON shape; None stays None."""
    return {
        key: convert[key](value) if key in convert and value is not None else value for key, value in data.items()
    }


def _embedded_bytes() -> bytes:
    return read_package_data("releases", "data", DATA_FILE)


def parse_table(data: bytes, *, origin: str) -> ReleaseTable:
    """Decode, check and index one table; ``origin`` names the file in every error."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        raise ReleaseDataError(f"release table is not UTF-8 text (byte {err.start})", path=origin) from err
    except json.JSONDecodeError as err:
        raise ReleaseDataError(
            f"release table is not valid JSON: {err.msg}", path=origin, line=err.lineno
        ) from err
    return _Validator(origin).table(document)


class _Validator:
    """Turns a decoded JSON document into a ReleaseTable or a precise ReleaseDataError."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, where: str, reason: str) -> ReleaseDataError:
        return ReleaseDataError(f"{where}: {reason}", path=self.origin)

    def table(self, document: object) -> ReleaseTable:
        if not isinstance(document, dict):
            raise self.fail("top level", "expected a JSON object")
        for key in ("as_of", "products", "cu_lines", "releases"):
            if key not in document:
                raise self.fail(key, "missing field")
        version = document.get("schema_version", _SCHEMA_VERSION)
        if version != _SCHEMA_VERSION:
            raise self.fail("schema_version", f"{version!r} is not supported (expected {_SCHEMA_VERSION})")
        as_of = self.date_field(document["as_of"], "as_of")
        products = self.models(document["products"], "products", ProductInfo)
        cu_lines = self.models(document["cu_lines"], "cu_lines", CuLine)
        rows = self.models(document["releases"], "releases", Release)
        if not rows:
            raise self.fail("releases", "the table has no rows")
        sources = document.get("sources", {})
        if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
            raise self.fail("sources", "expected an object of strings")
        description = document.get("description")
        if description is not None and not isinstance(description, str):
            raise self.fail("description", "expected a string")
        self.check_products(products)
        self.check_rows(rows, products)
        for index, row in enumerate(rows):
            if row.date > as_of:
                raise self.fail(f"releases[{index}].date", f"{row.date} is after the table's as_of {as_of}")
        self.check_lines(rows)
        self.check_cu_lines(rows, cu_lines)
        return ReleaseTable(
            as_of=as_of,
            rows=tuple(rows),
            products=tuple(products),
            cu_lines=tuple(cu_lines),
            sources=dict(sources),
            description=description,
            origin=self.origin,
        )

    def date_field(self, value: object, where: str) -> dt.date:
        if not isinstance(value, str):
            raise self.fail(where, "expected a date as YYYY-MM-DD text")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as err:
            raise self.fail(where, f"{value!r} is not a YYYY-MM-DD date") from err

    def models(self, value: object, where: str, model: type[_M]) -> list[_M]:
        if not isinstance(value, list):
            raise self.fail(where, "expected a list")
        out: list[_M] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.fail(f"{where}[{index}]", "expected an object")
            try:
                out.append(model.model_validate(item))
            except ValidationError as err:
                raise self.fail(f"{where}[{index}]", _describe(err)) from None
        return out

    def check_products(self, products: Sequence[ProductInfo]) -> None:
        seen: set[str] = set()
        for index, info in enumerate(products):
            if info.product in seen:
                raise self.fail(f"products[{index}].product", f"duplicate product {info.product!r}")
            seen.add(info.product)

    def check_rows(self, rows: Sequence[Release], products: Sequence[ProductInfo]) -> None:
        first_at: dict[Build, int] = {}
        names: dict[tuple[str, str], int] = {}
        known = {info.product for info in products}
        for index, row in enumerate(rows):
            where = f"releases[{index}]"
            try:
                build = parse_build(row.build)
            except InvalidBuildError as err:
                raise self.fail(f"{where}.build", err.reason) from None
            if row.build != build.short:
                raise self.fail(
                    f"{where}.build", f"{row.build!r} is not in short form (expected {build.short!r})"
                )
            try:
                long_build = parse_build(row.build_long)
            except InvalidBuildError as err:
                raise self.fail(f"{where}.build_long", err.reason) from None
            if long_build != build or row.build_long != build.long:
                raise self.fail(
                    f"{where}.build_long",
                    f"{row.build_long!r} does not agree with build {row.build!r} (expected {build.long!r})",
                )
            if row.product not in known:
                raise self.fail(f"{where}.product", f"{row.product!r} is not one of the table's products")
            family = _family(products, build)
            if family != row.product:
                raise self.fail(
                    f"{where}.product",
                    f"build {row.build} belongs to {family or 'no known product'}, not {row.product}",
                )
            self.check_name(row, where)
            if build in first_at:
                raise self.fail(
                    f"{where}.build", f"duplicate build {row.build} (also releases[{first_at[build]}])"
                )
            first_at[build] = index
            key = (row.product, row.name)
            if key in names:
                raise self.fail(
                    f"{where}.name",
                    f"duplicate release {row.product} {row.name} (also releases[{names[key]}])",
                )
            names[key] = index

    def check_name(self, row: Release, where: str) -> None:
        match = _NAME.fullmatch(row.name)
        if match is None:
            raise self.fail(
                f"{where}.name", f"{row.name!r} is not a release name such as 'CU23' or 'CU23 Nov24SU'"
            )
        line, update = match.group("line"), match.group("update")
        if update is None:
            expected = "RTM" if line == "RTM" else line[:2]
        elif update.startswith("RU"):
            expected = "RU"
        else:
            expected = "HU" if "HU" in update else "SU"
        if row.kind != expected:
            raise self.fail(
                f"{where}.kind", f"{row.kind!r} does not match the name {row.name!r} (expected {expected!r})"
            )

    def check_lines(self, rows: Sequence[Release]) -> None:
        by_line: dict[tuple[str, str], list[tuple[Build, int, Release]]] = {}
        for index, row in enumerate(rows):
            by_line.setdefault((row.product, row.cu), []).append((row.version, index, row))
        for (product, cu), members in by_line.items():
            members.sort()
            base = [item for item in members if item[2].name == cu]
            if not base:
                index = members[0][1]
                raise self.fail(f"releases[{index}].name", f"no base release {product} {cu} for this update")
            base_build, _, _ = base[0]
            previous: tuple[Build, int, Release] | None = None
            for build, index, row in members:
                if row.kind in {"SU", "HU"} and build.line_key != base_build.line_key:
                    raise self.fail(
                        f"releases[{index}].build",
                        f"{row.build} is not on the {product} {cu} line ({base_build.short})",
                    )
                if build < base_build:
                    raise self.fail(
                        f"releases[{index}].build",
                        f"{row.build} is below its base release {cu} ({base_build.short})",
                    )
                if previous is not None and row.date < previous[2].date:
                    raise self.fail(
                        f"releases[{index}].date",
                        f"{row.date} is earlier than {previous[2].name} ({previous[2].date}) although build "
                        f"{row.build} is higher than {previous[2].build}",
                    )
                previous = (build, index, row)

    def check_cu_lines(self, rows: Sequence[Release], cu_lines: Sequence[CuLine]) -> None:
        lines = {(row.product, row.cu) for row in rows}
        declared: dict[tuple[str, str], int] = {}
        for index, entry in enumerate(cu_lines):
            key = (entry.product, entry.cu)
            if key in declared:
                raise self.fail(f"cu_lines[{index}]", f"duplicate entry for {entry.product} {entry.cu}")
            if key not in lines:
                raise self.fail(f"cu_lines[{index}]", f"{entry.product} {entry.cu} has no release rows")
            declared[key] = index
        missing = sorted(lines - declared.keys())
        if missing:
            product, cu = missing[0]
            raise self.fail("cu_lines", f"no serviced flag for {product} {cu}")


def _describe(err: ValidationError) -> str:
    """The first pydantic problem as 'field: message', in words an admin can act on."""
    first = err.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "row"
    if first["type"] == "missing":
        return f"field {field!r} is missing"
    if first["type"] == "extra_forbidden":
        return f"field {field!r} is not part of the table format"
    return f"field {field!r}: {first['msg']}"
