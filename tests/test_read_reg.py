"""The .reg reader: reg.exe exports, REGEDIT4, hand-written files and change scripts.

Fixtures in tests/fixtures/reg/ are byte-exact reg.exe layouts (UTF-16LE with BOM, CRLF,
a blank line before each key, an extra empty line at the end, hex data broken after the
comma that brings a line to 77 characters, continuation lines indented by two spaces).
``write_reg`` below is a small reg.exe-layout writer used for the round-trip property
test; the fixture tests also check that re-writing what was read reproduces each export
byte for byte, which pins both the fixtures' layout and the reader's fidelity.
"""

from __future__ import annotations

import codecs
import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exotls.errors import ExotlsError, ReadError, UnsupportedFormatError
from exotls.readers import RegKey, RegValue, read, read_bytes
from exotls.readers.regfile import CHANGE_SCRIPT_WARNING

FIXTURES = Path(__file__).parent / "fixtures" / "reg"
HOSTILE = Path(__file__).parent / "fixtures" / "hostile" / "reg"

HEADER_5 = "Windows Registry Editor Version 5.00"
SCHANNEL = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
PROTOCOLS = SCHANNEL + r"\Protocols"
NET = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework"
WOW_NET = r"HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\.NETFramework"
SUITES = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002"


# -- a reg.exe-layout writer (test only) ------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


_HEX_PREFIX = {
    "REG_BINARY": "hex:",
    "REG_NONE": "hex(0):",
    "REG_EXPAND_SZ": "hex(2):",
    "REG_MULTI_SZ": "hex(7):",
}


def _hex_lines(head: str, raw: bytes) -> str:
    """reg.exe's layout: after each ``xx,`` break once the line holds 77 characters."""
    out = [head]
    length = len(head)
    for index, byte in enumerate(raw):
        out.append(f"{byte:02x}")
        if index == len(raw) - 1:
            break
        out.append(",")
        length += 3
        if length >= 77:
            out.append("\\\r\n  ")
            length = 2
    return "".join(out)


def _value_line(value: RegValue, charset: str) -> str:
    name = "@=" if value.name == "" else f'"{_escape(value.name)}"='
    data = value.data
    if value.type == "REG_SZ":
        assert isinstance(data, str)
        return f'{name}"{_escape(data)}"'
    if value.type == "REG_DWORD":
        assert isinstance(data, int)
        return f"{name}dword:{data:08x}"
    if value.type == "REG_QWORD":
        assert isinstance(data, int)
        return _hex_lines(name + "hex(b):", data.to_bytes(8, "little"))
    if value.type == "REG_EXPAND_SZ":
        assert isinstance(data, str)
        return _hex_lines(name + "hex(2):", (data + "\0").encode(charset))
    if value.type == "REG_MULTI_SZ":
        assert isinstance(data, list)
        return _hex_lines(
            name + "hex(7):", "".join(item + "\0" for item in data).encode(charset) + "\0".encode(charset)
        )
    assert isinstance(data, bytes)
    prefix = _HEX_PREFIX.get(value.type) or value.type + ":"
    return _hex_lines(name + prefix, data)


def write_reg(keys: list[RegKey], *, regedit4: bool = False) -> bytes:
    """Bytes as reg.exe (5.00, UTF-16LE) or regedit's REGEDIT4 (cp1252) would write them."""
    charset = "cp1252" if regedit4 else "utf-16-le"
    parts = ["REGEDIT4" if regedit4 else HEADER_5, "\r\n"]
    for key in keys:
        parts.append(f"\r\n[{key.path}]\r\n")
        parts.extend(_value_line(value, charset) + "\r\n" for value in key.values.values())
    parts.append("\r\n")
    text = "".join(parts)
    return text.encode("cp1252") if regedit4 else codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def _key(path: str, *values: RegValue) -> RegKey:
    return RegKey(path=path, values={v.name: v for v in values})


def _dword(name: str, data: int) -> RegValue:
    return RegValue(name, "REG_DWORD", data)


def _shape(keys: list[RegKey]) -> list[tuple[str, bool, list[tuple[str, str, object, bool]]]]:
    """Keys without line numbers, for equality."""
    return [
        (k.path, k.deleted, [(v.name, v.type, v.data, v.deleted) for v in k.values.values()]) for k in keys
    ]


def _values(doc_keys: list[RegKey], path: str) -> dict[str, RegValue]:
    matches = [k for k in doc_keys if k.path == path]
    assert len(matches) == 1, path
    return matches[0].values


