"""Damage: every good fixture truncated, bit-flipped, re-encoded wrongly, or sprinkled with NULs.

The promise under test: any input gives either a correct read or an ``ExotlsError`` that
names the file; never another exception and never a hang (each read runs under a
deadline). Where the right answer is known it is checked too:

* a CLIXML document or a single JSON value cut anywhere before its last character is an
  error, never a shorter success;
* the same text in another encoding (UTF-16 without a BOM, UTF-16BE, a UTF-8 BOM glued in
  front of UTF-16, cp1252) reads to the same values;
* a NUL anywhere is an error.

Property-based tests (hypothesis) cover every reader directly, fed arbitrary bytes,
mutated fixtures and randomly built CLIXML trees.
"""

from __future__ import annotations

import codecs
import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exotls.errors import ExotlsError, ReadError
from exotls.readers import read, read_bytes
from exotls.readers.encoding import decode
from exotls.readers.jsonable import to_jsonable
from exotls.readers.sniff import skip_preamble
from fuzz.guard import deadline
from fuzz.targets import TARGETS, run_target

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = [ROOT / "tests" / "fixtures" / name for name in ("clixml", "json", "reg", "formatlist", "extract")]
FOLDERS.append(ROOT / "src" / "exotls" / "samples")
FIXTURES = sorted(p for folder in FOLDERS for p in folder.rglob("*") if p.is_file() and p.suffix not in (".py", ".md"))
IDS = [str(p.relative_to(ROOT)) for p in FIXTURES]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(data: bytes, name: str = "damaged.bin") -> Any:
    """The document's values as JSON-able data, or the error; anything else fails the test."""
    try:
        with deadline(20, name):
            doc = read_bytes(data, name)
            return to_jsonable(list(doc.objects))
    except ExotlsError as err:
        assert err.path == name, f"error does not name the file: {err!r}"
        assert err.reason and (err.line is None or err.line >= 1)
        return err


def _single_document(data: bytes) -> bool:
    """True when cutting anywhere before the end must fail: one CLIXML document or one JSON value."""
    try:
        doc = read_bytes(data)
    except ExotlsError:
        return False
    if doc.format == "clixml":
        return True
    if doc.format == "json":
        body, _ = skip_preamble(decode(data).text)
        try:
            json.loads(body)
        except ValueError:
            return False
        return True
    return False


