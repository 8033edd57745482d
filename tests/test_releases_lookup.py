"""Lookups: thresholds, unknown builds, lifecycle on either side of each date, staleness, CLI shape."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from exotls.errors import InvalidBuildError
from exotls.releases import (
    STALE_AFTER_DAYS,
    UNKNOWN_PRODUCT,
    Build,
    ReleaseTable,
    load_table,
    lookup,
    lookup_dict,
    parse_build,
    product_of,
    release_rows,
)

FIXTURES = Path(__file__).parent / "fixtures" / "releases"


@pytest.fixture(scope="module")
def table() -> ReleaseTable:
    return load_table()


@pytest.fixture(scope="module")
def fresh(table: ReleaseTable) -> dt.date:
    """An evaluation date inside the staleness window, so only the warnings under test appear."""
    return table.as_of + dt.timedelta(days=1)


# -- TLS thresholds ---------------------------------------------------------------------------

# (build, release, TLS 1.2, may disable TLS 1.0/1.1, TLS 1.3)
THRESHOLDS = [
    ("14.3.361.1", "SP3 RU18", False, False, False),
    ("14.3.382.0", "SP3 RU19", True, False, False),
    ("14.3.389.1", "SP3 RU20", True, True, False),
    ("15.0.1347.2", "CU18", False, False, False),
    ("15.0.1365.1", "CU19", True, False, False),
    ("15.0.1365.7", "CU19 May18SU", True, False, False),
    ("15.0.1367.3", "CU20", True, True, False),
    ("15.1.1261.35", "CU7", False, False, False),
    ("15.1.1415.2", "CU8", True, False, False),
    ("15.1.1466.3", "CU9", True, True, False),
    ("15.2.221.12", "RTM", True, True, False),
    ("15.2.1544.4", "CU14", True, True, False),
    ("15.2.1544.39", "CU14 Feb26SU", True, True, False),
    ("15.2.1748.10", "CU15", True, True, True),
    ("15.2.2562.17", "RTM", True, True, True),
]


@pytest.mark.parametrize(("build", "name", "tls12", "disable", "tls13"), THRESHOLDS)
def test_tls_thresholds(
    fresh: dt.date, build: str, name: str, tls12: bool, disable: bool, tls13: bool
) -> None:
    info = lookup(build, as_of=fresh)
    assert info.exact and info.name == name
    assert (info.supports_tls12, info.can_disable_tls10_tls11, info.supports_tls13) == (tls12, disable, tls13)
    assert (info.tls13_requires is not None) == tls13
    if tls13:
        assert "Windows Server 2022" in (info.tls13_requires or "")


def test_thresholds_hold_for_builds_missing_from_the_table(fresh: dt.date) -> None:
    between = lookup("15.0.1366.1", as_of=fresh)  # between CU19 and CU20, no release known
    assert not between.exact and between.supports_tls12 and not between.can_disable_tls10_tls11
    old = lookup("15.1.1000.1", as_of=fresh)  # between CU5 and CU6
    assert not old.supports_tls12


@pytest.mark.parametrize(
    ("build", "dotnet", "has_note"),
    [
        ("15.0.1365.1", "4.7.1", False),
        ("15.0.1497.48", "4.8", True),
        ("15.1.1591.10", "4.7.2", False),
        ("15.1.2507.44", "4.8", False),
        ("15.2.330.5", "4.7.2", False),
        ("15.2.1258.12", "4.8", False),
        ("15.2.1544.4", "4.8.1", True),
        ("15.2.2562.17", "4.8.1", True),
        ("14.3.513.0", None, False),
    ],
)
def test_dotnet_recommendation(fresh: dt.date, build: str, dotnet: str | None, has_note: bool) -> None:
    info = lookup(build, as_of=fresh)
    assert info.dotnet_required == dotnet
    assert (info.dotnet_note is not None) == has_note


# -- accepted and rejected inputs ---------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["15.1.2507.6", "15.01.2507.006", "Version 15.1 (Build 2507.6)", " 15.01.2507.006 "]
)
def test_every_accepted_form_finds_the_same_release(fresh: dt.date, text: str) -> None:
    info = lookup(text, as_of=fresh)
    assert (info.input, info.build, info.product, info.name, info.exact) == (
        text,
        "15.1.2507.6",
        "Exchange 2016",
        "CU23",
        True,
    )


@pytest.mark.parametrize("text", ["v15.2", "15.2", "15.2.1748.43rc1", "", "not a build"])
def test_rejected_inputs_raise(fresh: dt.date, text: str) -> None:
    with pytest.raises(InvalidBuildError):
        lookup(text, as_of=fresh)


def test_lookup_accepts_a_build_object(fresh: dt.date) -> None:
    info = lookup(Build(15, 2, 1748, 43), as_of=fresh)
    assert (info.input, info.name) == ("15.2.1748.43", "CU15 Feb26SU")


# -- products ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "product"),
    [
        ("14.3.123.4", "Exchange 2010"),
        ("14.1.218.15", "Exchange 2010"),
        ("15.0.1497.2", "Exchange 2013"),
        ("15.1.225.42", "Exchange 2016"),
        ("15.2.221.12", "Exchange 2019"),
        ("15.2.2561.99", "Exchange 2019"),
        ("15.2.2562.0", "Exchange SE"),
        ("15.2.2562.17", "Exchange SE"),
    ],
)
def test_product_of(build: str, product: str) -> None:
    assert product_of(parse_build(build)) == product


@pytest.mark.parametrize("build", ["15.20.8000.1", "8.3.83.6", "16.0.1.1"])
def test_product_of_other_versions_is_an_error_but_lookup_answers(fresh: dt.date, build: str) -> None:
    with pytest.raises(InvalidBuildError, match="not an Exchange Server 2010"):
        product_of(parse_build(build))
    info = lookup(build, as_of=fresh)
    assert info.product == UNKNOWN_PRODUCT and not info.exact and info.name is None
    assert not (info.supports_tls12 or info.can_disable_tls10_tls11 or info.supports_tls13)
    assert any("not an Exchange Server" in w for w in info.warnings)


# -- builds the table does not know ---------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "product", "cu"),
    [
        ("15.2.1748.999", "Exchange 2019", "CU15"),
        ("15.2.2562.9999", "Exchange SE", "RTM"),
        ("15.1.2507.999", "Exchange 2016", "CU23"),
        ("14.3.999.0", "Exchange 2010", "SP3"),
    ],
)
def test_builds_newer_than_the_table_report_the_newest_release_below(
    table: ReleaseTable, fresh: dt.date, build: str, product: str, cu: str
) -> None:
    newest = table.line(product, cu)[-1][1]
    info = lookup(build, as_of=fresh)
    assert (info.product, info.cu, info.exact, info.newer_than_table) == (product, cu, False, True)
    assert (info.name, info.date, info.nearest_build) == (newest.name, newest.date, newest.build)
    assert info.has_latest_su is True
    assert any("newer than the table" in w and newest.build in w for w in info.warnings)


def test_a_new_cu_line_is_newer_than_the_table(fresh: dt.date) -> None:
    info = lookup("15.2.2600.1", as_of=fresh)
    assert (info.product, info.newer_than_table, info.name, info.cu) == ("Exchange SE", True, None, None)
    assert info.supports_tls13  # thresholds still apply to unseen builds
    assert any("matches no Exchange SE CU line" in w for w in info.warnings)


def test_after_the_final_cu_is_unknown_not_newer(fresh: dt.date) -> None:
    info = lookup("15.2.2000.1", as_of=fresh)
    assert (info.product, info.newer_than_table, info.name) == ("Exchange 2019", False, None)
    assert any("CU15 was the last cumulative update" in w for w in info.warnings)


@pytest.mark.parametrize(
    ("build", "product", "first"),
    [
        ("15.2.196.0", "Exchange 2019", "15.2.221.12"),  # Exchange 2019 Preview
        ("14.1.218.15", "Exchange 2010", "14.3.123.4"),  # Exchange 2010 SP1
        ("15.0.500.1", "Exchange 2013", "15.0.516.32"),
    ],
)
def test_builds_below_the_first_release(fresh: dt.date, build: str, product: str, first: str) -> None:
    info = lookup(build, as_of=fresh)
    assert (info.product, info.exact, info.newer_than_table, info.name, info.cu) == (
        product,
        False,
        False,
        None,
        None,
    )
    assert any("below the first" in w and first in w for w in info.warnings)


def test_build_below_its_cu_line_base(fresh: dt.date) -> None:
    info = lookup("15.1.2507.2", as_of=fresh)
    assert (info.cu, info.name, info.exact, info.newer_than_table) == ("CU23", None, False, False)
    assert any("below Exchange 2016 CU23 (15.1.2507.6)" in w for w in info.warnings)


def test_build_between_two_sus_reports_the_lower_one(fresh: dt.date) -> None:
    info = lookup("15.1.2507.40", as_of=fresh)
    assert (info.name, info.nearest_build, info.exact, info.newer_than_table) == (
        "CU23 Apr24HU",
        "15.1.2507.39",
        False,
        False,
    )
    assert info.has_latest_su is False
    assert any(
        "between Exchange 2016 CU23 Apr24HU (15.1.2507.39) and CU23 Nov24SU" in w for w in info.warnings
    )


def test_build_between_two_cus_is_unknown(fresh: dt.date) -> None:
    info = lookup("15.1.2400.1", as_of=fresh)
    assert (info.product, info.cu, info.name, info.newer_than_table) == ("Exchange 2016", None, None, False)
    assert any("between Exchange 2016 CU22 (15.1.2375.7) and CU23 (15.1.2507.6)" in w for w in info.warnings)
    assert info.cu_serviced is None and info.latest_su_for_cu is None


# -- lifecycle ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "end"),
    [
        ("14.3.513.0", dt.date(2020, 10, 13)),
        ("15.0.1497.48", dt.date(2023, 4, 11)),
        ("15.1.2507.44", dt.date(2025, 10, 14)),
        ("15.2.1748.10", dt.date(2025, 10, 14)),
    ],
)
def test_end_of_support_either_side_of_the_date(build: str, end: dt.date) -> None:
    on_the_day = lookup(build, as_of=end)
    after = lookup(build, as_of=end + dt.timedelta(days=1))
    assert on_the_day.end_of_support == after.end_of_support == end
    assert (on_the_day.end_of_support_passed, after.end_of_support_passed) == (False, True)


@pytest.mark.parametrize("as_of", [dt.date(2025, 7, 1), dt.date(2030, 1, 1)])
def test_exchange_se_has_no_fixed_end_of_support(as_of: dt.date) -> None:
    info = lookup("15.2.2562.17", as_of=as_of)
    assert (info.lifecycle, info.end_of_support, info.end_of_support_passed) == ("modern", None, False)


@pytest.mark.parametrize(
    ("build", "as_of", "period"),
    [
        ("15.1.2507.66", dt.date(2025, 10, 14), None),
        ("15.1.2507.66", dt.date(2025, 10, 15), "ESU Period 1"),
        ("15.1.2507.66", dt.date(2026, 4, 14), "ESU Period 1"),
        ("15.1.2507.66", dt.date(2026, 4, 20), None),
        ("15.2.1544.39", dt.date(2026, 5, 1), "ESU Period 2"),
        ("15.2.1748.43", dt.date(2026, 10, 31), "ESU Period 2"),
        ("15.2.1748.43", dt.date(2026, 11, 1), None),
        ("15.1.2375.37", dt.date(2026, 1, 15), None),  # CU22 was never ESU-eligible
    ],
)
def test_esu_periods(build: str, as_of: dt.date, period: str | None) -> None:
    assert lookup(build, as_of=as_of).esu_period == period


@pytest.mark.parametrize(
    ("build", "serviced"),
    [
        ("15.1.2375.37", False),
        ("15.1.2507.6", True),
        ("15.2.1258.39", False),
        ("15.2.1544.4", True),
        ("15.2.1748.10", True),
        ("15.2.2562.17", True),
        ("15.0.1473.3", False),
    ],
)
def test_serviced_cu_lines(fresh: dt.date, build: str, serviced: bool) -> None:
    assert lookup(build, as_of=fresh).cu_serviced is serviced


def test_latest_su_depends_on_the_evaluation_date() -> None:
    early = lookup("15.1.2507.44", as_of=dt.date(2025, 1, 1))
    assert (early.latest_su_name, early.latest_su_for_cu, early.has_latest_su) == (
        "CU23 Nov24SUv2",
        "15.1.2507.44",
        True,
    )
    later = lookup("15.1.2507.44", as_of=dt.date(2025, 5, 1))
    assert (later.latest_su_name, later.latest_su_for_cu, later.has_latest_su) == (
        "CU23 Apr25HU",
        "15.1.2507.55",
        False,
    )


def test_latest_su_for_the_newest_build_is_itself(table: ReleaseTable, fresh: dt.date) -> None:
    for product, cu in [("Exchange 2016", "CU23"), ("Exchange 2019", "CU15"), ("Exchange SE", "RTM")]:
        newest = table.line(product, cu)[-1][1]
        info = lookup(newest.build, as_of=fresh)
        assert (info.latest_su_for_cu, info.has_latest_su) == (newest.build, True)


def test_cu_without_updates_has_no_latest_su(fresh: dt.date) -> None:
    info = lookup("15.1.396.30", as_of=fresh)  # 2016 CU1: no SU in the table
    assert (info.latest_su_for_cu, info.latest_su_name, info.has_latest_su) == (None, None, None)


def test_release_dated_after_the_evaluation_date_is_flagged() -> None:
    info = lookup("15.1.2507.66", as_of=dt.date(2026, 1, 1))
    assert any("released on 2026-02-10, after the evaluation date 2026-01-01" in w for w in info.warnings)


def test_default_evaluation_date_is_today() -> None:
    before = dt.date.today()
    info = lookup("15.1.2507.6")
    assert before <= info.as_of <= dt.date.today()


# -- staleness --------------------------------------------------------------------------


@pytest.mark.parametrize("build", ["15.1.2507.6", "15.2.1748.999", "15.20.1.1", "15.1.2400.1"])
def test_staleness_warning_after_120_days(table: ReleaseTable, build: str) -> None:
    edge = table.as_of + dt.timedelta(days=STALE_AFTER_DAYS)
    quiet = lookup(build, as_of=edge)
    assert not any("may be out of date" in w and "--releases" in w for w in quiet.warnings)
    stale = lookup(build, as_of=edge + dt.timedelta(days=1))
    assert any("--releases FILE" in w and table.as_of.isoformat() in w for w in stale.warnings)


def test_user_table_is_used_and_dated(fresh: dt.date) -> None:
    user = load_table(FIXTURES / "user_table_valid.json")
    info = lookup("15.1.2507.9", as_of=dt.date(2025, 8, 2), table=user)
    assert (info.name, info.table_as_of, info.latest_su_name) == (
        "CU23 May22SU",
        dt.date(2025, 8, 1),
        "CU23 May22SU",
    )
    newer = lookup("15.1.2507.44", as_of=dt.date(2025, 8, 2), table=user)
    assert newer.newer_than_table and newer.name == "CU23 May22SU"
    stale = lookup("15.1.2507.9", as_of=dt.date(2026, 1, 1), table=user)
    assert any("user_table_valid.json" in w and "--releases FILE" in w for w in stale.warnings)


# -- CLI shape ------------------------------------------------------------------------------

CLI_KEYS = [
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
]


def test_cli_dict_has_exactly_the_documented_keys(fresh: dt.date) -> None:
    data = lookup_dict("Version 15.1 (Build 2507.44)", as_of=fresh)
    assert list(data) == CLI_KEYS
    assert data["date"] == "2024-11-27" and data["end_of_support"] == "2025-10-14"
    assert data["exact"] is True and data["name"] == "CU23 Nov24SUv2"
    assert json.loads(json.dumps(data)) == data
    assert lookup("15.1.2507.44", as_of=fresh).to_cli_dict()["build"] == data["build"]


def test_release_rows_are_json_ready(table: ReleaseTable) -> None:
    rows = release_rows()
    assert len(rows) == len(table.rows)
    assert set(rows[0]) == {"product", "name", "kind", "build", "build_long", "date", "kb", "source", "notes"}
    json.dumps(rows)
    se = release_rows(product="Exchange SE")
    assert se and all(row["product"] == "Exchange SE" for row in se)
    assert [row["build"] for row in se] == [r.build for r in table.for_product("Exchange SE")]


def test_package_lookup_stays_the_function_after_the_submodule_loads() -> None:
    import importlib

    import exotls.releases as package

    importlib.import_module("exotls.releases.lookup")
    assert callable(package.lookup)
    assert package.lookup.__module__ == "exotls.releases.lookup"


# -- built without validation, equal to what validation gives ---------------------------------
# lookup() builds BuildInfo with model_construct and to_cli_dict() skips pydantic's serializer
# (start-up time); these hold both to what the validating, serializing path gives.

EVERY_KIND_OF_ANSWER = [
    "15.1.2507.44",  # exact, SU
    "15.2.1748.999",  # newer than the table on a known line
    "15.1.2400.1",  # between CUs
    "15.20.8000.1",  # not an Exchange Server build
    "14.3.513.0",  # Exchange 2010 rollup line
    "15.2.2562.17",  # SE
]


@pytest.mark.parametrize("build", EVERY_KIND_OF_ANSWER)
def test_build_info_survives_validation_unchanged(fresh: dt.date, build: str) -> None:
    from exotls.releases import BuildInfo

    info = lookup(build, as_of=fresh)
    assert BuildInfo.model_validate(info.model_dump(), strict=True) == info


@pytest.mark.parametrize("build", EVERY_KIND_OF_ANSWER)
def test_cli_dict_is_pydantics_json_dump(fresh: dt.date, build: str) -> None:
    info = lookup(build, as_of=fresh)
    dumped = info.model_dump(mode="json")
    assert info.to_cli_dict() == {key: dumped[key] for key in CLI_KEYS}


def test_embedded_capabilities_validate() -> None:
    """load_capabilities() skips validation at run time; the shipped file is validated here."""
    from exotls.releases.capabilities import (
        embedded_capabilities_bytes,
        load_capabilities,
        validate_capabilities,
    )

    assert validate_capabilities(embedded_capabilities_bytes()) == load_capabilities()


def test_invalid_capability_data_is_a_release_data_error() -> None:
    from exotls.errors import ReleaseDataError
    from exotls.releases.capabilities import embedded_capabilities_bytes, validate_capabilities

    document = json.loads(embedded_capabilities_bytes())
    document["features"]["tls12"][0]["from_build"] = "15.1"
    with pytest.raises(ReleaseDataError, match="capability data is invalid"):
        validate_capabilities(json.dumps(document).encode())