# -- fixtures: real layouts ------------------------------------------------------------


def test_schannel_protocols_export_reads_every_key_in_order() -> None:
    doc = read(FIXTURES / "schannel_protocols.reg")
    assert (doc.format, doc.encoding, doc.newline, doc.change_script) == (
        "reg",
        "utf-16-le-bom",
        "crlf",
        False,
    )
    assert doc.warnings == []
    paths = [k.path for k in doc.objects]
    assert paths[0] == PROTOCOLS
    assert paths[1:4] == [PROTOCOLS + r"\SSL 2.0", PROTOCOLS + r"\SSL 2.0\Client", PROTOCOLS + r"\SSL 3.0"]
    for version in ("TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"):
        for side in ("Client", "Server"):
            assert f"{PROTOCOLS}\\{version}\\{side}" in paths
    assert doc.objects[0].values == {}  # keys without values still appear
    ssl2 = _values(doc.objects, PROTOCOLS + r"\SSL 2.0\Client")
    assert list(ssl2) == ["DisabledByDefault", "Enabled"]  # stored order, not sorted
    tls10 = _values(doc.objects, PROTOCOLS + r"\TLS 1.0\Server")
    assert (tls10["Enabled"].type, tls10["Enabled"].data) == ("REG_DWORD", 0)
    assert tls10["DisabledByDefault"].data == 1
    tls12 = _values(doc.objects, PROTOCOLS + r"\TLS 1.2\Server")
    assert tls12["Enabled"].data == 0xFFFFFFFF  # unsigned, as IIS Crypto writes it


def test_line_numbers_point_at_the_key_and_value_lines() -> None:
    data = (FIXTURES / "schannel_protocols.reg").read_bytes()
    lines = data[2:].decode("utf-16-le").split("\r\n")
    doc = read_bytes(data)
    for key in doc.objects:
        assert key.line is not None and lines[key.line - 1] == f"[{key.path}]"
        for value in key.values.values():
            assert value.line is not None and lines[value.line - 1].startswith(f'"{value.name}"=')


def test_dotnet_export_keeps_odd_key_names_and_both_versions() -> None:
    doc = read(FIXTURES / "dotnet_framework.reg")
    paths = [k.path for k in doc.objects]
    assert NET + r"\v4.0.30319\SKUs\.NETFramework,Version=v4.8" in paths
    assert NET + r"\v4.0.30319\SKUs\.NETFramework,Version=v4.0,Profile=Client" in paths
    for version in ("v2.0.50727", "v4.0.30319"):
        values = _values(doc.objects, NET + "\\" + version)
        assert values["SystemDefaultTlsVersions"].data == 1
        assert values["SchUseStrongCrypto"].data == 1
    root = _values(doc.objects, NET)
    assert root["InstallRoot"].data == "C:\\Windows\\Microsoft.NET\\Framework64\\"
    # A value whose data is an empty string, and the key's default value.
    assert _values(doc.objects, NET + r"\v4.0.30319\SKUs\.NETFramework,Version=v4.8")[""].data == ""


def test_wow6432node_export() -> None:
    doc = read(FIXTURES / "dotnet_wow6432node.reg")
    values = _values(doc.objects, WOW_NET + r"\v4.0.30319")
    assert values["SchUseStrongCrypto"].data == 1
    assert "SystemDefaultTlsVersions" not in values  # absent stays absent
    assert values["InstallPath"].data == "C:\\Windows\\Microsoft.NET\\Framework\\v4.0.30319\\"


def test_cipher_suite_order_multi_string_spans_continuation_lines() -> None:
    doc = read(FIXTURES / "cipher_suite_order.reg")
    text = (FIXTURES / "cipher_suite_order.reg").read_bytes()[2:].decode("utf-16-le")
    assert "\\\r\n  " in text  # the fixture really has reg.exe continuation lines
    functions = _values(doc.objects, SUITES)["Functions"]
    assert functions.type == "REG_MULTI_SZ"
    assert functions.data == [
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    ]
    assert functions.line is not None
    assert text.split("\r\n")[functions.line - 1].startswith('"Functions"=hex(7):54,00,4c,00,')