def _cuts(size: int, rng: random.Random) -> list[int]:
    fixed = {0, 1, 2, 3, size // 2, size // 2 + 1, size - 1, size - 2, size - 3}
    return sorted({c for c in fixed | {rng.randrange(size) for _ in range(16)} if 0 <= c < size})


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_truncated_at_many_offsets(path: Path) -> None:
    data = path.read_bytes()
    rng = random.Random(path.name)
    must_fail = _single_document(data)
    end = len(data.rstrip(b" \t\r\n\x00"))
    for cut in _cuts(len(data), rng):
        result = outcome(data[:cut], f"{path.name}@{cut}")
        if must_fail and cut < end:
            assert isinstance(result, ExotlsError), f"{path.name} cut at byte {cut} of {len(data)} read as a success"


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_bytes_flipped(path: Path) -> None:
    data = path.read_bytes()
    rng = random.Random("flip" + path.name)
    for _ in range(16):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        outcome(bytes(damaged), path.name)


_LOSSLESS = {
    "utf-16-le without BOM": lambda text: text.encode("utf-16-le"),
    "utf-16-be with BOM": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-8 BOM on utf-16-le BOM": lambda text: codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-8 BOM on utf-16-le": lambda text: codecs.BOM_UTF8 + text.encode("utf-16-le"),
    "utf-8 with BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
}


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_lying_encodings_read_the_same_values(path: Path) -> None:
    data = path.read_bytes()
    expected = outcome(data, path.name)
    if isinstance(expected, ExotlsError):
        return  # a fixture that is itself an error case (e.g. the collect log) has no values to compare
    text = decode(data).text
    mostly_ascii = sum(ch.isascii() for ch in text) > 0.9 * len(text)
    for label, encode in _LOSSLESS.items():
        if ("without" in label or label == "utf-8 BOM on utf-16-le") and not mostly_ascii:
            continue  # UTF-16 without a BOM is recognised by its NUL pattern, which needs ASCII
        assert outcome(encode(text), path.name) == expected, label
    try:
        ansi = text.encode("cp1252")
    except UnicodeEncodeError:
        return
    assert outcome(ansi, path.name) == expected, "cp1252"


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_a_nul_anywhere_is_an_error(path: Path) -> None:
    data = path.read_bytes()
    wide = decode(data).encoding.startswith("utf-16")
    rng = random.Random("nul" + path.name)
    for _ in range(6):
        at = rng.randrange(len(data))
        if wide:
            at -= at % 2
        damaged = data[:at] + (b"\x00\x00" if wide else b"\x00") + data[at:]
        result = outcome(damaged, path.name)
        assert isinstance(result, ReadError), f"{path.name}: NUL at {at} read as a success"


# -- property-based: every reader ------------------------------------------------------


def _only_exotls_errors(target: str, data: bytes) -> None:
    with deadline(20, f"{target} target"):
        run_target(target, data)


@SETTINGS
@given(st.sampled_from(sorted(TARGETS)), st.binary(max_size=2000))
def test_any_bytes_any_reader(target: str, data: bytes) -> None:
    _only_exotls_errors(target, data)


_STARTS = {
    "clixml": ["<Objs>", '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">',
               "#< CLIXML\r\n<Objs>"],
    "json": ["{", "[", "WARNING: x\r\n{"],
    "reg": ["Windows Registry Editor Version 5.00\r\n\r\n[HKLM\\a]\r\n", "REGEDIT4\r\n[HKCU\\b]\r\n"],
    "formatlist": ["Name : x\r\n", "PS C:\\> x\r\n\r\nA    : 1\r\n     "],
}


@SETTINGS
@given(st.sampled_from(sorted(_STARTS)), st.data())
def test_text_after_a_format_start(target: str, data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(_STARTS[target]))
    tail = data.draw(st.text(alphabet=st.sampled_from(string.printable + "<>/\"'=&;:{}[]\\\u00e9\u2026\x1b"), max_size=300))
    codec = data.draw(st.sampled_from(["utf-8", "utf-16-le", "utf-8-sig", "cp1252"]))
    raw = (start + tail).encode(codec, errors="replace")
    if codec == "utf-16-le" and data.draw(st.booleans()):
        raw = codecs.BOM_UTF16_LE + raw
    _only_exotls_errors(target, raw)
    _only_exotls_errors("read_bytes", raw)


_SMALL = [p for p in FIXTURES if p.stat().st_size < 20_000]


@SETTINGS
@given(st.sampled_from(_SMALL), st.sampled_from(sorted(TARGETS)), st.data())
def test_mutated_fixtures_any_reader(path: Path, target: str, data: st.DataObject) -> None:
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw)))
        kind = data.draw(st.sampled_from(["set", "insert", "delete", "repeat", "cut"]))
        if kind == "set" and at < len(raw):
            raw[at] = data.draw(st.sampled_from(list(b"\x00\xff<>&\"'\r\n\\:;=,{}[]#x_")))
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del raw[at : at + data.draw(st.integers(1, 64))]
        elif kind == "repeat":
            raw[at:at] = bytes(raw[at : at + data.draw(st.integers(1, 200))]) * data.draw(st.integers(2, 6))
        else:
            del raw[at:]
    _only_exotls_errors(target, bytes(raw))


