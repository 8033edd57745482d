"""CLIXML reader: PowerShell-shaped fixtures in, neutral values out (formats.md section a)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from exotls.errors import ReadError
from exotls.readers import read, read_bytes
from exotls.readers.clixml import to_jsonable
from exotls.readers.encoding import decode
from exotls.readers.jsonable import duration_text
from exotls.readers.psescape import decode_ps
from exotls.readers.values import OpaqueData, PSObject, ScriptBlock, SecureString, Version

FIXTURES = Path(__file__).parent / "fixtures" / "clixml"
NS = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'


def fixture(name: str) -> Path:
    return FIXTURES / name


def objs(body: str) -> bytes:
    return (NS + body + "</Objs>").encode("utf-8")


# -- the fixtures have the exact shape PowerShell writes ---------------------------------


@pytest.mark.parametrize(
    ("name", "encoding", "newline"),
    [
        ("ps51_exchangeserver_rich.xml", "utf-16-le-bom", "crlf"),
        ("ps51_exsetup_fileversioninfo.xml", "utf-16-le-bom", "crlf"),
        ("ps51_primitives.xml", "utf-16-le-bom", "crlf"),
        ("ps51_transportconfig_deserialized.xml", "utf-16-le-bom", "crlf"),
        ("ps7_exchangeserver_rich.xml", "utf-8", "lf"),
        ("ps7_transportconfig_deserialized.xml", "utf-8", "lf"),
        ("ps7_escapes.xml", "utf-8", "lf"),
        ("ps7win_schannel_itemproperty.xml", "utf-8", "crlf"),
    ],
)
def test_fixture_shape_and_detected_encoding(name: str, encoding: str, newline: str) -> None:
    data = fixture(name).read_bytes()
    # Export-Clixml: no XML declaration and no trailing newline after </Objs>.
    text = decode(data).text
    assert text.startswith("<Objs Version=") and text.endswith("</Objs>")
    if encoding == "utf-16-le-bom":
        assert data.startswith(b"\xff\xfe")
    else:
        assert not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe"))
    doc = read(fixture(name))
    assert (doc.format, doc.encoding, doc.newline) == ("clixml", encoding, newline)


# -- Get-ExchangeServer: rich objects, enums, Refs across objects, TNRef reuse -----------


@pytest.mark.parametrize("name", ["ps51_exchangeserver_rich.xml", "ps7_exchangeserver_rich.xml"])
def test_exchange_server_rich(name: str) -> None:
    doc = read(fixture(name))
    ex01, ex02 = doc.objects
    assert ex01.type_names[0] == "Microsoft.Exchange.Data.Directory.Management.ExchangeServer"
    assert ex02.type_names is ex01.type_names  # TNRef reuses the list written once
    assert ex01.to_string == "EX01" and ex01.get("name") == "EX01"

    version = ex01.get("AdminDisplayVersion")
    assert isinstance(version, PSObject) and version.is_type("Microsoft.Exchange.Data.ServerVersion")
    assert version.to_string == "Version 15.2 (Build 1544.4)"
    assert [version.get(k) for k in ("Major", "Minor", "Build", "Revision")] == [15, 2, 1544, 4]
    assert version.has("FilePatchLevelDescription") and version.get("FilePatchLevelDescription") is None
    assert isinstance(version.get("SerializationData"), OpaqueData)
    assert version.get("SerializationData") == OpaqueData("SerializationData")  # never read

    edition = ex01.get("Edition")
    assert edition.is_type("System.Enum") and edition.payload == 3 and edition.to_string == "Enterprise"
    assert ex02.get("Edition").payload == 2 and ex02.get("Edition").to_string == "StandardEvaluation"
    assert ex01.get("ServerRole").to_string == "Mailbox, ClientAccess" and ex01.get("ServerRole").payload == 6

    # A Ref inside the same object, and Refs from the second object into the first.
    assert ex01.get("Id") is ex01.get("Identity")
    assert ex02.get("Id") is ex02.get("Identity") and ex02.get("Id") is not ex01.get("Id")
    assert ex02.get("OrganizationId") is ex01.get("OrganizationId")
    assert ex02.get("Site") is ex01.get("Site")
    assert ex01.get("Site").to_string == "fabrikam.local/Configuration/Sites/Default-First-Site-Name"
    assert ex01.get("Site").get("ObjectGuid") == UUID("0f3c2a55-6a1e-4c1b-9d4e-2b8f6a7c9e01")

    # MultiValuedProperty: a PSObject with type names and a list payload, even when empty.
    dcs = ex01.get("StaticDomainControllers")
    assert dcs.type_startswith("Microsoft.Exchange.Data.MultiValuedProperty`1")
    assert dcs.payload == [] and dcs.properties == {}
    assert ex02.get("StaticDomainControllers").payload == ["DC01.fabrikam.local", "DC02.fabrikam.local"]
    addresses = ex01.get("NetworkAddress").payload
    assert [a.get("ProtocolType") for a in addresses] == ["ncacn_ip_tcp", "ncalrpc"]

    # Props first, then MS; remoting notes are ordinary properties.
    names = list(ex01.properties)
    assert names[0] == "Name" and names[-3:] == ["PSComputerName", "RunspaceId", "PSShowComputerName"]
    assert ex01.get("MitigationsAppliedTime") == datetime(2024, 3, 11, 9, 15, 2, 123456, tzinfo=UTC)
    assert ex01.get("WhenChanged") == datetime(2024, 3, 11, 10, 20, 30, tzinfo=timezone(timedelta(hours=1)))
    assert ex02.get("MitigationsAppliedTime") is None and ex02.has("MitigationsAppliedTime")


def test_lines_point_at_the_object_and_each_property() -> None:
    doc = read(fixture("ps51_exchangeserver_rich.xml"))
    text = decode(fixture("ps51_exchangeserver_rich.xml").read_bytes()).text
    lines = text.split("\r\n")
    ex01, ex02 = doc.objects
    assert lines[ex01.line - 1] == '  <Obj RefId="0">'
    assert lines[ex02.line - 1] == '  <Obj RefId="12">'
    for server in (ex01, ex02):
        for name in ("Fqdn", "Edition", "AdminDisplayVersion", "PSComputerName"):
            assert f'N="{name}"' in lines[server.line_of(name) - 1]
        # Every property, whatever its kind (S, B, I32, Obj, Ref, Nil, LST, ...), has its own line.
        assert len(server.properties) > 20
        for name in server.properties:
            assert f'N="{name}"' in lines[server.line_of(name) - 1], name
    assert (
        lines[ex01.get("AdminDisplayVersion").line_of("Build") - 1] == '          <I32 N="Build">1544</I32>'
    )


# -- Deserialized TransportConfig -------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ps7_transportconfig_deserialized.xml", "ps51_transportconfig_deserialized.xml"]
)
def test_transport_config_deserialized(name: str) -> None:
    (config,) = read(fixture(name)).objects
    # Type names exactly as written: the prefix is kept, never added a second time.
    assert config.type_names[0] == (
        "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer"
    )
    assert not any(t.startswith("Deserialized.Deserialized.") for t in config.type_names)
    assert config.deserialized and config.is_type("Microsoft.Exchange.Data.Directory.ADObject")
    # Present but null is not absent.
    assert config.has("AllowLegacyTLSClients") and config.get("AllowLegacyTLSClients") is None
    assert not config.has("NoSuchProperty")
    assert config.get("MaxSendSize") == "35 MB (36,700,160 bytes)"
    assert config.get("JournalingReportNdrTo") == "<>"
    assert config.get("ExternalDsnReportingAuthority") == ""
    assert config.get("InternalSMTPServers").payload == ["10.0.0.25", "10.0.0.26"]
    assert config.get("TLSReceiveDomainSecureList").type_names is config.get("InternalSMTPServers").type_names


# -- ExSetup FileVersionInfo -------------------------------------------------------------


def test_exsetup_tostring_disagrees_with_props() -> None:
    (info,) = read(fixture("ps51_exsetup_fileversioninfo.xml")).objects
    assert info.is_type("System.Diagnostics.FileVersionInfo")
    assert "FileVersion:      15.02.1544.004\r\n" in info.to_string  # what ToString claims
    assert info.get("FileVersion") == "15.02.1544.014"  # what the properties say
    assert info.get("ProductName") == "Microsoft® Exchange"
    assert info.get("LegalCopyright").startswith("© 2019")
    assert info.get("FileName") == "D:\\Exchange Server\\V15\\bin\\ExSetup.exe"
    assert info.get("FileVersionRaw") == Version((15, 2, 1544, 14))
    assert str(info.get("ProductVersionRaw")) == "15.2.1544.14"
    assert info.get("FileDescription") == ""


# -- Get-ItemProperty on a SCHANNEL key ---------------------------------------------------


def test_schannel_item_property() -> None:
    tls10, tls12 = read(fixture("ps7win_schannel_itemproperty.xml")).objects
    assert tls10.type_names == ("System.Management.Automation.PSCustomObject", "System.Object")
    assert tls10.to_string is None and tls10.payload is None
    assert tls10.get("Enabled") == 0 and tls10.get("DisabledByDefault") == 1
    assert tls12.get("Enabled") == -1  # dword:ffffffff as PowerShell shows it
    assert tls10.get("PSPath").endswith("\\Protocols\\TLS 1.0\\Server")
    assert tls10.get("PSChildName") == "Server"
    assert tls12.get("PSDrive") is tls10.get("PSDrive") and tls12.get("PSProvider") is tls10.get("PSProvider")
    drive = tls10.get("PSDrive")
    assert drive.to_string == "HKLM" and drive.get("Root") == "HKEY_LOCAL_MACHINE"
    # Depth-truncated members stay plain strings.
    assert drive.get("Credential") == "System.Management.Automation.PSCredential"


# -- #< CLIXML streams -------------------------------------------------------------------


def test_stream_stderr_progress_and_errors() -> None:
    doc = read(fixture("stream_stderr_progress_error.txt"))
    assert doc.format == "clixml-stream"
    assert doc.objects == []  # progress records are skipped, errors are not output
    assert doc.stream_errors == [
        "Get-ExchangeServer : The term 'Get-ExchangeServer' is not recognized as the name of a cmdlet, "
        "function, \r\n",
        "script file, or operable program.\r\n",
        "At line:1 char:1\r\n",
    ]
    assert doc.warnings == [
        "PowerShell warning stream: Exchange tools are not installed on this computer.\r\n"
    ]


def test_stream_stdout_output_objects() -> None:
    doc = read(fixture("stream_stdout_output.txt"))
    assert doc.format == "clixml-stream" and doc.stream_errors == []
    info, done = doc.objects
    assert info.get("FileVersionRaw") == Version((15, 1, 2507, 39)) and done == "done"
    assert info.line == 2  # the header is line 1


def test_stream_with_two_blocks_has_separate_ref_tables() -> None:
    block = '<Obj RefId="0"><TN RefId="0"><T>T{n}</T></TN><ToString>{n}</ToString></Obj><Ref RefId="0" />'
    text = f"#< CLIXML\r\n{NS}{block.format(n=1)}</Objs>\r\n#< CLIXML\r\n{NS}{block.format(n=2)}</Objs>\r\n"
    doc = read_bytes(text.encode())
    first, first_again, second, second_again = doc.objects
    assert first is first_again and second is second_again and first is not second
    assert (first.type_names, second.type_names) == (("T1",), ("T2",))
    assert second.line == 4


def test_preamble_lines_and_xml_declaration_keep_line_numbers() -> None:
    text = (
        'WARNING: something\r\n\r\n<?xml version="1.0" encoding="utf-16"?>\r\n'
        + NS
        + '\r\n  <S>x</S>\r\n  <Obj RefId="0" />\r\n</Objs>'
    )
    doc = read_bytes(text.encode("utf-8"))
    assert doc.objects[0] == "x" and doc.objects[1].line == 6


def test_cp1252_file_is_read_from_decoded_text() -> None:
    data = (NS + "<S>Microsoft® Exchange</S></Objs>").encode("cp1252")
    doc = read_bytes(data)
    assert doc.encoding == "cp1252" and doc.objects == ["Microsoft® Exchange"]


def test_namespace_prefix_and_no_namespace_read_alike() -> None:
    body = '<{p}Obj RefId="0"><{p}TN RefId="0"><{p}T>X</{p}T></{p}TN><{p}MS><{p}I32 N="n">5</{p}I32></{p}MS></{p}Obj>'
    plain = read_bytes(('<Objs Version="1.1.0.1">' + body.format(p="") + "</Objs>").encode()).objects[0]
    other = (
        '<ps:Objs Version="1.1.0.1" xmlns:ps="urn:other">' + body.format(p="ps:") + "</ps:Objs>"
    ).encode()
    prefixed = read_bytes(other).objects[0]
    assert plain.type_names == prefixed.type_names == ("X",)
    assert plain.properties == prefixed.properties == {"n": 5}


# -- escapes ---------------------------------------------------------------------------------


def test_escapes_fixture() -> None:
    (obj,) = read(fixture("ps7_escapes.xml")).objects
    expected = {
        "crlf": "line1\r\nline2",
        "tab": "a\tb",
        "emoji": "mail \U0001f4e7 here",
        "literal": "_x0041_ stays",
        "literalUpper": "pre_X20",
        "eight": "\U0001f600 smile",
        "upperX": "\n and \n",
        "notEscape": "_xtra_ _x12_ _x12345_ _xGGGG_",
        "lone": "half \ud800 only",
        "nul": "a\x00b",
        "padded": "  two spaces  ",
        "markup": "<I>CN=Fabrikam<S>CN=EX01 & more",
        "Name\tWith\nControls": "value",
        "my_xvalue": "underscore name",
        "empty": "",
        "selfClosing": "",
    }
    assert obj.properties == expected
    assert list(obj.properties) == list(expected)  # order as written
    assert obj.to_string == "@{crlf=line1\r\nline2}"


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("_x000D__x000A_", "\r\n"),
        ("_xD83D__xDCE7_", "\U0001f4e7"),
        ("_xd83d__xdce7_", "\U0001f4e7"),
        ("_XD83D__XDCE7_", "\U0001f4e7"),
        ("_x0001F4E7_", "\U0001f4e7"),
        ("_x005F_x0041_", "_x0041_"),
        ("_x005f_", "_"),
        ("_xDCE7__xD83D_", "\udce7\ud83d"),  # wrong order: two lone halves, kept
        ("_x0041", "_x0041"),
        ("_x00410_", "_x00410_"),
        ("__x0041__", "_A_"),
        ("_x00110000_", "_x00110000_"),  # beyond Unicode: kept as written
        ("no escapes", "no escapes"),
    ],
)
def test_decode_ps(raw: str, decoded: str) -> None:
    assert decode_ps(raw) == decoded


def test_escapes_apply_to_tostring_type_names_uri_xd_sbk_and_names() -> None:
    data = objs(
        '<Obj RefId="0"><TN RefId="0"><T>A_x005F_xB</T></TN><ToString>t_x0009_s</ToString>'
        '<MS><URI N="u_x0020_1">http://x/_x000A_</URI><XD N="x">&lt;a/&gt;_x0009_</XD>'
        '<SBK N="s">Get-Date_x000D__x000A_</SBK></MS></Obj>'
    )
    (obj,) = read_bytes(data).objects
    assert obj.type_names == ("A_xB",) and obj.to_string == "t\ts"
    assert obj.properties == {"u 1": "http://x/\n", "x": "<a/>\t", "s": ScriptBlock("Get-Date\r\n")}


# -- every primitive ----------------------------------------------------------------------


def test_every_primitive() -> None:
    values = read(fixture("ps51_primitives.xml")).objects
    scalars = values[:33]
    expected = [
        "plain string",
        True,
        False,
        255,
        -128,
        -32768,
        -2147483648,
        9223372036854775807,
        65535,
        4294967295,
        18446744073709551615,
        1.5,
        1.5e20,
        math.inf,
        -math.inf,
        "NaN",
        Decimal("1.10"),
        "A",
        datetime(2023, 1, 5, 12, 8, 37, 617768, tzinfo=UTC),
        datetime(2023, 1, 5, 12, 8, 37, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2023, 1, 5, 12, 8, 37),
        timedelta(hours=1, minutes=30, seconds=0.25),
        -timedelta(days=1, hours=2),
        timedelta(0),
        UUID("9e8d7c6b-5a49-4382-9100-aabbccddeeff"),
        "https://mail.fabrikam.com/owa/?a=1&b=2",
        Version((15, 2, 1544, 14)),
        Version((1, 0)),
        b"\x01\x02\x03\xff",
        SecureString(),
        ScriptBlock("Get-Process | Where-Object { $_.Id -gt 4 }\r\n"),
        '<root a="1">text</root>',
        None,
    ]
    got = ["NaN" if isinstance(v, float) and math.isnan(v) else v for v in scalars]
    assert got == expected
    assert [type(v) for v in scalars[1:3]] == [bool, bool] and isinstance(scalars[11], float)
    assert str(scalars[16]) == "1.10"  # Decimal keeps its scale
    assert scalars[20].tzinfo is None  # no suffix: unspecified, naive

    table, stack, queue, generic, enum, extended, queue_again, custom = values[33:]
    assert table.payload == {1: "one", "two": "second value first", "nested": table.payload["nested"]}
    assert table.payload["nested"].payload == [1, "two", None]
    assert table.payload["nested"].type_names[0] == "System.Object[]"
    assert (
        stack.payload == ["top", "bottom"] and queue.payload == [1, 2] and generic.payload == ["enumerated"]
    )
    assert enum.payload == 33 and enum.to_string == "ReadOnly, Archive" and enum.is_type("System.Enum")
    assert extended.payload == "noted" and extended.get("Note") == "an extended string"
    property_set = extended.get("DefaultDisplayPropertySet")
    assert isinstance(property_set, PSObject) and property_set.type_names == ()
    assert property_set.properties == {"First": "Name", "Second": "Value"}
    assert queue_again is queue and custom.get("Queue") is queue
    assert custom.get("Truncated") == "System.Collections.Hashtable"  # depth-truncated: a string


def test_primitives_agree_with_psrpcore() -> None:
    """psrpcore (an independent reader) gives the same scalars for the fixture."""
    from psrpcore.types import deserialize_clixml

    text = decode(fixture("ps51_primitives.xml").read_bytes()).text
    # Up to BA: psrpcore needs a session key for SS and knows no nested MS.
    no_cipher: Any = None  # only PSRP session values need one
    theirs = deserialize_clixml(text[: text.index("  <SS>")] + "</Objs>", no_cipher)
    ours = read(fixture("ps51_primitives.xml")).objects[: len(theirs)]
    assert len(theirs) == 29
    for mine, other in zip(ours, theirs, strict=True):
        if isinstance(mine, float) and math.isnan(mine):
            assert math.isnan(other)
        elif isinstance(mine, Version | str) and not isinstance(other, str):
            assert str(mine) == str(other)  # Version; C (a PSChar is an int that prints as text)
        else:
            assert mine == other, (mine, other)


@pytest.mark.parametrize(
    ("xml", "fragment", "line"),
    [
        ("<I32>12a</I32>", "is not a valid Int32", 1),
        ("\n<B>yes</B>", "is not a valid Boolean", 2),
        ("<DT>2023-01-05</DT>", "is not a valid DateTime", 1),
        ("<TS>P1Y</TS>", "is not a valid TimeSpan", 1),
        ("<TS>PT</TS>", "is not a valid TimeSpan", 1),
        ("<G>not-a-guid</G>", "is not a valid Guid", 1),
        ("<Version>1</Version>", "is not a valid Version", 1),
        ("<C>70000</C>", "is not a valid Char", 1),
        ("<D>1.2.3</D>", "is not a valid Decimal", 1),
        ("<BA>abc</BA>", "is not a valid base64 byte array", 1),
        ("<I64></I64>", "is not a valid Int64", 1),
    ],
)
def test_bad_primitive_values_name_the_line(xml: str, fragment: str, line: int) -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(objs(xml), "bad.xml")
    assert fragment in caught.value.reason
    assert caught.value.path == "bad.xml" and caught.value.line == line


def test_whitespace_is_never_trimmed() -> None:
    data = objs('\n  <S>   </S>\n  <S> a </S>\n  <Obj RefId="0"><MS><S N=" n ">\t</S></MS></Obj>')
    spaces, padded, obj = read_bytes(data).objects
    assert (spaces, padded) == ("   ", " a ")
    assert obj.properties == {" n ": "\t"}


def test_duplicate_property_names_later_wins() -> None:
    data = objs(
        '<Obj RefId="0"><Props><S N="Name">adapted</S></Props><MS><S N="Name">extended</S></MS></Obj>'
    )
    (obj,) = read_bytes(data).objects
    assert obj.properties == {"Name": "extended"}


def test_dictionary_keys_of_any_type_and_bare_list_keys() -> None:
    data = objs(
        '<Obj RefId="0"><DCT>'
        '<En><G N="Key">9e8d7c6b-5a49-4382-9100-aabbccddeeff</G><B N="Value">true</B></En>'
        '<En><Obj N="Key" RefId="1"><ToString>k</ToString></Obj><I32 N="Value">2</I32></En>'
        '<En><LST N="Key"><I32>1</I32><I32>2</I32></LST><S N="Value">bare list key</S></En>'
        "</DCT></Obj>"
    )
    (obj,) = read_bytes(data).objects
    keys = list(obj.payload)
    assert keys[0] == UUID("9e8d7c6b-5a49-4382-9100-aabbccddeeff") and obj.payload[keys[0]] is True
    assert isinstance(keys[1], PSObject) and keys[1].to_string == "k"
    assert keys[2] == (1, 2) and obj.payload[(1, 2)] == "bare list key"


def test_empty_document_and_empty_objects() -> None:
    assert read_bytes(objs("")).objects == []
    (obj,) = read_bytes(objs('<Obj RefId="0" />')).objects
    assert (obj.type_names, obj.properties, obj.to_string, obj.payload) == ((), {}, None, None)


# -- JSON contract --------------------------------------------------------------------------


def test_to_jsonable_contract() -> None:
    values = read(fixture("ps51_primitives.xml")).objects
    rendered = to_jsonable(values)
    json.dumps(rendered, allow_nan=False)  # strictly valid JSON
    assert rendered[13:16] == ["Infinity", "-Infinity", "NaN"]
    assert rendered[16] == "1.10" and rendered[24] == "9e8d7c6b-5a49-4382-9100-aabbccddeeff"
    assert rendered[18] == "2023-01-05T12:08:37.617768+00:00"
    assert rendered[21:24] == ["PT1H30M0.25S", "-P1DT2H", "PT0S"]
    assert rendered[26] == "15.2.1544.14" and rendered[28] == "AQID/w=="
    assert rendered[29] == {"secure_string": True}
    assert rendered[30] == {"script_block": {"length": len("Get-Process | Where-Object { $_.Id -gt 4 }\r\n")}}  # never the text
    table = rendered[33]
    assert table["type_names"] == ["System.Collections.Hashtable", "System.Object"]
    assert table["to_string"] is None and table["properties"] == {}
    assert table["entries"][0] == {"key": 1, "value": "one"}
    assert table["entries"][2]["value"]["items"] == [1, "two", None]
    assert rendered[37]["value"] == 33 and rendered[37]["to_string"] == "ReadOnly, Archive"
    assert rendered[34]["items"] == ["top", "bottom"]


def test_to_jsonable_keeps_secrets_out() -> None:
    data = objs('<Obj RefId="0"><MS><SS N="Password">01000000d08c9ddfcanary</SS></MS></Obj>')
    assert "canary" not in json.dumps(to_jsonable(read_bytes(data).objects))


def test_to_jsonable_opaque_data_is_a_marker() -> None:
    (server, _) = read(fixture("ps7_exchangeserver_rich.xml")).objects
    rendered = to_jsonable(server)
    assert rendered["properties"]["AdminDisplayVersion"]["properties"]["SerializationData"] == {
        "opaque": "SerializationData"
    }


def test_serialization_data_is_never_read_other_byte_arrays_are() -> None:
    """Its text is not taken out of the parser, so even a blob that is not base64 reads;
    any other <BA> is still decoded and still checked."""
    body = (
        '<Obj RefId="0"><MS><BA N="SerializationData">not base64 at all!</BA>'
        '<BA N="Thumbprint">AQID</BA></MS></Obj>'
    )
    (obj,) = read_bytes(objs(body)).objects
    assert obj.get("SerializationData") == OpaqueData("SerializationData")
    assert obj.get("Thumbprint") == b"\x01\x02\x03"
    with pytest.raises(ReadError, match="not a valid"):
        read_bytes(objs('<Obj RefId="0"><MS><BA N="Thumbprint">not base64!</BA></MS></Obj>'))


@pytest.mark.parametrize(
    "delta",
    [
        timedelta(0),
        timedelta(days=10675199, seconds=10085, microseconds=477580),
        -timedelta(microseconds=1),
        timedelta(hours=25),
        -timedelta(days=1, minutes=1, seconds=1.5),
    ],
)
def test_duration_text_round_trips(delta: timedelta) -> None:
    from exotls.readers._clixml_prims import parse_duration

    assert parse_duration(duration_text(delta)) == delta


def test_to_jsonable_registry_values() -> None:
    from exotls.readers.values import RegKey, RegValue

    key = RegKey(
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\X",
        {
            "Enabled": RegValue("Enabled", "REG_DWORD", 0xFFFFFFFF),
            "Blob": RegValue("Blob", "REG_BINARY", b"\x01\x02"),
            "Multi": RegValue("Multi", "REG_MULTI_SZ", ["a", "b"]),
        },
    )
    assert to_jsonable(key) == {
        "path": "HKEY_LOCAL_MACHINE\\SOFTWARE\\X",
        "values": {
            "Enabled": {"type": "REG_DWORD", "data": 4294967295},
            "Blob": {"type": "REG_BINARY", "data": "01,02"},
            "Multi": {"type": "REG_MULTI_SZ", "data": ["a", "b"]},
        },
    }


def test_progress_record_inside_an_object_is_mapped() -> None:
    data = objs(
        '<Obj RefId="0"><MS><PR N="Record"><AV>Reading</AV><AI>3</AI><S>EX01</S><PI>-1</PI><PC>50</PC>'
        "<T>Processing</T><SR>-1</SR><SD>1 of 2</SD></PR></MS></Obj>"
    )
    record = read_bytes(data).objects[0].get("Record")
    assert record.type_names[0] == "System.Management.Automation.ProgressRecord"
    assert record.properties == {
        "Activity": "Reading",
        "ActivityId": 3,
        "CurrentOperation": "EX01",
        "ParentActivityId": -1,
        "PercentComplete": 50,
        "RecordType": "Processing",
        "SecondsRemaining": -1,
        "StatusDescription": "1 of 2",
    }


def test_noncharacters_powershell_writes_raw_are_read(tmp_path: Path) -> None:
    # U+FFFE/U+FFFF are not escaped by PowerShell, but XML forbids them.
    text = NS + '\n<S>a\ufffeb</S>\n<Obj RefId="0"><MS><S N="n\uffff">\uffff</S></MS></Obj>\n</Objs>'
    for data in (text.encode("utf-8"), b"\xff\xfe" + text.encode("utf-16-le")):
        value, obj = read_bytes(data).objects
        assert value == "a\ufffeb" and obj.properties == {"n\uffff": "\uffff"} and obj.line == 3
        path = tmp_path / "nonchar.xml"
        path.write_bytes(data)
        assert [v if isinstance(v, str) else v.properties for v in read(path, stream=True).objects] == [
            "a\ufffeb",
            {"n\uffff": "\uffff"},
        ]
