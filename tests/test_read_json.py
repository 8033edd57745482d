"""The ConvertTo-Json reader: Windows PowerShell 5.1 and PowerShell 7 output.

Fixtures in tests/fixtures/json/ follow each edition's layout: 5.1 writes ``"key":  value``
(two spaces), indents nested values four columns past their brace, escapes ``< > ' &``
as ``\\u003c``-style sequences, writes dates as ``\\/Date(ms)\\/`` and is saved as UTF-16LE
with BOM and CRLF by Out-File (or cp1252 by Set-Content); PowerShell 7 writes Newtonsoft's
two-space layout, ISO dates and UTF-8 without BOM, and a console capture keeps its
``WARNING: Resulting JSON is truncated`` line.
"""

from __future__ import annotations

import codecs
import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exotls.errors import ExotlsError, ReadError, UnsupportedFormatError
from exotls.readers import PSObject, read, read_bytes
from exotls.readers.jsonfile import RECOVERED_TYPE, parse_date, recover_flattened

FIXTURES = Path(__file__).parent / "fixtures" / "json"
HOSTILE = Path(__file__).parent / "fixtures" / "hostile" / "json"
BASE = (
    "Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\"
    "SecurityProviders\\SCHANNEL\\Protocols"
)


def test_ps51_get_itemproperty_single_object() -> None:
    data = (FIXTURES / "tls12_server_getitemproperty_ps51.json").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE) and '"Enabled":  -1'.encode("utf-16-le") in data
    doc = read_bytes(data)
    assert (doc.format, doc.encoding, doc.newline) == ("json", "utf-16-le-bom", "crlf")
    assert len(doc.objects) == 1
    item = doc.objects[0]
    assert isinstance(item, PSObject) and item.type_names == ()
    assert list(item.properties) == [
        "Enabled",
        "DisabledByDefault",
        "PSPath",
        "PSParentPath",
        "PSChildName",
        "PSDrive",
        "PSProvider",
    ]
    assert item.get("Enabled") == -1  # Get-ItemProperty is signed; extract normalises
    assert item.get("PSPath") == BASE + "\\TLS 1.2\\Server"
    drive = item.get("PSDrive")
    assert isinstance(drive, PSObject) and drive.get("Provider").get("Capabilities") == 80
    assert drive.line == item.line_of("PSDrive") and drive.get("Provider").line is None
    assert item.get("PSProvider").get("Drives") == ["HKLM", "HKCU"]
    assert item.line == 1 and item.lines is not None
    lines = data[2:].decode("utf-16-le").split("\r\n")
    for name in item.properties:
        assert lines[(item.line_of(name) or 0) - 1].startswith(f'    "{name}":  ')
    assert item.line_of("Enabled") == 2
    assert doc.warnings == []


def test_ps7_array_after_an_ansi_warning_line() -> None:
    doc = read(FIXTURES / "tls_servers_getitemproperty_ps7_warning.json")
    assert (doc.encoding, doc.newline) == ("utf-8", "crlf")
    assert len(doc.warnings) == 1
    assert doc.warnings[0].startswith("line 1: ") and "set depth of 2" in doc.warnings[0]
    assert "\x1b" not in doc.warnings[0]
    assert [o.get("PSChildName") for o in doc.objects] == ["Server", "Server", "Server"]
    assert [o.get("Enabled") for o in doc.objects] == [0, 0, -1]
    lines = (FIXTURES / "tls_servers_getitemproperty_ps7_warning.json").read_bytes().decode().split("\r\n")
    for obj in doc.objects:
        assert lines[obj.line - 1].strip() == "{"
        assert lines[obj.line_of("PSPath") - 1].strip().startswith('"PSPath": ')
    assert doc.objects[0].get("PSDrive").get("Credential") == "System.Management.Automation.PSCredential"


def test_depth_truncated_objects_are_recovered_and_marked() -> None:
    doc = read(FIXTURES / "schannel_report_ps7_truncated.json")
    ex1, ex2 = doc.objects
    tls10 = ex1.get("Schannel").get("TLS 1.0")
    assert isinstance(tls10, PSObject) and tls10.type_names == (RECOVERED_TYPE,)
    assert tls10.properties["Enabled"] == "0" and tls10.properties["DisabledByDefault"] == "1"
    assert tls10.get("PSPath") == BASE + "\\TLS 1.0\\Server"
    assert tls10.to_string is not None and tls10.to_string.startswith("@{Enabled=0; ")
    assert ex2.get("Schannel").get("TLS 1.0").get("Enabled") == "1"
    assert ex1.get("Schannel").get("TLS 1.2").get("Enabled") == "-1"
    assert ex1.get("CollectedAt") == "2024-03-11T09:42:17.1234567+01:00"  # ISO stays text
    assert ex1.get("NetFramework").get("Overrides") == "System.Collections.Hashtable"
    joined = " | ".join(doc.warnings)
    assert "set depth of 2" in joined and RECOVERED_TYPE in joined and "System.Object[]" in joined


