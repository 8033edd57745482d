"""The shipped release table's integrity, spot checks against the sources, and user tables."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from exotls.errors import ReleaseDataError
from exotls.releases import Build, ReleaseTable, load_table, parse_build, releases_as_of

FIXTURES = Path(__file__).parent / "fixtures" / "releases"
PRODUCTS = {"Exchange 2010", "Exchange 2013", "Exchange 2016", "Exchange 2019", "Exchange SE"}


@pytest.fixture(scope="module")
def table() -> ReleaseTable:
    return load_table()


def by_line(table: ReleaseTable) -> dict[tuple[str, str], list[Any]]:
    lines: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in table.rows:
        lines[(row.product, row.cu)].append(row)
    return lines


# -- integrity of the embedded table ----------------------------------------------------------


def test_builds_are_unique(table: ReleaseTable) -> None:
    builds = [parse_build(row.build) for row in table.rows]
    assert len(builds) == len(set(builds))


def test_every_product_is_present(table: ReleaseTable) -> None:
    assert {row.product for row in table.rows} == PRODUCTS
    assert {info.product for info in table.products} == PRODUCTS


def test_long_and_short_forms_agree(table: ReleaseTable) -> None:
    for row in table.rows:
        build = parse_build(row.build)
        assert row.build == build.short, row
        assert parse_build(row.build_long) == build, row
        assert row.build_long == build.long, row


def test_every_row_is_sourced(table: ReleaseTable) -> None:
    for row in table.rows:
        assert row.source.startswith(("https://", "CSS-Exchange HealthChecker ")), row


def test_dates_rise_with_builds_inside_each_cu_line(table: ReleaseTable) -> None:
    for line, rows in by_line(table).items():
        ordered = sorted(rows, key=lambda row: parse_build(row.build))
        dates = [row.date for row in ordered]
        assert dates == sorted(dates), line


def test_every_update_sits_on_a_cu_line_with_its_base_release(table: ReleaseTable) -> None:
    for (product, cu), rows in by_line(table).items():
        bases = [row for row in rows if row.name == cu]
        assert len(bases) == 1, (product, cu)
        base = parse_build(bases[0].build)
        for row in rows:
            build = parse_build(row.build)
            assert build >= base, row
            if row.kind in {"SU", "HU"}:
                assert build.line_key == base.line_key, row


def test_no_release_is_dated_after_the_table(table: ReleaseTable) -> None:
    assert max(row.date for row in table.rows) <= table.as_of


def test_every_cu_line_has_a_sourced_serviced_flag(table: ReleaseTable) -> None:
    lines = set(by_line(table))
    flags = {(entry.product, entry.cu): entry for entry in table.cu_lines}
    assert set(flags) == lines
    assert all(entry.source for entry in flags.values())
    serviced = {key for key, entry in flags.items() if entry.serviced}
    assert serviced == {
        ("Exchange 2010", "SP3"),
        ("Exchange 2013", "CU23"),
        ("Exchange 2016", "CU23"),
        ("Exchange 2019", "CU14"),
        ("Exchange 2019", "CU15"),
        ("Exchange SE", "RTM"),
    }


def test_releases_as_of_reads_the_same_date_as_the_full_load(table: ReleaseTable) -> None:
    assert releases_as_of() == table.as_of


def test_default_table_is_cached() -> None:
    assert load_table() is load_table()


# Facts from the Learn page, the Exchange Team blog and HealthChecker, one per kind of release.
SPOT_CHECKS = [
    ("14.3.123.4", "Exchange 2010", "SP3", "SP", "2013-02-12"),
    ("14.3.224.1", "Exchange 2010", "SP3 RU8v1", "RU", "2014-12-09"),
    ("14.3.513.0", "Exchange 2010", "SP3 RU32", "RU", "2021-03-02"),
    ("15.0.847.32", "Exchange 2013", "SP1", "SP", "2014-02-25"),
    ("15.0.1365.1", "Exchange 2013", "CU19", "CU", "2017-12-19"),
    ("15.0.1497.48", "Exchange 2013", "CU23 Mar23SU", "SU", "2023-03-14"),
    ("15.1.225.42", "Exchange 2016", "RTM", "RTM", "2015-10-01"),
    ("15.1.2507.32", "Exchange 2016", "CU23 Aug23SUv2", "SU", "2023-08-15"),
    ("15.1.2507.39", "Exchange 2016", "CU23 Apr24HU", "HU", "2024-04-23"),
    ("15.1.2507.44", "Exchange 2016", "CU23 Nov24SUv2", "SU", "2024-11-27"),
    ("15.1.2507.66", "Exchange 2016", "CU23 Feb26SU", "SU", "2026-02-10"),
    ("15.1.2507.75", "Exchange 2016", "CU23 Sep26SUv2", "SU", "2026-10-02"),
    ("15.2.221.18", "Exchange 2019", "RTM Mar21SU", "SU", "2021-03-02"),
    ("15.2.1258.25", "Exchange 2019", "CU13 Aug23SUv2", "SU", "2023-08-15"),
    ("15.2.1544.27", "Exchange 2019", "CU14 May25HU", "HU", "2025-05-29"),
    ("15.2.1748.10", "Exchange 2019", "CU15", "CU", "2025-02-10"),
    ("15.2.1748.24", "Exchange 2019", "CU15 Apr25HU", "HU", "2025-04-18"),
    ("15.2.1748.36", "Exchange 2019", "CU15 Aug25SU", "SU", "2025-08-12"),
    ("15.2.1748.42", "Exchange 2019", "CU15 Dec25SU", "SU", "2025-12-09"),
    ("15.2.2562.17", "Exchange SE", "RTM", "RTM", "2025-07-01"),
    ("15.2.2562.29", "Exchange SE", "RTM Oct25SU", "SU", "2025-10-14"),
    ("15.2.2562.41", "Exchange SE", "RTM May26HU", "HU", "2026-05-07"),
    ("15.2.2562.46", "Exchange SE", "RTM Aug26SU", "SU", "2026-08-11"),
]


@pytest.mark.parametrize(("build", "product", "name", "kind", "date"), SPOT_CHECKS)
def test_spot_checks_against_the_sources(
    table: ReleaseTable, build: str, product: str, name: str, kind: str, date: str
) -> None:
    row = table.find(parse_build(build))
    assert row is not None
    assert (row.product, row.name, row.kind, row.date) == (product, name, kind, dt.date.fromisoformat(date))


@pytest.mark.parametrize(
    "month", ["Aug25SU", "Oct25SU", "Dec25SU", "Feb26SU", "Jun26SU", "Jul26SU", "Sep26SU"]
)
def test_recent_sus_exist_for_every_serviced_2016_2019_se_line(table: ReleaseTable, month: str) -> None:
    for product, cu in [
        ("Exchange 2016", "CU23"),
        ("Exchange 2019", "CU14"),
        ("Exchange 2019", "CU15"),
        ("Exchange SE", "RTM"),
    ]:
        assert any(row.name == f"{cu} {month}" for row in table.for_product(product)), (product, cu, month)


def test_for_product_is_ordered_by_build(table: ReleaseTable) -> None:
    rows = table.for_product("Exchange 2019")
    builds = [parse_build(row.build) for row in rows]
    assert builds == sorted(builds)
    assert all(row.product == "Exchange 2019" for row in rows)


# -- user-supplied tables ------------------------------------------------------------------


def test_valid_user_table_loads() -> None:
    path = FIXTURES / "user_table_valid.json"
    table = load_table(path)
    assert table.as_of == dt.date(2025, 8, 1)
    assert table.origin == str(path)
    assert [row.name for row in table.for_product("Exchange 2016")] == [
        "CU22",
        "CU22 Nov22SU",
        "CU23",
        "CU23 May22SU",
    ]
    assert table.product_of(Build(15, 2, 2562, 20)) == "Exchange SE"
    assert load_table(str(path)).as_of == table.as_of


@pytest.mark.parametrize(
    ("fixture", "where", "reason"),
    [
        ("user_table_missing_field.json", "releases[1]", "field 'date' is missing"),
        ("user_table_bad_build.json", "releases[2].build", "not an Exchange build: '15.1.2507.6rc1'"),
        (
            "user_table_duplicate_build.json",
            "releases[3].build",
            "duplicate build 15.1.2375.37 (also releases[1])",
        ),
    ],
)
def test_broken_user_tables_name_file_row_and_field(fixture: str, where: str, reason: str) -> None:
    path = FIXTURES / fixture
    with pytest.raises(ReleaseDataError) as info:
        load_table(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert where in message
    assert reason in message


def mutate(tmp_path: Path, change: Any) -> Path:
    document = json.loads((FIXTURES / "user_table_valid.json").read_text(encoding="utf-8"))
    change(document)
    target = tmp_path / "table.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def _set(path: list[Any], value: Any) -> Any:
    def change(document: Any) -> None:
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set(["releases", 2, "build_long"], "15.01.2507.016"), "releases[2].build_long"),
        (_set(["releases", 2, "build"], "15.01.2507.006"), "is not in short form"),
        (_set(["releases", 3, "date"], "2021-01-01"), "releases[3].date"),
        (
            lambda d: (
                _set(["releases", 3, "build"], "15.1.2508.9")(d),
                _set(["releases", 3, "build_long"], "15.01.2508.009")(d),
            ),
            "is not on the Exchange 2016 CU23 line",
        ),
        (_set(["releases", 3, "build_long"], "15.01.2508.009"), "releases[3].build_long"),
        (_set(["releases", 0, "product"], "Exchange 2022"), "releases[0].product"),
        (_set(["releases", 4, "product"], "Exchange 2016"), "belongs to Exchange SE, not Exchange 2016"),
        (_set(["releases", 1, "kind"], "HU"), "releases[1].kind"),
        (_set(["releases", 1, "name"], "CU22 November"), "releases[1].name"),
        (_set(["releases", 1, "date"], "2026-01-01"), "after the table's as_of"),
        (_set(["releases", 1, "extra"], 1), "not part of the table format"),
        (_set(["as_of"], "June 2022"), "as_of"),
        (_set(["schema_version"], 2), "schema_version"),
        (_set(["cu_lines"], []), "no serviced flag for Exchange 2016 CU22"),
        (_set(["releases"], []), "no rows"),
        (lambda d: d.pop("products"), "products: missing field"),
        (lambda d: d["releases"].pop(2), "no base release Exchange 2016 CU23"),
    ],
)
def test_user_table_defects_are_release_data_errors(tmp_path: Path, change: Any, expected: str) -> None:
    with pytest.raises(ReleaseDataError) as info:
        load_table(mutate(tmp_path, change))
    assert expected in str(info.value)


def test_malformed_json_reports_the_line(tmp_path: Path) -> None:
    target = tmp_path / "table.json"
    target.write_text('{\n "as_of": "2026-01-01",\n "releases": [,]\n}\n', encoding="utf-8")
    with pytest.raises(ReleaseDataError) as info:
        load_table(target)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{target}:3:")


def test_missing_file_is_a_release_data_error(tmp_path: Path) -> None:
    with pytest.raises(ReleaseDataError, match="cannot read release table"):
        load_table(tmp_path / "absent.json")


def test_non_utf8_file_is_a_release_data_error(tmp_path: Path) -> None:
    target = tmp_path / "table.json"
    target.write_bytes(b'{"as_of": "\xff"}')
    with pytest.raises(ReleaseDataError, match="not UTF-8"):
        load_table(target)


def test_embedded_table_passes_every_cross_row_check() -> None:
    """load_table() builds the shipped table without any check at run time; they all run here."""
    from exotls.releases.table import _embedded_bytes, parse_table

    checked = parse_table(_embedded_bytes(), origin="embedded")
    trusted = load_table()  # built with model_construct, no validation
    assert checked == trusted  # every field, nested model and private index
    assert checked.line("Exchange 2019", "CU15") == trusted.line("Exchange 2019", "CU15")


def test_a_user_copy_of_the_shipped_table_gets_the_cross_row_checks(tmp_path: Path) -> None:
    from exotls.releases.table import _embedded_bytes

    document = json.loads(_embedded_bytes().decode("utf-8-sig"))
    document["releases"].append(dict(document["releases"][-1]))
    target = tmp_path / "table.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ReleaseDataError, match=r"releases\[\d+\]\.build: duplicate build"):
        load_table(target)