def test_schannel_full_export_with_slash_in_key_names() -> None:
    doc = read(FIXTURES / "schannel_full.reg")
    rc4 = _values(doc.objects, SCHANNEL + r"\Ciphers\RC4 128/128")
    assert rc4["Enabled"].data == 0
    assert _values(doc.objects, SCHANNEL)["EventLogging"].data == 1
    dh = _values(doc.objects, SCHANNEL + r"\KeyExchangeAlgorithms\Diffie-Hellman")
    assert dh["ServerMinKeyBitLength"].data == 2048


def test_qword_binary_and_expand_string() -> None:
    doc = read(FIXTURES / "os_currentversion.reg")
    values = _values(doc.objects, r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion")
    assert (values["InstallTime"].type, values["InstallTime"].data) == ("REG_QWORD", 133354425861234567)
    assert values["PathName"].type == "REG_EXPAND_SZ"
    assert values["PathName"].data == "%SystemRoot%"
    binary = values["DigitalProductId"]
    assert binary.type == "REG_BINARY" and isinstance(binary.data, bytes) and len(binary.data) == 164
    assert binary.data[:4] == bytes.fromhex("a4000000")
    assert values["ProductName"].data == "Windows Server 2019 Datacenter"


@pytest.mark.parametrize(
    ("name", "regedit4"),
    [
        ("schannel_protocols.reg", False),
        ("dotnet_framework.reg", False),
        ("dotnet_wow6432node.reg", False),
        ("cipher_suite_order.reg", False),
        ("schannel_full.reg", False),
        ("os_currentversion.reg", False),
        ("regedit4_ansi.reg", True),
    ],
)
def test_rewriting_an_export_reproduces_it_byte_for_byte(name: str, regedit4: bool) -> None:
    data = (FIXTURES / name).read_bytes()
    assert write_reg(read_bytes(data).objects, regedit4=regedit4) == data


def test_regedit4_ansi_file() -> None:
    data = (FIXTURES / "regedit4_ansi.reg").read_bytes()
    assert b"\xae" in data and not data.startswith(codecs.BOM_UTF16_LE)
    doc = read_bytes(data)
    assert doc.encoding == "cp1252"
    values = _values(doc.objects, r"HKEY_LOCAL_MACHINE\SOFTWARE\Contoso\Agent")
    assert values["Product"].data == "Contoso® Agent"
    assert values["Path"].data == "%ProgramFiles%\\Contoso"  # hex(2) bytes are ANSI here
    assert values["Protocols"].data == ["Tls12", "Tls13"]


def test_handwritten_utf8_file_with_spaces_and_comments() -> None:
    doc = read(FIXTURES / "handwritten_utf8.reg")
    assert (doc.encoding, doc.newline) == ("utf-8", "crlf")
    server = _values(doc.objects, PROTOCOLS + r"\TLS 1.0\Server")
    assert server["Enabled"].data == 0
    assert server["DisabledByDefault"].data == 1
    client = _values(doc.objects, PROTOCOLS + r"\TLS 1.0\Client")
    assert client["Enabled"].data == 0  # short root HKLM normalised
    net = _values(doc.objects, NET + r"\v4.0.30319")
    assert net["SchUseStrongCrypto"].data == 1
    bits = _values(doc.objects, r"HKEY_LOCAL_MACHINE\SOFTWARE\Contoso")["Blob"]
    assert bits.data == bytes([1, 2, 3, 0xAB])
    assert doc.change_script is False


def test_change_script_is_flagged_and_still_read() -> None:
    doc = read(FIXTURES / "change_script.reg")
    assert doc.change_script is True
    assert CHANGE_SCRIPT_WARNING in doc.warnings
    deleted = [k for k in doc.objects if k.deleted]
    assert [k.path for k in deleted] == [PROTOCOLS + r"\SSL 3.0"]
    values = _values([k for k in doc.objects if not k.deleted], PROTOCOLS + r"\TLS 1.1\Server")
    assert values["Obsolete"].deleted is True and values["Obsolete"].data is None
    assert values["Enabled"].data == 0


# -- small inline cases ----------------------------------------------------------------


def _reg(body: str, *, header: str = HEADER_5) -> bytes:
    return (header + "\r\n\r\n" + body).encode("utf-8")


def test_only_the_final_bracket_closes_a_key_line() -> None:
    doc = read_bytes(_reg('[HKEY_CURRENT_USER\\Software\\a]b [x]\r\n"v"="1"\r\n'))
    assert doc.objects[0].path == "HKEY_CURRENT_USER\\Software\\a]b [x"


@pytest.mark.parametrize(
    ("root", "full"),
    [
        ("HKLM", "HKEY_LOCAL_MACHINE"),
        ("hkcu", "HKEY_CURRENT_USER"),
        ("HKCR", "HKEY_CLASSES_ROOT"),
        ("HKU", "HKEY_USERS"),
    ],
)
def test_short_roots_are_spelled_out(root: str, full: str) -> None:
    doc = read_bytes(_reg(f"[{root}\\Software]\r\n"))
    assert doc.objects[0].path == full + "\\Software"


def test_escapes_in_names_and_strings() -> None:
    doc = read_bytes(_reg('[HKLM\\a]\r\n"q\\"x\\\\"="C:\\\\dir\\\\ \\"quoted\\" \\n"\r\n'))
    value = doc.objects[0].values['q"x\\']
    assert value.data == 'C:\\dir\\ "quoted" \\n'  # unknown escapes stay as written


def test_duplicate_key_sections_are_merged_and_repeated_values_keep_the_last() -> None:
    body = '[HKLM\\a]\r\n"x"=dword:1\r\n\r\n[HKLM\\b]\r\n\r\n[hklm\\A]\r\n"X"=dword:2\r\n"y"=dword:3\r\n'
    doc = read_bytes(_reg(body))
    assert [k.path for k in doc.objects] == ["HKEY_LOCAL_MACHINE\\a", "HKEY_LOCAL_MACHINE\\b"]
    values = doc.objects[0].values
    assert list(values) == ["X", "y"] and values["X"].data == 2 and values["X"].line == 9
    assert any("written twice" in w for w in doc.warnings)


def test_comment_after_data_and_short_dword() -> None:
    doc = read_bytes(_reg('[HKLM\\a]\r\n"x"=dword:1 ; on\r\n"s"="a;b" ; note\r\n"h"=hex:01,02 ;bytes\r\n'))
    values = doc.objects[0].values
    assert (values["x"].data, values["s"].data, values["h"].data) == (1, "a;b", b"\x01\x02")


def test_odd_hex_types_keep_their_bytes() -> None:
    body = '[HKLM\\a]\r\n"q"=hex(b):01,02\r\n"r"=hex(a):00,ff\r\n"m"=hex(7):41,00,42\r\n"e"=hex(2):\r\n'
    doc = read_bytes(_reg(body))
    values = doc.objects[0].values
    assert (values["q"].type, values["q"].data) == ("hex(b)", b"\x01\x02")
    assert (values["r"].type, values["r"].data) == ("hex(a)", b"\x00\xff")
    assert (values["m"].type, values["m"].data) == ("hex(7)", b"\x41\x00\x42")
    assert (values["e"].type, values["e"].data) == ("REG_EXPAND_SZ", "")
    assert sum("do not fit" in w for w in doc.warnings) == 2


def test_empty_multi_string_and_lf_file() -> None:
    doc = read_bytes(b'Windows Registry Editor Version 5.00\n\n[HKLM\\a]\n"m"=hex(7):00,00\n')
    assert doc.newline == "lf"
    assert doc.objects[0].values["m"].data == []


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ('[HKLM\\a]\r\n"x"=dword:xyz\r\n', 4, "invalid DWORD"),
        ('[HKLM\\a]\r\n"x"=dword:123456789\r\n', 4, "invalid DWORD"),
        ('[HKLM\\a]\r\n"x"=dword:\r\n', 4, "invalid DWORD"),
        ('[HKLM\\a]\r\n"x"=hex:01,zz\r\n', 4, "invalid byte"),
        ('[HKLM\\a]\r\n"x"=hex:01,,02\r\n', 4, "invalid byte"),
        ('[HKLM\\a]\r\n"x"=hex:01,\\\r\n  02,1ff\r\n', 5, "invalid byte"),
        ('[HKLM\\a]\r\n"x"=hex:01,\\\r\n\r\n', 5, "continuation"),
        ('[HKLM\\a]\r\n"x"=hex:01,\\', 4, "file ends"),
        ('"x"=dword:1\r\n', 3, "before any [key]"),
        ('[HKLM\\a]\r\n"x"=qword:1\r\n', 4, "unknown value type"),
        ('[HKLM\\a]\r\n"x"=\r\n', 4, "no data"),
        ('[HKLM\\a]\r\n"x"="open\r\n', 4, "closing double quote"),
        ('[HKLM\\a]\r\n"x=dword:1\r\n', 4, "closing double quote"),
        ('[HKLM\\a]\r\n"x" dword:1\r\n', 4, "'='"),
        ('[HKLM\\a]\r\n"x"="a" b\r\n', 4, "unexpected text"),
        ("[HKLM\\a\r\n", 3, "must end with ']'"),
        ("[HKEY_NOWHERE\\a]\r\n", 3, "unknown registry root"),
        ("[HKLM\\a]\r\nEnabled=1\r\n", 4, "not a key, value or comment"),
    ],
)
def test_malformed_lines_are_errors_with_their_line(body: str, line: int, words: str) -> None:
    with pytest.raises(ReadError) as caught:
        read_bytes(_reg(body), "bad.reg")
    assert caught.value.line == line
    assert words in caught.value.reason
    assert str(caught.value).startswith(f"bad.reg:{line}: ")


