"""Encoding, newline and format sniffing, from bytes only (never from a file name)."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exotls.errors import ExotlsError, ReadError, UnsupportedFormatError
from exotls.readers import read_bytes
from exotls.readers.encoding import decode, newline_style, split_lines
from exotls.readers.sniff import detect_format, is_prompt_line, is_warning_line, skip_preamble, strip_ansi

TEXT = '{\r\n    "ProductName":  "Microsoft® Exchange"\r\n}\r\n'


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le-bom"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be-bom"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-bom"),
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le-bom"),
    ],
)
def test_every_encoding_powershell_writes_decodes_to_the_same_text(data: bytes, encoding: str) -> None:
    decoded = decode(data)
    assert decoded.text == TEXT
    assert decoded.encoding == encoding
    assert decoded.newline == "crlf"
    assert decoded.data is data
    assert bool(decoded.warnings) == (encoding == "cp1252")


def test_cp1252_fallback_is_named_and_warned() -> None:
    decoded = decode(b"ProductName : Microsoft\xae Exchange\r\n")
    assert decoded.text == "ProductName : Microsoft® Exchange\r\n"
    assert decoded.encoding == "cp1252"
    assert "cp1252" in decoded.warnings[0]
    assert read_bytes(b"ProductName : Microsoft\xae Exchange\r\n").warnings == list(decoded.warnings)


def test_utf8_bom_in_front_of_utf16_is_read_as_utf16_with_a_warning() -> None:
    with_bom = decode(codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"))
    assert (with_bom.text, with_bom.encoding) == (TEXT, "utf-16-le-bom")
    assert "precedes" in with_bom.warnings[0]
    bare = decode(codecs.BOM_UTF8 + TEXT.encode("utf-16-le"))
    assert (bare.text, bare.encoding) == (TEXT, "utf-16-le")
    assert "precedes" in bare.warnings[0]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"\r\n \t\r\n", "empty"),
        (codecs.BOM_UTF16_LE, "no content"),
        (codecs.BOM_UTF8, "no content"),
        (codecs.BOM_UTF8 + b"  \r\n", "no content"),
        (b'{"a": "x\x00y"}', "NUL"),
        (b"abc\n\x00\x00\x00\x01\x02\x03\x04\x05", "NUL"),
        (codecs.BOM_UTF16_LE + b"{\x00\x00", "not valid utf-16-le-bom"),
        (codecs.BOM_UTF8 + b"{\xc3\x28}", "not valid utf-8-bom"),
        (codecs.BOM_UTF8 + b"\xff\xfe\xfd", "not valid utf-16-le-bom"),
        ("Name : x\r\n".encode("utf-16-le") + b"\x00", "odd number of bytes"),
    ],
)
def test_unreadable_bytes_are_read_errors(data: bytes, words: str) -> None:
    with pytest.raises(ReadError, match=words):
        decode(data)


def test_nul_error_names_its_line() -> None:
    with pytest.raises(ReadError) as caught:
        decode(b"line one\nline two\nbad \x00 here\n")
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("a\r\nb\r\n", "crlf"),
        ("a\nb\n", "lf"),
        ("a\rb\r", "cr"),
        ("a\r\nb\nc", "mixed"),
        ("a\rb\n", "mixed"),
        ("ab", "none"),
    ],
)
def test_newline_style(text: str, style: str) -> None:
    assert newline_style(text) == style
    assert decode(text.encode()).newline == style


def test_split_lines_ignores_unicode_line_separators() -> None:
    assert split_lines("a\u2028b\x85c\r\nd\re\nf") == ["a\u2028b\x85c", "d", "e", "f"]


# -- sniffing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">', "clixml"),
        ('<?xml version="1.0"?>\r\n<Objs>', "clixml"),
        ("#< CLIXML\r\n<Objs>", "clixml-stream"),
        ('{\r\n    "a":  1\r\n}', "json"),
        ("[\r\n    {\r\n", "json"),
        ("[]", "json"),
        ('[{"a": 1}]', "json"),
        ("WARNING: Resulting JSON is truncated.\n[\n  {", "json"),
        ("\x1b[33;1mWARNING: x\x1b[0m\r\n{}", "json"),
        ("PS C:\\Users\\admin> Get-X | ConvertTo-Json\r\n{}", "json"),
        ("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]", "reg"),
        ("REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]", "reg"),
        ("\r\nName : Transport Settings\r\n", "format-list"),
        ("Name                 :\r\nOther : x", "format-list"),
        ("\x1b[32;1mEnabled : \x1b[0m1", "format-list"),
        ("PS C:\\> Get-TransportConfig | fl\r\n\r\nName : x", "format-list"),
    ],
)
def test_detect_format(text: str, fmt: str) -> None:
    assert detect_format(text) == fmt


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Name   Value\r\n----   -----\r\n", "not a recognised export"),
        ("date-time,connector-id\r\n", "not a recognised export"),
        ("WARNING: only a warning\r\n", "only blank"),
        ("null", "not a recognised export"),
        ("[HKEY nonsense", "not a recognised export"),
    ],
)
def test_unknown_text_is_unsupported(text: str, words: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=words):
        detect_format(text)


@pytest.mark.parametrize(
    "text",
    ["[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso]\r\n", "[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso]\r\n", "[HKLM\\SOFTWARE]\r\n"],
)
def test_reg_without_header_is_a_damaged_export_not_another_format(text: str) -> None:
    with pytest.raises(ReadError, match="header is missing") as caught:
        detect_format(text)
    assert not isinstance(caught.value, UnsupportedFormatError)


def test_skip_preamble_and_line_helpers() -> None:
    rest, skipped = skip_preamble("\ufeff\r\n\x1b[33;1mWARNING: a\x1b[0m\r\nWARNING: b\r\n{\r\n}")
    assert (rest, skipped) == ("{\r\n}", 3)
    assert is_warning_line("\x1b[33;1mWARNING: depth\x1b[0m") and not is_warning_line("Warnings : 0")
    assert is_prompt_line("PS C:\\Users\\admin> Get-TransportConfig | fl")
    assert is_prompt_line("PS /home/admin>")
    assert not is_prompt_line("PS : 5>1")
    assert strip_ansi("\x1b[32;1mName : \x1b[0mx\x1b[?25h") == "Name : x"


# -- any bytes: only ExotlsError -------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_exotls_errors(data: bytes) -> None:
    try:
        doc = read_bytes(data, "random.bin")
    except ExotlsError as err:
        assert err.path == "random.bin"
    else:
        assert doc.format in ("clixml", "clixml-stream", "json", "reg", "format-list")


_PREFIXES = [
    b"",
    codecs.BOM_UTF8,
    b"{",
    b"[",
    b"Windows Registry Editor Version 5.00\r\n\r\n[HKLM\\a]\r\n",
    b"Name : ",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_PREFIXES), st.text(max_size=200), st.sampled_from(["utf-8", "utf-16-le", "cp1252"]))
def test_random_text_after_a_format_start_raises_only_exotls_errors(
    prefix: bytes, text: str, codec: str
) -> None:
    try:
        body = prefix.decode("utf-8-sig").encode(codec, errors="replace") + text.encode(
            codec, errors="replace"
        )
        read_bytes(body, "random.txt")
    except ExotlsError:
        pass
