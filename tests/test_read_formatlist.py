"""The Format-List reader: Out-File output, console pastes, wrapped values, ANSI labels.

``write_fl`` below re-implements, for ASCII text, what PowerShell's ListWriter and
StringManipulationHelper.GenerateLines do: labels padded to the longest name plus
`` : ``, values wrapped at (width - L) with continuation lines indented by L spaces;
in en/fr/de/it/pt/es cultures words break after their space and only words wider than
the field are cut, elsewhere the value is cut at the field width. The fixtures in
tests/fixtures/formatlist/ are what it writes (framing: an empty line first, an empty
line after each object, one more at the end); the tests re-write what was read and
compare bytes, and a property test round-trips random records at random widths.
"""

from __future__ import annotations

import codecs
import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exotls.errors import ExotlsError, UnsupportedFormatError
from exotls.readers import PSObject, read, read_bytes
from exotls.readers.formatlist import split_fl_list

FIXTURES = Path(__file__).parent / "fixtures" / "formatlist"
HOSTILE = Path(__file__).parent / "fixtures" / "hostile" / "text"

ACCENT = "\x1b[32;1m"
RESET = "\x1b[0m"


# -- a Format-List writer (test only) --------------------------------------------------


def generate_lines(value: str, width: int, *, word_wrap: bool) -> list[str]:
    """GenerateLinesWithWordWrap / WithoutWordWrap for single-cell characters."""
    if len(value) <= width:
        return [value]
    if not word_wrap:
        return [value[i : i + width] for i in range(0, len(value), width)]
    words = value.split(" ")
    words = [word + " " for word in words[:-1]] + [words[-1]]
    out: list[str] = []
    line = ""
    left = width
    for word in words:
        if len(word) > width:  # a word wider than the field is cut where the line ends
            for char in word:
                if left < 1:
                    out.append(line)
                    line, left = char, width - 1
                else:
                    line, left = line + char, left - 1
        elif len(word) > left:
            out.append(line)
            line, left = word, width - len(word)
        else:
            line, left = line + word, left - len(word)
    out.append(line)
    return out


def write_fl(
    records: list[list[tuple[str, str]]],
    width: int,
    *,
    word_wrap: bool = True,
    ansi: bool = False,
    newline: str = "\r\n",
) -> str:
    lines = [""]
    for record in records:
        label = max(len(name) for name, _ in record) + 3
        for name, value in record:
            pieces = generate_lines(value, width - label, word_wrap=word_wrap)
            head = name.ljust(label - 3) + " : "
            lines.append((ACCENT + head + RESET if ansi else head) + pieces[0])
            lines.extend(" " * label + piece for piece in pieces[1:])
        lines.append("")
    lines.append("")
    return newline.join(lines) + newline


def _records(objects: list[PSObject]) -> list[list[tuple[str, str]]]:
    return [list(obj.properties.items()) for obj in objects]


# (file, encoding prefix, codec, width, word_wrap, ansi, newline)
LAYOUTS = [
    ("transportconfig_onprem_w120.txt", codecs.BOM_UTF16_LE, "utf-16-le", 120, True, False, "\r\n"),
    ("transportconfig_onprem_ru_w120.txt", codecs.BOM_UTF16_LE, "utf-16-le", 120, False, False, "\r\n"),
    ("exchangeserver_w80.txt", codecs.BOM_UTF16_LE, "utf-16-le", 80, True, False, "\r\n"),
    ("exchangeserver_w250.txt", codecs.BOM_UTF8, "utf-8", 250, True, False, "\r\n"),
    ("tls12_getitemproperty_ps7_ansi.txt", b"", "utf-8", 120, True, True, "\n"),
]


@pytest.mark.parametrize(("name", "bom", "codec", "width", "word_wrap", "ansi", "newline"), LAYOUTS)
def test_rewriting_a_fixture_reproduces_it(
    name: str, bom: bytes, codec: str, width: int, word_wrap: bool, ansi: bool, newline: str
) -> None:
    data = (FIXTURES / name).read_bytes()
    doc = read_bytes(data, name)
    text = write_fl(_records(doc.objects), width, word_wrap=word_wrap, ansi=ansi, newline=newline)
    assert bom + text.encode(codec) == data
    assert doc.warnings == []


# -- fixtures --------------------------------------------------------------------------

TC_DN = (
    "CN=Transport Settings,CN=Contoso Corporation,CN=Microsoft Exchange,CN=Services,"
    "CN=Configuration,DC=corp,DC=contoso,DC=com"
)


