"""Hostile CLIXML: every attack or damaged file gives the error it must, never more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exotls.errors import ExotlsError, ReadError, UnsafeInputError
from exotls.readers import read, read_bytes
from exotls.readers._clixml_walk import MAX_DEPTH
from exotls.readers.jsonable import REPEAT_LIMIT, to_jsonable
from exotls.readers.values import PSObject

HOSTILE = Path(__file__).parent / "fixtures" / "hostile" / "clixml"
FIXTURES = Path(__file__).parent / "fixtures" / "clixml"
NS = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
DOCTYPE = "DOCTYPE is not allowed: PowerShell never writes one"

# The shared hostile files (tests/fixtures/hostile/clixml/) and what the CLIXML reader must
# raise for each: (error class, line or None, fragment of the reason). None: reads fine.
HOSTILE_FILES: dict[str, tuple[type[ExotlsError], int | None, str] | None] = {
    "xxe_file.xml": (UnsafeInputError, 2, DOCTYPE),
    "xxe_http.xml": (UnsafeInputError, 1, DOCTYPE),
    "xxe_utf16.xml": (UnsafeInputError, 1, DOCTYPE),
    "billion_laughs.xml": (UnsafeInputError, 2, DOCTYPE),
    "external_dtd.xml": (UnsafeInputError, 1, DOCTYPE),
    "parameter_entity.xml": (UnsafeInputError, 1, DOCTYPE),
    "doctype_after_comment.xml": (UnsafeInputError, 2, DOCTYPE),
    "stream_doctype_second_block.txt": (UnsafeInputError, 6, DOCTYPE),
    "xinclude.xml": (ReadError, 2, "unknown element <include> where a value was expected"),
    "undefined_entity.xml": (ReadError, 2, "not well-formed XML: Entity 'leak' not defined"),
    "deep_xml_300.xml": (ReadError, 2, "nested more than 256 elements deep"),
    "deep_objects_70.xml": (ReadError, 2, f"nested more than {MAX_DEPTH} levels deep"),
    "nesting_50_ok.xml": None,
    "ref_cycle.xml": None,
    "ref_dangling.xml": (ReadError, 3, "Ref to RefId 9 that was not defined before it"),
    "ref_forward.xml": (ReadError, 2, "Ref to RefId 1 that was not defined before it"),
    "tnref_dangling.xml": (ReadError, 3, "TNRef to RefId 4 that was not defined before it"),
    "duplicate_refid.xml": None,
    "ref_lattice_40.xml": None,
    "truncated_mid_object.xml": (ReadError, 10, "not well-formed XML"),
    "wrong_root.xml": (ReadError, 1, "root element is <html>, expected <Objs>"),
    "objs_version_2.xml": (ReadError, 1, "only CLIXML major version 1 exists"),
    "bad_int.xml": (ReadError, 2, "'twenty-five' is not a valid Int32"),
    "transportconfig_with_secrets.xml": None,
}


def test_table_covers_every_shared_hostile_file() -> None:
    assert sorted(HOSTILE_FILES) == sorted(p.name for p in HOSTILE.iterdir())


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
def test_hostile_file(name: str, stream: bool) -> None:
    expected = HOSTILE_FILES[name]
    path = HOSTILE / name
    if expected is None:
        doc = read(path, stream=stream)
        assert list(doc.objects)
        return
    kind, line, fragment = expected
    with pytest.raises(ExotlsError) as caught:
        list(read(path, stream=stream).objects)
    assert type(caught.value) is kind
    assert fragment in caught.value.reason
    assert (caught.value.path, caught.value.line) == (str(path), line)


def test_entities_and_files_never_reach_a_value() -> None:
    for name in ("xxe_file.xml", "xxe_utf16.xml", "xinclude.xml"):
        with pytest.raises(ExotlsError) as caught:
            read(HOSTILE / name)
        assert "root:" not in str(caught.value)  # nothing of /etc/passwd


# Inline cases: (bytes, error class, line, fragment); None for the error: must read.
def _objs(body: str, version: str = "1.1.0.1") -> bytes:
    return f'<Objs Version="{version}" xmlns="http://schemas.microsoft.com/powershell/2004/04">{body}</Objs>'.encode()


INLINE: dict[str, tuple[bytes, type[ExotlsError], int | None, str]] = {
    "doctype inside the root": (
        _objs('\n<S>a</S>\n<!DOCTYPE x [<!ENTITY e "y">]>\n<S>&e;</S>'),
        UnsafeInputError,
        3,
        DOCTYPE,
    ),
    "xinclude inside an object": (
        _objs(
            '\n<Obj RefId="0">\n<MS>\n<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
            'href="file:///etc/passwd" parse="text"/>\n</MS>\n</Obj>'
        ),
        ReadError,
        4,
        "unknown element <include> where a property was expected",
    ),
    "unknown tag in a 1.1 document": (
        _objs("\n<S>ok</S>\n<Blob>?</Blob>"),
        ReadError,
        3,
        "unknown element <Blob>",
    ),
    "unknown child of an Obj": (
        _objs('\n<Obj RefId="0">\n<Future/>\n</Obj>'),
        ReadError,
        3,
        "<Future> in an <Obj>",
    ),
    "property without a name": (
        _objs('\n<Obj RefId="0">\n<Props>\n<S>x</S>\n</Props>\n</Obj>'),
        ReadError,
        4,
        "property element <S> has no N attribute",
    ),
    "dictionary entry without a key": (
        _objs('\n<Obj RefId="0">\n<DCT>\n<En>\n<S N="Value">v</S>\n</En>\n</DCT>\n</Obj>'),
        ReadError,
        4,
        'dictionary entry has no N="Key" element',
    ),
    "dictionary entry with a stray child": (
        _objs('\n<Obj RefId="0"><DCT><En><S N="Key">k</S>\n<S N="Other">v</S></En></DCT></Obj>'),
        ReadError,
        3,
        'has N="Other", expected N="Key" or N="Value"',
    ),
    "not a date": (
        _objs('\n<Obj RefId="0"><Props>\n<DT N="When">yesterday</DT></Props></Obj>'),
        ReadError,
        3,
        "'yesterday' is not a valid DateTime",
    ),
    "Ref without RefId": (_objs("\n\n<Ref />"), ReadError, 3, "Ref to RefId None"),
    "Objs version not a number": (_objs("", version="one"), ReadError, 1, "is not a version number"),
}


@pytest.mark.parametrize("case", sorted(INLINE))
def test_inline_hostile(case: str) -> None:
    data, kind, line, fragment = INLINE[case]
    with pytest.raises(ExotlsError) as caught:
        read_bytes(data, "inline.xml")
    assert type(caught.value) is kind
    assert fragment in caught.value.reason
    assert caught.value.line == line and caught.value.path == "inline.xml"


def test_unknown_tags_are_skipped_in_a_newer_minor_version() -> None:
    data = _objs(
        '<S>ok</S><Blob>?</Blob><Obj RefId="0"><TN RefId="0"><T>X</T></TN><Future>1</Future>'
        '<MS><Blob N="skipped">?</Blob><S N="kept">yes</S></MS><LST><Blob/><I32>1</I32></LST></Obj>',
        version="1.2.0.0",
    )
    ok, obj = read_bytes(data).objects
    assert ok == "ok" and obj.type_names == ("X",)
    assert obj.properties == {"kept": "yes"} and obj.payload == [1]


def test_comments_and_processing_instructions_are_dropped() -> None:
    data = _objs('<!-- note --><?pi x?><S>kept</S><Obj RefId="0"><!-- c --><MS><S N="a">b</S></MS></Obj>')
    kept, obj = read_bytes(data).objects
    assert kept == "kept" and obj.properties == {"a": "b"}


def test_depth_10000_nesting_is_a_clear_error() -> None:
    data = _objs('<Obj RefId="0"><MS>' + '<Obj N="c"><MS>' * 10_000 + "</MS></Obj>" * 10_000 + "</MS></Obj>")
    with pytest.raises(ReadError) as caught:
        read_bytes(data)
    assert "256 elements deep" in caught.value.reason


def _nested(levels: int) -> bytes:
    opening = "".join(f'<Obj N="c" RefId="{i}"><MS>' for i in range(levels))
    return _objs(opening.replace(' N="c"', "", 1) + '<S N="leaf">bottom</S>' + "</MS></Obj>" * levels)


def test_object_depth_limit_is_exact() -> None:
    obj = read_bytes(_nested(MAX_DEPTH)).objects[0]
    for _ in range(MAX_DEPTH - 1):
        obj = obj.get("c")
    assert obj.get("leaf") == "bottom"
    with pytest.raises(ReadError, match=f"more than {MAX_DEPTH} levels"):
        read_bytes(_nested(MAX_DEPTH + 1))


def test_bare_list_nesting_counts_as_depth() -> None:
    data = _objs("<LST>" * (MAX_DEPTH + 1) + "</LST>" * (MAX_DEPTH + 1))
    with pytest.raises(ReadError, match=f"more than {MAX_DEPTH} levels"):
        read_bytes(data)
    assert read_bytes(_objs("<LST>" * 3 + "<I32>7</I32>" + "</LST>" * 3)).objects == [[[[7]]]]


def test_ref_cycle_is_the_same_object_and_json_marks_it() -> None:
    data = _objs(
        '<Obj RefId="0"><MS><S N="Name">A</S><Obj N="Child" RefId="1"><MS><Ref N="Parent" RefId="0" />'
        '<Ref N="Me" RefId="1" /></MS></Obj></MS></Obj>'
    )
    (top,) = read_bytes(data).objects
    child = top.get("Child")
    assert child.get("Parent") is top and child.get("Me") is child
    rendered = to_jsonable(top)
    assert rendered["properties"]["Child"]["properties"] == {"Parent": {"$ref": "0"}, "Me": {"$ref": "1"}}
    json.dumps(rendered)


def test_ref_lattice_json_output_stays_bounded() -> None:
    doc = read(HOSTILE / "ref_lattice_40.xml")
    top = doc.objects[-1]
    assert top.get("A") is top.get("B")  # shared, not copied: 41 objects in memory
    text = json.dumps(to_jsonable(top, repeat_limit=2000))  # 2**40 copies would never finish
    assert text.count('"properties"') <= 41 + 2000 + 1 and '{"$ref": "' in text
    assert text.count('"Leaf": "x"') >= 1  # the bottom object is written in full once
    assert REPEAT_LIMIT >= 10_000  # the default still expands real, modest sharing in full


def test_long_ref_chain_does_not_recurse_forever_in_json() -> None:
    objs = ['<Obj RefId="0"><MS><S N="v">end</S></MS></Obj>']
    objs += [f'<Obj RefId="{i}"><MS><Ref N="next" RefId="{i - 1}" /></MS></Obj>' for i in range(1, 3000)]
    doc = read_bytes(_objs("".join(objs)))
    text = json.dumps(to_jsonable(doc.objects[-1]))
    assert '"$ref"' in text


def test_duplicate_refids_later_definition_wins() -> None:
    data = _objs(
        '<Obj RefId="0"><ToString>first</ToString></Obj><Ref RefId="0" />'
        '<Obj RefId="0"><ToString>second</ToString></Obj><Ref RefId="0" />'
    )
    first, first_ref, second, second_ref = read_bytes(data).objects
    assert first_ref is first and second_ref is second and first is not second


def test_huge_single_string_reads_correctly() -> None:
    big = "ab_x000D__x000A_" + "x" * 20_000_000 + "_x0041_"
    doc = read_bytes(_objs(f'<S>{big}</S><Obj RefId="0"><MS><S N="{"n" * 11_000_000}">v</S></MS></Obj>'))
    value, obj = doc.objects
    assert len(value) == 20_000_000 + 5 and value.startswith("ab\r\n") and value.endswith("xA")
    assert list(obj.properties.values()) == ["v"] and len(next(iter(obj.properties))) == 11_000_000


def test_huge_single_string_streams_correctly(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(_objs("\n<S>" + "y" * 12_000_000 + "</S>\n<S>after</S>"))
    doc = read(path, stream=True)
    values = list(doc.objects)
    assert len(values[0]) == 12_000_000 and values[1] == "after"


def test_truncated_at_every_offset_is_a_read_error() -> None:
    data = (FIXTURES / "ps51_exchangeserver_rich.xml").read_bytes()
    step = max(1, len(data) // 400)
    for cut in range(2, len(data) - 1, step):
        with pytest.raises(ReadError):
            read_bytes(data[:cut], "cut.xml")


def test_truncated_utf8_at_many_offsets(tmp_path: Path) -> None:
    data = (FIXTURES / "ps7_exchangeserver_rich.xml").read_bytes()
    path = tmp_path / "cut.xml"
    for cut in range(40, len(data) - 1, max(1, len(data) // 60)):
        path.write_bytes(data[:cut])
        for stream in (False, True):
            with pytest.raises(ReadError) as caught:
                list(read(path, stream=stream).objects)
            assert caught.value.path == str(path)


def test_a_ref_that_names_a_psobject_keeps_identity_across_many_objects() -> None:
    body = '<Obj RefId="0"><ToString>shared</ToString></Obj>' + '<Ref RefId="0" />' * 1000
    doc = read_bytes(_objs(body))
    assert all(item is doc.objects[0] for item in doc.objects)
    assert isinstance(doc.objects[0], PSObject)


def test_doctype_in_the_prolog_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    import exotls.readers.clixml as clixml

    def parse(chunks: object) -> None:
        pytest.fail("the parser was reached")

    monkeypatch.setattr(clixml, "_parse", parse)
    data = b'<?xml version="1.0"?>\n<!-- a --><?pi x?>\n \n<!DOCTYPE Objs [<!ENTITY a "b">]>' + _objs(
        "<S>&a;</S>"
    )
    with pytest.raises(UnsafeInputError) as caught:
        read_bytes(data)
    assert caught.value.line == 4