def test_missing_header_is_unsupported() -> None:
    # Keys without the header: a damaged export (an error to fix), not a file of another kind.
    with pytest.raises(ReadError, match="header") as caught:
        read_bytes(b'[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n"x"=dword:1\r\n')
    assert not isinstance(caught.value, UnsupportedFormatError)
    from exotls.readers.encoding import decode
    from exotls.readers.regfile import read_reg

    with pytest.raises(UnsupportedFormatError):
        read_reg(decode(b"Windows Registry Editor Version 4.00\r\n"), "x.reg")


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.glob("*.reg")))
def test_hostile_reg_files_fail_cleanly(name: str) -> None:
    expected = (HOSTILE / "EXPECTED.txt").read_text(encoding="utf-8").splitlines()
    line = next(int(row.split()[1]) for row in expected if row.split()[0] == name)
    with pytest.raises(ReadError) as caught:
        read(HOSTILE / name)
    assert caught.value.line == line
    assert caught.value.path == str(HOSTILE / name)


# -- properties ------------------------------------------------------------------------

_NAME = st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=12)
_PATH_PART = st.text(st.characters(codec="utf-8", exclude_characters="\\\r\n\x00"), min_size=1, max_size=10)
_ITEM = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=15)
_VALUE = st.one_of(
    st.builds(RegValue, _NAME, st.just("REG_SZ"), _NAME),
    st.builds(RegValue, _NAME, st.just("REG_DWORD"), st.integers(0, 2**32 - 1)),
    st.builds(RegValue, _NAME, st.just("REG_QWORD"), st.integers(0, 2**64 - 1)),
    st.builds(RegValue, _NAME, st.just("REG_EXPAND_SZ"), _NAME.map(lambda s: s.replace("\0", ""))),
    st.builds(RegValue, _NAME, st.just("REG_MULTI_SZ"), st.lists(_ITEM, max_size=6)),
    st.builds(RegValue, _NAME, st.just("REG_BINARY"), st.binary(max_size=120)),
    st.builds(RegValue, _NAME, st.just("REG_NONE"), st.binary(max_size=8)),
)