def test_transport_config_width_120_out_file() -> None:
    data = (FIXTURES / "transportconfig_onprem_w120.txt").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE)
    doc = read_bytes(data)
    assert (doc.format, doc.encoding, doc.newline) == ("format-list", "utf-16-le-bom", "crlf")
    assert len(doc.objects) == 1
    tc = doc.objects[0]
    assert tc.type_names == ()
    lines = data[2:].decode("utf-16-le").split("\r\n")
    label = lines[tc.line - 1].index(" : ") + 3
    assert label == 62  # RedirectUnprovisionedUserMessagesForLegacyArchiveJournaling + 3
    assert tc.get("DistinguishedName") == TC_DN
    assert sum(1 for line in lines if line.startswith(" " * 62) and line.strip()) >= 4  # values did wrap
    assert tc.get("ObjectCategory") == "corp.contoso.com/Configuration/Schema/ms-Exch-Transport-Settings"
    assert tc.get("ExternalPostmasterAddress") == ""  # null or empty: Format-List cannot tell
    assert tc.get("MaxSendSize") == "10 MB (10,485,760 bytes)"
    assert tc.get("ShadowRedundancyEnabled") == "True"  # values stay text
    assert not tc.has("AllowLegacyTLSClients")  # on-premises objects lack it
    assert split_fl_list(tc.get("TLSSendDomainSecureList")) == (
        ["fabrikam.com", "tailspintoys.com", "wingtiptoys.com", "adventure-works.com"],
        True,
    )
    for name in ("RunspaceId", "DistinguishedName", "ObjectState"):
        assert lines[tc.line_of(name) - 1].startswith(name + " ")


def test_cut_values_whose_continuation_starts_with_a_space() -> None:
    data = (FIXTURES / "transportconfig_onprem_ru_w120.txt").read_bytes()
    lines = data[2:].decode("utf-16-le").split("\r\n")
    assert any(line.startswith(" " * 63) and line[63] != " " for line in lines)  # L + 1 spaces
    tc = read_bytes(data).objects[0]
    assert tc.get("DistinguishedName") == (
        "CN=Transport Settings,CN=Contoso Rus Holdings,CN=Microsoft Exchange,CN=Services,"
        "CN=Configuration,DC=corp,DC=contoso,DC=ru"
    )
    assert tc.get("WhenChanged") == "11.03.2024 9:42:17"


def test_exchange_server_width_80_and_250_read_the_same() -> None:
    narrow = read(FIXTURES / "exchangeserver_w80.txt")
    wide = read(FIXTURES / "exchangeserver_w250.txt")
    assert wide.encoding == "utf-8-bom" and narrow.encoding == "utf-16-le-bom"
    assert [o.properties for o in narrow.objects] == [o.properties for o in wide.objects]
    assert [o.get("Name") for o in narrow.objects] == ["EX01", "EX02"]
    ex1 = narrow.objects[0]
    assert ex1.get("AdminDisplayVersion") == "Version 15.2 (Build 1544.14)"
    assert split_fl_list(ex1.get("NetworkAddress")) == (
        ["ncacn_vns_spp:EX01", "netbios:EX01", "ncacn_np:EX01", "ncacn_spx:EX01"],
        True,
    )
    assert split_fl_list(ex1.get("ServerRole")) == (["Mailbox"], False)
    assert split_fl_list(ex1.get("CurrentDomainControllers")) == ([], False)
    # Each object's line is its first property; the second object starts after a blank line.
    assert narrow.objects[1].line is not None and narrow.objects[0].line is not None
    assert narrow.objects[1].line > narrow.objects[0].line + len(ex1.properties)


def test_ansi_labels_from_powershell_7() -> None:
    data = (FIXTURES / "tls12_getitemproperty_ps7_ansi.txt").read_bytes()
    assert b"\x1b[32;1m" in data
    doc = read_bytes(data)
    assert doc.newline == "lf" and len(doc.objects) == 1
    item = doc.objects[0]
    assert list(item.properties)[:2] == ["Enabled", "DisabledByDefault"]
    assert item.get("Enabled") == "-1"
    assert item.get("PSPath") == (
        "Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\"
        "SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server"
    )


def test_console_copy_with_trimmed_spaces_and_a_prompt() -> None:
    doc = read(FIXTURES / "transportconfig_exo_console_trimmed.txt")
    assert len(doc.objects) == 1
    tc = doc.objects[0]
    assert tc.has("AllowLegacyTLSClients") and tc.get("AllowLegacyTLSClients") == ""
    assert tc.get("SmtpClientAuthenticationDisabled") == "True"
    assert tc.get("DistinguishedName") == (
        "CN=Transport Settings,CN=Configuration,CN=contoso.onmicrosoft.com,CN=ConfigurationUnits,"
        "DC=NAMPR01A001,DC=prod,DC=outlook,DC=com"
    )
    assert tc.get("OrganizationId") == (
        "NAMPR01A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com - "
        "NAMPR01A001.prod.outlook.com/ConfigurationUnits/contoso.onmicrosoft.com/Configuration"
    )
    items, truncated = split_fl_list(tc.get("TLSReceiveDomainSecureList"))
    assert truncated and items == [
        "fabrikam.com",
        "tailspintoys.com",
        "wingtiptoys.com",
        "adventure-works.com",
    ]
    assert any("best-effort" in w for w in doc.warnings)


