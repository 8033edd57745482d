"""Streaming CLIXML: one top-level value at a time, the same values as a whole read."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from exotls.errors import ReadError, UnsafeInputError
from exotls.readers import read
from exotls.readers.clixml import stream_clixml_file
from exotls.readers.jsonable import to_jsonable
from exotls.readers.values import PSObject

FIXTURES = Path(__file__).parent / "fixtures" / "clixml"
NS = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'


def write(
    tmp_path: Path, body: str, *, name: str = "s.xml", head: str = NS, codec: str = "utf-8", bom: bytes = b""
) -> Path:
    path = tmp_path / name
    path.write_bytes(bom + (head + body + "</Objs>").encode(codec))
    return path


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.xml")))
def test_stream_equals_whole_read(name: str) -> None:
    whole = read(FIXTURES / name)
    streamed = read(FIXTURES / name, stream=True)
    assert isinstance(streamed.objects, Iterator)
    assert (streamed.format, streamed.encoding, streamed.newline) == (
        whole.format,
        whole.encoding,
        whole.newline,
    )
    items = list(streamed.objects)
    assert json.dumps(to_jsonable(items)) == json.dumps(to_jsonable(whole.objects))
    lines = [getattr(o, "line", None) for o in items]
    assert lines == [getattr(o, "line", None) for o in whole.objects]


@pytest.mark.parametrize(
    "data",
    [
        b"#< CLIXML\r\n" + NS.encode() + b"<S>x</S></Objs>",  # a stream form
        b"WARNING: x\r\n" + NS.encode() + b"<S>x</S></Objs>",  # a preamble
        b'<?xml version="1.0"?>' + NS.encode() + b"<S>x</S></Objs>",  # a declaration
        (NS + "<S>x</S></Objs>").encode("utf-16-le"),  # UTF-16 without a BOM
        (NS + "<S>café</S></Objs>").encode("cp1252"),  # not UTF-8
        b'{"json": true}',
    ],
    ids=["stream-form", "preamble", "declaration", "utf16-no-bom", "cp1252", "json"],
)
def test_files_lxml_cannot_stream_as_they_are_fall_back(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.xml"
    path.write_bytes(data)
    assert stream_clixml_file(str(path)) is None
    if not data.startswith(b"{"):
        doc = read(path, stream=True)  # the dispatcher reads them whole instead
        assert list(doc.objects)[-1] in ("x", "café")


@pytest.mark.parametrize(
    ("codec", "bom", "label"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-bom"),
        ("utf-16-le", b"\xff\xfe", "utf-16-le-bom"),
        ("utf-16-be", b"\xfe\xff", "utf-16-be-bom"),
    ],
)
def test_stream_encodings(tmp_path: Path, codec: str, bom: bytes, label: str) -> None:
    path = write(tmp_path, "\r\n  <S>Microsoft® _x000D_</S>\r\n  <S>\U0001f4e7</S>\r\n", codec=codec, bom=bom)
    doc = read(path, stream=True)
    assert (doc.encoding, doc.newline) == (label, "crlf")
    assert list(doc.objects) == ["Microsoft® \r", "\U0001f4e7"]


def test_refs_across_top_level_objects_resolve_while_streaming(tmp_path: Path) -> None:
    parts = []
    for i in range(200):
        # Object i holds a small shared child; object i + 1 points back at it.
        back = f'<Ref N="Prev" RefId="c{i - 1}" />' if i else ""
        parts.append(
            f'\n<Obj RefId="o{i}"><MS><S N="Big">{"z" * 20_000}</S>'
            f'<Obj N="Child" RefId="c{i}"><MS><I32 N="n">{i}</I32></MS></Obj>{back}</MS></Obj>'
        )
    path = write(tmp_path, "".join(parts) + "\n")
    previous: PSObject | None = None
    count = 0
    for obj in read(path, stream=True).objects:
        if previous is not None:
            assert obj.get("Prev") is previous.get("Child")
        assert obj.get("Child").get("n") == count
        previous = obj
        count += 1
    assert count == 200


def test_streaming_memory_stays_flat(tmp_path: Path) -> None:
    parts = [f'\n<Obj RefId="{i}"><MS><S N="Big">{"q" * 50_000}</S></MS></Obj>' for i in range(400)]
    parts.append('\n<Ref RefId="150" />\n')
    path = write(tmp_path, "".join(parts))  # 20 MB of values; only object 150 is used again
    tracemalloc.start()
    try:
        items = read(path, stream=True).objects
        kept = [obj for obj in items if isinstance(obj, PSObject) and obj.ref_id == "150"]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(kept) == 2 and kept[0] is kept[1]
    # The 1 MB pieces of the first pass and one object at a time; a whole read holds 20 MB.
    assert peak < 6_000_000, peak


def test_objects_are_released_once_their_last_ref_is_read(tmp_path: Path) -> None:
    parts = []
    for i in range(400):
        back = f'<Ref N="Prev" RefId="c{i - 1}" />' if i else ""
        parts.append(
            f'\n<Obj RefId="o{i}"><MS><Obj N="Child" RefId="c{i}"><MS><S N="Big">{"w" * 50_000}</S>'
            f"</MS></Obj>{back}</MS></Obj>"
        )
    path = write(tmp_path, "".join(parts) + "\n")  # every child is used once, by the next object
    tracemalloc.start()
    try:
        count = sum(1 for obj in read(path, stream=True).objects if obj.get("Child").get("Big"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 400
    assert peak < 8_000_000, peak  # keeping every child until the end would be 20 MB


def test_error_mid_stream_names_path_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, '\n<S>one</S>\n<S>two</S>\n<Obj RefId="0"><MS><Ref N="x" RefId="9" /></MS></Obj>\n'
    )
    objects = iter(read(path, stream=True).objects)
    assert next(objects) == "one" and next(objects) == "two"
    with pytest.raises(ReadError) as caught:
        next(objects)
    assert caught.value.path == str(path) and caught.value.line == 4
    assert "Ref to RefId 9 that was not defined before it" in caught.value.reason


def test_syntax_error_mid_stream(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes((NS + '\n<Obj RefId="0"></Obj>\n<S>ok</S>\n<S>broken</B>\n</Objs>').encode())
    objects = read(path, stream=True).objects
    with pytest.raises(ReadError) as caught:
        list(objects)
    assert caught.value.path == str(path) and caught.value.line == 4
    assert "not well-formed XML" in caught.value.reason


def test_doctype_anywhere_is_refused_before_any_object(tmp_path: Path) -> None:
    body = "\n<S>x</S>" * 5000 + '\n<!DOCTYPE Objs [<!ENTITY e "y">]>\n<S>&e;</S>'
    path = write(tmp_path, body)
    with pytest.raises(UnsafeInputError) as caught:
        read(path, stream=True)
    assert caught.value.line == 5002


def test_unknown_tags_skipped_in_a_newer_minor_version(tmp_path: Path) -> None:
    head = '<Objs Version="1.2.0.0" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
    path = write(tmp_path, '<Blob/><S>a</S><Obj RefId="0"><Future/><MS><S N="k">v</S></MS></Obj>', head=head)
    items = list(read(path, stream=True).objects)
    assert items[0] == "a" and items[1].properties == {"k": "v"}


@pytest.mark.parametrize(
    "body",
    [
        '\r<Obj RefId="0"><ToString>a</ToString></Obj>\r'
        + "\r<S>x</S>" * 50
        + '\r<Ref RefId="0" />\r',  # CR only
        '<Obj RefId="1"><ToString>a</ToString></Obj><S>x</S><Ref RefId="&#49;" />',  # an entity in the id
        '<Obj RefId="1" xmlns:p="http://schemas.microsoft.com/powershell/2004/04"><ToString>a</ToString>'
        '</Obj><S>x</S><p:Ref RefId="1" xmlns:p="http://schemas.microsoft.com/powershell/2004/04" />',
    ],
    ids=["cr-newlines", "entity-in-refid", "prefixed-ref"],
)
def test_refs_the_scan_cannot_date_still_resolve(tmp_path: Path, body: str) -> None:
    items = list(read(write(tmp_path, body), stream=True).objects)
    assert items[-1] is items[0] and items[0].to_string == "a"


def test_objects_are_yielded_lazily(tmp_path: Path) -> None:
    path = write(tmp_path, "<S>a</S><S>b</S><Obj RefId='0'><MS><I32 N='n'>bad</I32></MS></Obj>")
    objects = iter(read(path, stream=True).objects)
    assert next(objects) == "a"  # the bad value further on has not been read yet
    assert next(objects) == "b"
    with pytest.raises(ReadError, match="not a valid Int32"):
        next(objects)


def test_stream_errors_and_warnings_go_to_the_document(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '<S S="Error">bad_x000A_</S><S>out</S><Obj S="progress" RefId="0"><PR N="r"/></Obj>'
        '<S S="warning">careful</S>',
    )
    doc = read(path, stream=True)
    assert list(doc.objects) == ["out"]
    assert doc.stream_errors == ["bad\n"] and doc.warnings == ["PowerShell warning stream: careful"]