def test_exchange_online_transport_config() -> None:
    doc = read(FIXTURES / "transportconfig_exo_ps7.json")
    tc = doc.objects[0]
    assert tc.has("AllowLegacyTLSClients") and tc.get("AllowLegacyTLSClients") is None
    assert tc.get("SmtpClientAuthenticationDisabled") is True
    assert tc.get("MaxSendSize") == "35 MB (36,700,160 bytes)"
    assert tc.get("ObjectClass") == ["top", "container", "msExchTransportSettings"]
    assert tc.get("TLSReceiveDomainSecureList") == []
    assert tc.get("allowlegacytlsclients", "absent") is None  # names are case-insensitive
    lines = (FIXTURES / "transportconfig_exo_ps7.json").read_bytes().decode().split("\r\n")
    assert lines[tc.line_of("AllowLegacyTLSClients") - 1] == '  "AllowLegacyTLSClients": null,'


def test_ps51_dates_escapes_and_version_objects() -> None:
    doc = read(FIXTURES / "exchangeserver_dates_ps51.json")
    ex1, ex2 = doc.objects
    assert ex1.get("WhenChanged") == datetime(2024, 3, 11, 8, 42, 17, tzinfo=UTC)
    assert ex2.get("WhenCreated") == datetime(1, 1, 1, tzinfo=UTC)  # DateTime.MinValue
    collected = ex1.get("CollectedAt")
    assert collected.get("value") == datetime(2024, 3, 11, 8, 42, 17, 123000, tzinfo=UTC)
    assert collected.get("DateTime") == "Monday, March 11, 2024 9:42:17 AM"
    assert ex1.get("ExchangeLegacyDN").startswith("/o=O'Brien & Partners/")
    version = ex1.get("AdminDisplayVersion")
    assert [version.get(p) for p in ("Major", "Minor", "Build", "Revision")] == [15, 2, 1544, 14]
    lines = (FIXTURES / "exchangeserver_dates_ps51.json").read_bytes()[2:].decode("utf-16-le").split("\r\n")
    assert ex1.line == 2 and ex2.line is not None and ex2.line > ex1.line
    assert lines[ex2.line - 1] == "    {" and lines[ex2.line - 2] == "    },"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("exsetup_fileversioninfo_ps51.json", "utf-16-le-bom"), ("exsetup_setcontent_cp1252.json", "cp1252")],
)
def test_exsetup_file_version_info(name: str, encoding: str) -> None:
    data = (FIXTURES / name).read_bytes()
    doc = read_bytes(data)
    assert doc.encoding == encoding
    fvi = doc.objects[0]
    assert fvi.get("ProductVersion") == "15.02.1544.014"
    assert fvi.get("ProductName") == "Microsoft® Exchange"
    raw = fvi.get("ProductVersionRaw")
    assert [
        raw.get(p) for p in ("Major", "Minor", "Build", "Revision", "MajorRevision", "MinorRevision")
    ] == [
        15,
        2,
        1544,
        14,
        0,
        14,
    ]
    if encoding == "cp1252":
        assert b"\xae" in data
        assert any("cp1252" in w for w in doc.warnings)
    else:
        assert doc.warnings == []


# -- inline cases ----------------------------------------------------------------------


def test_date_forms() -> None:
    assert parse_date("/Date(1690978205000)/") == datetime(2023, 8, 2, 12, 10, 5, tzinfo=UTC)
    assert parse_date("/Date(1690978205000+0100)/") == datetime(2023, 8, 2, 12, 10, 5, tzinfo=UTC)
    assert parse_date("/Date(-1000-0500)/") == datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert parse_date("/Date(999999999999999999)/") is None  # beyond datetime: kept as text
    assert parse_date("/Date(12)/ ") is None
    assert parse_date("2023-08-02T12:10:05Z") is None
    doc = read_bytes(
        b'{"d": "\\/Date(0)\\/", "iso": "2023-08-02T12:10:05Z", "big": "/Date(999999999999999999)/"}'
    )
    obj = doc.objects[0]
    assert obj.get("d") == datetime(1970, 1, 1, tzinfo=UTC)
    assert obj.get("iso") == "2023-08-02T12:10:05Z" and obj.get("big") == "/Date(999999999999999999)/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@{}", {}),
        ("@{a=1}", {"a": "1"}),
        ("@{a=; b=x=y}", {"a": "", "b": "x=y"}),
        ("@{Guid={4d36e972-e325}; n=2}", {"Guid": "{4d36e972-e325}", "n": "2"}),
        ("@{a=b;c; d=e}", {"a": "b;c", "d": "e"}),
    ],
)
def test_recover_flattened(text: str, expected: dict[str, str]) -> None:
    obj = recover_flattened(text)
    assert obj is not None and obj.properties == expected and obj.to_string == text