# -- inline cases ----------------------------------------------------------------------


def _fl(text: str) -> list[PSObject]:
    return read_bytes(text.encode("utf-8")).objects


def test_records_split_on_blank_lines_and_lines_are_tracked() -> None:
    objs = _fl("\nName  : a\nValue : 1\n\nName  : b\nValue : \n\n\n")
    assert [o.properties for o in objs] == [{"Name": "a", "Value": "1"}, {"Name": "b", "Value": ""}]
    assert (objs[1].line, objs[1].line_of("Value")) == (5, 6)


def test_each_record_has_its_own_label_width() -> None:
    objs = _fl("A : 1\nB : x : y\n\nLonger : 2\nC      : {a, b}\n")
    assert objs[0].properties == {"A": "1", "B": "x : y"}
    assert objs[1].properties == {"Longer": "2", "C": "{a, b}"}


def test_repeated_name_without_blank_line_starts_a_new_object() -> None:
    doc = read_bytes(b"Name : a\nName : b\n")
    assert [o.get("Name") for o in doc.objects] == ["a", "b"]
    assert any("repeats" in w for w in doc.warnings)


def test_warning_lines_are_skipped_and_kept() -> None:
    doc = read_bytes(
        b"WARNING: The command completed successfully but no settings were modified.\nName : a\n"
    )
    assert doc.objects[0].properties == {"Name": "a"}
    assert any("no settings were modified" in w for w in doc.warnings)


def test_misaligned_continuations_are_read_with_a_warning() -> None:
    doc = read_bytes(b"Name  : abc\n  def\n")
    assert doc.objects[0].get("Name") == "abcdef"
    assert any("not indented" in w for w in doc.warnings)


def test_cp1252_console_paste() -> None:
    doc = read_bytes("ProductName : Microsoft® Exchange\r\n".encode("cp1252"))
    assert doc.encoding == "cp1252" and doc.objects[0].get("ProductName") == "Microsoft® Exchange"
    assert any("cp1252" in w for w in doc.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "Name   Value\n----   -----\nA      1\n",  # Format-Table
        "Name : a\nthis is not a property line\n",
        "PS C:\\> Get-TransportConfig | fl\n\nsome text\n",
    ],
)
def test_text_that_is_not_format_list_is_unsupported(text: str) -> None:
    with pytest.raises(UnsupportedFormatError):
        read_bytes(text.encode())


def test_indented_first_line_is_unsupported_when_read_directly() -> None:
    from exotls.readers.encoding import decode
    from exotls.readers.formatlist import read_format_list

    with pytest.raises(UnsupportedFormatError) as caught:
        read_format_list(decode(b"   indented : x\n"), "x.txt")
    assert caught.value.line == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{a, b, c...}", (["a", "b", "c"], True)),
        ("{a, b, c, d\u2026}", (["a", "b", "c", "d"], True)),
        ("{Mailbox}", (["Mailbox"], False)),
        ("{}", ([], False)),
        ("", ([], False)),
        ("Unlimited", (["Unlimited"], False)),
        ("{CN=a,OU=b, CN=c,OU=d}", (["CN=a,OU=b", "CN=c,OU=d"], False)),
        ("{...}", ([], True)),
    ],
)
def test_split_fl_list(value: str, expected: tuple[list[str], bool]) -> None:
    assert split_fl_list(value) == expected


@pytest.mark.parametrize("name", sorted(p.name for p in HOSTILE.glob("*.txt")))
def test_hostile_text_fails_cleanly(name: str) -> None:
    with pytest.raises(ExotlsError):
        read(HOSTILE / name)


# -- properties ------------------------------------------------------------------------

_LABEL = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,24}( [A-Za-z0-9()]{1,6})?", fullmatch=True)
_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=160).filter(
    lambda s: s == s.rstrip()
)


@st.composite
def _record_sets(draw: st.DrawFn) -> list[list[tuple[str, str]]]:
    records = []
    for _ in range(draw(st.integers(1, 3))):
        names = draw(st.lists(_LABEL, min_size=1, max_size=6, unique_by=str.casefold))
        records.append([(name, draw(_TEXT)) for name in names])
    return records


@settings(max_examples=200, deadline=None)
@given(_record_sets(), st.integers(40, 250), st.booleans(), st.booleans())
def test_round_trip_at_any_width(
    records: list[list[tuple[str, str]]], width: int, word_wrap: bool, ansi: bool
) -> None:
    text = write_fl(records, width, word_wrap=word_wrap, ansi=ansi)
    doc = read_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "fl.txt")
    assert _records(doc.objects) == records


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_fixtures_only_raise_exotls_errors(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.txt"))))
    raw = bytearray((FIXTURES / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        if data.draw(st.booleans()):
            raw[position] = data.draw(st.integers(0, 255))
        else:
            del raw[position]
    with contextlib.suppress(ExotlsError):
        read_bytes(bytes(raw), name)