# Random CLIXML trees from the element vocabulary: what a buggy or crafted writer could make.
_PRIMS = {
    "S": st.text(max_size=8), "B": st.sampled_from(["true", "false", "yes"]), "I32": st.sampled_from(["1", "-5", "x"]),
    "U32": st.sampled_from(["4294967295", "-1"]), "I64": st.just("9" * 30), "Db": st.sampled_from(["1.5", "NaN", "1e999"]),
    "DT": st.sampled_from(["2024-03-04T10:00:00Z", "2024-13-01", ""]), "TS": st.sampled_from(["PT1S", "P-1D", "bad"]),
    "G": st.sampled_from(["00000000-0000-0000-0000-000000000000", "zz"]), "Version": st.sampled_from(["15.1.2507.6", "1"]),
    "BA": st.sampled_from(["AAEC", "!!"]), "SS": st.just("0102"), "SBK": st.just("Get-Date"), "C": st.sampled_from(["65", "-1"]),
    "Nil": st.just(""), "D": st.sampled_from(["1.0", "1e99999999"]), "By": st.sampled_from(["255", "256"]),
}


def _attrs(draw: st.DrawFn, named: bool) -> str:
    out = ""
    if named or draw(st.booleans()):
        out += f' N="{draw(st.sampled_from(["Name", "Key", "Value", "a_x0020_b", "_x", ""]))}"'
    if draw(st.integers(0, 3)) == 0:
        out += f' RefId="{draw(st.integers(0, 3))}"'
    return out


@st.composite
def _element(draw: st.DrawFn, depth: int = 0, named: bool = False) -> str:
    attrs = _attrs(draw, named)
    leaf = depth > 6 or draw(st.integers(0, 2)) == 0
    if leaf:
        kind = draw(st.sampled_from([*_PRIMS, "Ref", "TNRef"]))
        if kind in ("Ref", "TNRef"):
            name = attrs.split(" RefId=")[0]
            return f'<{kind}{name} RefId="{draw(st.integers(0, 4))}" />'
        text = draw(_PRIMS[kind]).replace("&", "&amp;").replace("<", "&lt;")
        return f"<{kind}{attrs}>{text}</{kind}>"
    kind = draw(st.sampled_from(["Obj", "LST", "DCT", "IE", "MS", "Props", "En", "TN", "PR", "Unknown"]))
    children = draw(st.lists(_element(depth + 1, named=kind in ("MS", "Props", "En")), max_size=4))
    if kind == "Obj":
        head = draw(st.sampled_from(["", '<TN RefId="0"><T>A</T><T>B</T></TN>', '<TNRef RefId="0" />',
                                     "<ToString>x</ToString>"]))
        children = [head, *children]
    if kind == "TN":
        children = [f"<T>{draw(st.text(alphabet='ab.', max_size=4))}</T>"]
    return f"<{kind}{attrs}>{''.join(children)}</{kind}>"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_element(), max_size=5), st.sampled_from(["1.1.0.1", "1.2", "1", "2.0"]), st.booleans())
def test_random_clixml_trees(items: list[str], version: str, stream: bool) -> None:
    text = f'<Objs Version="{version}" xmlns="http://schemas.microsoft.com/powershell/2004/04">{"".join(items)}</Objs>'
    data = text.encode("utf-8")
    _only_exotls_errors("clixml_stream" if stream else "clixml", data)
    _only_exotls_errors("read_bytes", data)


def test_a_damaged_file_on_disk_is_named_in_its_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes(FIXTURES[0].read_bytes()[:100])
    with pytest.raises(ExotlsError) as caught:
        list(read(path, stream=True).objects)
    assert caught.value.path == str(path) and str(caught.value).startswith(str(path))


def test_digits_that_int_refuses_are_bad_values_not_crashes() -> None:
    """Found by atheris: "²".isdigit() is true but int("²") fails (tests/fixtures/fuzz/clixml/crash-ad2e...)."""
    from exotls.extract import extract_document

    with pytest.raises(ReadError, match="is not a version number"):
        read_bytes('<Objs Version="\u00b20"></Objs>'.encode(), "v.xml")
    doc = read_bytes(
        '<Objs><Obj><Props><S N="ProductName">Windows Server 2019 Standard</S>'
        '<S N="CurrentBuild">\u00b2</S></Props></Obj></Objs>'.encode(), "os.xml"
    )
    facts = extract_document(doc, fallback_identity="EX01")
    assert facts.input.status == "ok" and facts.servers[0].facts["os_family"] == "Windows Server 2019"