@pytest.mark.parametrize(
    "text",
    [
        "@{a=1; b}",
        "@{a=1; a=2}",
        "@{=1}",
        "@{ a=1}",
        "@{a={x}",
        "@{a=}}",
        "System.Collections.Hashtable",
        "@{a=1",
    ],
)
def test_ambiguous_flattened_text_stays_a_string(text: str) -> None:
    assert recover_flattened(text) is None
    doc = read_bytes(json.dumps({"v": text}).encode())
    assert doc.objects[0].get("v") == text


def test_nested_flattened_objects_are_recovered() -> None:
    obj = recover_flattened("@{a=@{b=1; c=2}; d=3}")
    assert obj is not None
    inner = obj.properties["a"]
    assert isinstance(inner, PSObject) and inner.properties == {"b": "1", "c": "2"}
    assert obj.properties["d"] == "3"


def test_duplicate_and_case_variant_keys() -> None:
    doc = read_bytes(b'{"a": 1, "ObjectGuid": "x", "a": 2, "ObjectGUID": "y"}')
    obj = doc.objects[0]
    assert obj.properties == {"a": 2, "ObjectGuid": "x", "ObjectGUID": "y"}
    assert obj.get("ObjectGUID") == "y" and obj.get("objectguid") == "x"
    assert any("duplicate JSON keys (a)" in w for w in doc.warnings)


def test_nested_objects_and_arrays_of_scalars() -> None:
    doc = read_bytes(b'[1, "x", {"o": {"p": [{"q": null}]}}, [true]]')
    assert doc.objects[:2] == [1, "x"] and doc.objects[3] == [True]
    inner = doc.objects[2].get("o").get("p")[0]
    assert isinstance(inner, PSObject) and inner.has("q") and inner.get("q") is None


def test_concatenated_outputs_with_warnings_between() -> None:
    text = '{"n": 1}\r\nWARNING: x\r\n[{"n": 2}, {"n": 3}]\r\nPS C:\\> \r\n'
    doc = read_bytes(text.encode())
    assert [o.get("n") for o in doc.objects] == [1, 2, 3]
    assert [o.line for o in doc.objects] == [1, 3, 3]
    assert doc.warnings == ["line 2: PowerShell printed 'WARNING: x'"]


def test_empty_array_and_object() -> None:
    assert read_bytes(b"[\r\n\r\n]").objects == []
    only = read_bytes(b"{\r\n\r\n}").objects
    assert len(only) == 1 and only[0].properties == {}


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        (b'{\n  "a": 1,\n  "b": \n}', 4, 1),
        (b'[\n  {"a": 1}\n  {"b": 2}\n]', 3, 3),
        (b'{"a": 1} trailing', 1, 10),
        (b'{"a": "\\x"}', 1, 8),
        (b'{"a": 1,}', 1, 9),
        (b"{'a': 1}", 1, 2),
        (b'{"a" 1}', 1, 6),
        (b"[1, 2", 1, 6),
        (b'{"a": 1}\r\n\r\n  oops\r\n', 3, 3),
    ],
)
def test_invalid_json_reports_line_and_column(text: bytes, line: int, column: int) -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(text, "x.json")
    assert caught.value.line == line
    assert f"(column {column})" in caught.value.reason


def test_line_numbers_count_cr_only_files() -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(b'{\r"a": 1,\r"b": \r}')
    assert caught.value.line == 4


def test_only_warnings_is_unsupported() -> None:
    from exotls.readers.encoding import decode
    from exotls.readers.jsonfile import read_json

    with pytest.raises(UnsupportedFormatError):
        read_json(decode(b"WARNING: nothing else\r\n"), "x.json")


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.iterdir() if p.suffix == ".json"))
def test_hostile_json_fails_cleanly(name: str) -> None:
    with pytest.raises(ReadError) as caught:
        read(HOSTILE / name)
    assert caught.value.path == str(HOSTILE / name)


# -- properties ------------------------------------------------------------------------

_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63),
    st.text(max_size=20).filter(lambda s: not s.startswith(("@{", "/Date("))),
)
_JSON = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _plain(value: object) -> object:
    if isinstance(value, PSObject):
        return {k: _plain(v) for k, v in value.properties.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=8), _JSON, max_size=5), max_size=4), st.booleans())
def test_round_trip_of_arrays_of_objects(items: list[dict[str, object]], ps7: bool) -> None:
    text = json.dumps(items, indent=2 if ps7 else 4, ensure_ascii=not ps7)
    doc = read_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le") if not ps7 else text.encode("utf-8"))
    assert [_plain(o) for o in doc.objects] == items
    for obj in doc.objects:
        assert isinstance(obj, PSObject) and obj.line is not None
        assert text.split("\n")[obj.line - 1].strip().startswith("{")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_fixtures_only_raise_exotls_errors(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.json"))))
    raw = bytearray((FIXTURES / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[position] = data.draw(
                st.sampled_from([0x7B, 0x7D, 0x5B, 0x5D, 0x22, 0x2C, 0x5C, 0x00, 0xFF, 0x40])
            )
        else:
            del raw[position]
    with contextlib.suppress(ExotlsError):
        read_bytes(bytes(raw), name)