@st.composite
def _keys(draw: st.DrawFn) -> list[RegKey]:
    keys: list[RegKey] = []
    seen: set[str] = set()
    for _ in range(draw(st.integers(1, 5))):
        root = draw(st.sampled_from(["HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_USERS"]))
        parts = draw(st.lists(_PATH_PART, min_size=1, max_size=4))
        path = "\\".join([root, *parts])
        if path.casefold() in seen:
            continue
        seen.add(path.casefold())
        values: dict[str, RegValue] = {}
        folded: set[str] = set()
        for value in draw(st.lists(_VALUE, max_size=6)):
            if value.name.casefold() not in folded:
                folded.add(value.name.casefold())
                values[value.name] = value
        keys.append(RegKey(path=path, values=values))
    return keys


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_keys())
def test_round_trip_through_the_reg_exe_layout(keys: list[RegKey]) -> None:
    data = write_reg(keys)
    doc = read_bytes(data, "round.reg")
    assert _shape(doc.objects) == _shape(keys)
    assert doc.warnings == []
    assert write_reg(doc.objects) == data


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_exports_only_raise_exotls_errors(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.reg"))))
    raw = bytearray((FIXTURES / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "delete", "insert"]))
        if action == "flip":
            raw[position] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del raw[position]
        else:
            raw.insert(position, data.draw(st.sampled_from([0x5C, 0x22, 0x2C, 0x3D, 0x5B, 0x5D, 0x0A, 0x00])))
    with contextlib.suppress(ExotlsError):
        read_bytes(bytes(raw), name)
