"""Property tests: random PowerShell values written by an independent writer read back equal.

The writer below is test-only and follows MS-PSRP and PowerShell's escaping
(formats.md a.5) on its own: it shares no code with the reader. psrpcore's serializer is
a second, outside oracle for strings. Random and damaged bytes must only ever raise
``ExotlsError``.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exotls.errors import ExotlsError
from exotls.readers import read, read_bytes
from exotls.readers.values import PSObject, ScriptBlock, SecureString, Version

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FIXTURES = Path(__file__).parent / "fixtures" / "clixml"

# -- the model: what a document holds, and the value the reader must give for it ----------


@dataclass(eq=False)
class Prim:
    tag: str
    text: str | None  # element text before XML escaping; None writes <Tag />
    expected: Any


@dataclass(eq=False)
class Obj:
    type_names: tuple[str, ...] | None
    to_string: str | None = None
    props: list[tuple[str, Any]] = field(default_factory=list)
    ms: list[tuple[str, Any]] = field(default_factory=list)
    payload: Any = None  # None, ("LST"|"IE"|"STK"|"QUE", [nodes]), ("DCT", [(key, node)]), Prim


def ps_escape(text: str, upper_x: bool = False, eight: bool = False) -> str:
    """PowerShell's string escaping, unit by unit over UTF-16 (InternalSerializer.EncodeString)."""
    units = text.encode("utf-16-le", "surrogatepass")
    codes = [int.from_bytes(units[i : i + 2], "little") for i in range(0, len(units), 2)]
    out: list[str] = []
    x = "X" if upper_x else "x"
    i = 0
    while i < len(codes):
        code = codes[i]
        pair = 0xD800 <= code <= 0xDBFF and i + 1 < len(codes) and 0xDC00 <= codes[i + 1] <= 0xDFFF
        if pair and eight:
            point = 0x10000 + ((code - 0xD800) << 10) + (codes[i + 1] - 0xDC00)
            out.append(f"_{x}{point:08X}_")
            i += 2
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            out.append(f"_{x}{code:04X}_")
        elif code == 0x5F and i + 1 < len(codes) and codes[i + 1] in (0x78, 0x58):
            out.append(f"_{x}005F_")
        else:
            out.append(chr(code))
        i += 1
    return "".join(out)


def xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    return xml_text(text).replace('"', "&quot;")


def utf16_normal(text: str) -> str:
    """What a PowerShell string holds: UTF-16 units, so adjacent halves form one character."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


@dataclass
class Style:
    namespace: bool
    indent: bool
    upper_x: bool
    eight: bool


class Writer:
    """Serialize model nodes as Export-Clixml would (RefIds, TNRef reuse, Ref for repeats)."""

    def __init__(self, style: Style) -> None:
        self.style = style
        self.obj_ids: dict[int, int] = {}
        self.tn_ids: dict[tuple[str, ...], int] = {}
        self.out: list[str] = []

    def esc(self, text: str) -> str:
        return ps_escape(text, self.style.upper_x, self.style.eight)

    def line(self, depth: int, text: str) -> None:
        self.out.append(("  " * depth if self.style.indent else "") + text)

    def node(self, node: Any, depth: int, name: str | None = None) -> None:
        n = "" if name is None else f' N="{xml_attr(self.esc(name))}"'
        if isinstance(node, Prim):
            if node.text is None:
                self.line(depth, f"<{node.tag}{n} />")
            else:
                self.line(depth, f"<{node.tag}{n}>{xml_text(node.text)}</{node.tag}>")
            return
        if id(node) in self.obj_ids:
            self.line(depth, f'<Ref{n} RefId="{self.obj_ids[id(node)]}" />')
            return
        self.obj_ids[id(node)] = len(self.obj_ids)
        self.line(depth, f'<Obj{n} RefId="{self.obj_ids[id(node)]}">')
        if node.type_names is not None:
            if node.type_names in self.tn_ids:
                self.line(depth + 1, f'<TNRef RefId="{self.tn_ids[node.type_names]}" />')
            else:
                self.tn_ids[node.type_names] = len(self.tn_ids)
                self.line(depth + 1, f'<TN RefId="{self.tn_ids[node.type_names]}">')
                for t in node.type_names:
                    self.line(depth + 2, f"<T>{xml_text(self.esc(t))}</T>")
                self.line(depth + 1, "</TN>")
        if node.to_string is not None:
            self.line(depth + 1, f"<ToString>{xml_text(self.esc(node.to_string))}</ToString>")
        if isinstance(node.payload, Prim):
            self.node(node.payload, depth + 1)
        elif node.payload is not None:
            kind, items = node.payload
            self.line(depth + 1, f"<{kind}>")
            for item in items:
                if kind == "DCT":
                    key, value = item
                    self.line(depth + 2, "<En>")
                    self.node(key, depth + 3, "Key")
                    self.node(value, depth + 3, "Value")
                    self.line(depth + 2, "</En>")
                else:
                    self.node(item, depth + 2)
            self.line(depth + 1, f"</{kind}>")
        for tag, members in (("Props", node.props), ("MS", node.ms)):
            if members:
                self.line(depth + 1, f"<{tag}>")
                for member_name, value in members:
                    self.node(value, depth + 2, member_name)
                self.line(depth + 1, f"</{tag}>")
        self.line(depth, "</Obj>")

    def document(self, nodes: list[Any]) -> str:
        ns = ' xmlns="http://schemas.microsoft.com/powershell/2004/04"' if self.style.namespace else ""
        self.out.append(f'<Objs Version="1.1.0.1"{ns}>')
        for node in nodes:
            self.node(node, 1)
        self.out.append("</Objs>")
        return ("\n" if self.style.indent else "").join(self.out)


# -- strategies -------------------------------------------------------------------------------

# Any UTF-16 content, lone surrogates included, plus the characters that matter most.
any_text = st.lists(
    st.one_of(
        st.characters(codec=None, categories=None),
        st.sampled_from(
            ["_", "x", "X", "_x", "_x0041_", "\r", "\n", "\t", "\x00", "<", "&", " ", "\U0001f4e7"]
        ),
    ),
    max_size=12,
).map("".join)
INT_TAGS = [
    ("By", 0, 255),
    ("SB", -128, 127),
    ("I16", -(2**15), 2**15 - 1),
    ("U16", 0, 2**16 - 1),
    ("I32", -(2**31), 2**31 - 1),
    ("U32", 0, 2**32 - 1),
    ("I64", -(2**63), 2**63 - 1),
    ("U64", 0, 2**64 - 1),
]


@st.composite
def strings(draw: st.DrawFn) -> Prim:
    text = draw(any_text)
    return Prim("S", None if text == "" and draw(st.booleans()) else ps_escape(text), utf16_normal(text))


@st.composite
def ints(draw: st.DrawFn) -> Prim:
    tag, low, high = draw(st.sampled_from(INT_TAGS))
    value = draw(st.integers(low, high))
    return Prim(tag, str(value), value)


@st.composite
def floats(draw: st.DrawFn) -> Prim:
    value = draw(st.floats(allow_nan=True, allow_infinity=True))
    if math.isnan(value):
        return Prim("Db", "NaN", "nan")
    if math.isinf(value):
        return Prim("Db", "INF" if value > 0 else "-INF", value)
    text = repr(value).upper() if draw(st.booleans()) else repr(value)
    return Prim("Db", text, value)


@st.composite
def datetimes(draw: st.DrawFn) -> Prim:
    value = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 30)))
    kind = draw(st.sampled_from(["utc", "offset", "naive"]))
    tick = draw(st.integers(0, 9))
    stamp = value.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    frac = f".{value.microsecond:06d}{tick}" if value.microsecond or tick else ""
    if kind == "utc":
        return Prim("DT", f"{stamp}{frac}Z", value.replace(tzinfo=UTC))
    if kind == "offset":
        minutes = draw(st.integers(-14 * 60, 14 * 60))
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        return Prim("DT", f"{stamp}{frac}{zone}", value.replace(tzinfo=timezone(timedelta(minutes=minutes))))
    return Prim("DT", f"{stamp}{frac}", value)


@st.composite
def durations(draw: st.DrawFn) -> Prim:
    micro = draw(st.integers(-(10**17), 10**17))
    sign = "-" if micro < 0 else ""
    rest = abs(micro)
    days, rest = divmod(rest, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, frac = divmod(rest, 1_000_000)
    text = f"{sign}P{days}DT{hours}H{minutes}M{seconds}.{frac:06d}{draw(st.integers(0, 9))}S"
    return Prim("TS", text, timedelta(microseconds=micro))


def _simple(
    tag: str, values: st.SearchStrategy[Any], text: Any, expected: Any = None
) -> st.SearchStrategy[Prim]:
    return values.map(lambda v: Prim(tag, text(v), v if expected is None else expected(v)))


primitives = st.one_of(
    strings(),
    ints(),
    floats(),
    datetimes(),
    durations(),
    _simple("B", st.booleans(), lambda v: "true" if v else "false"),
    _simple("D", st.decimals(allow_nan=False, allow_infinity=False, places=4), str),
    _simple("C", st.integers(0, 0xFFFF), str, chr),
    _simple("G", st.uuids(), lambda u: str(u).upper() if u.int % 2 else str(u)),
    _simple("BA", st.binary(max_size=40), lambda b: base64.b64encode(b).decode()),
    _simple(
        "Version",
        st.lists(st.integers(0, 65535), min_size=2, max_size=4),
        lambda p: ".".join(map(str, p)),
        lambda p: Version(tuple(p)),
    ),
    _simple("URI", any_text, ps_escape, utf16_normal),
    _simple("SBK", any_text, ps_escape, lambda t: ScriptBlock(utf16_normal(t))),
    _simple("SS", st.binary(min_size=1, max_size=16), lambda b: b.hex(), lambda _b: SecureString()),
    st.just(Prim("Nil", None, None)),
)
type_name_lists = st.lists(
    st.sampled_from(
        [
            "System.Object",
            "System.Enum",
            "Deserialized.X.Y",
            "Microsoft.Exchange.Data.ServerVersion",
            "Microsoft.Exchange.Data.MultiValuedProperty`1[[System.String, mscorlib]]",
            "A_x0041_B",
        ]
    ),
    min_size=1,
    max_size=3,
).map(tuple)
names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=0, max_size=8)
keys = st.one_of(strings(), ints()).filter(lambda p: p.tag != "S" or p.expected != "")


def objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Obj]:
    members = st.lists(st.tuples(names, children), max_size=4, unique_by=lambda m: utf16_normal(m[0]))

    @st.composite
    def build(draw: st.DrawFn) -> Obj:
        obj = Obj(draw(st.none() | type_name_lists), draw(st.none() | any_text))
        all_members = draw(members)
        split = draw(st.integers(0, len(all_members)))
        obj.props, obj.ms = all_members[:split], all_members[split:]
        kind = draw(st.sampled_from(["none", "LST", "IE", "STK", "QUE", "DCT", "prim"]))
        if kind == "prim":
            obj.payload = draw(primitives)
        elif kind == "DCT":
            entries = draw(
                st.lists(
                    st.tuples(keys, children),
                    max_size=3,
                    unique_by=lambda e: (type(e[0].expected), e[0].expected),
                )
            )
            obj.payload = ("DCT", entries)
        elif kind != "none":
            obj.payload = (kind, draw(st.lists(children, max_size=3)))
        return obj

    return build()


trees = st.recursive(primitives, objects, max_leaves=12)


@st.composite
def documents(draw: st.DrawFn) -> list[Any]:
    nodes: list[Any] = draw(st.lists(trees, min_size=0, max_size=4))
    # Share some objects: later slots point at earlier objects (a Ref), ancestors included.
    seen: list[Obj] = []

    def visit(node: Any) -> None:
        # The writer's order (payload, then Props, then MS), so a Ref only names an object
        # already started: an earlier one or an ancestor.
        if not isinstance(node, Obj) or node in seen:
            return
        seen.append(node)
        if isinstance(node.payload, tuple):
            for item in node.payload[1]:
                visit(item[1] if node.payload[0] == "DCT" else item)
        for members in (node.props, node.ms):
            for index, (name, child) in enumerate(members):
                if isinstance(child, Obj) and draw(st.integers(0, 4)) == 0:
                    members[index] = (name, draw(st.sampled_from(seen)))
                else:
                    visit(child)

    for node in nodes:
        visit(node)
    repeat_at_top = draw(st.booleans())
    if seen and repeat_at_top:
        nodes.append(draw(st.sampled_from(seen)))
    return nodes


# -- comparing what was written with what was read ---------------------------------------


class Canon:
    """A comparable form of values; objects numbered by first visit so sharing must match."""

    def __init__(self) -> None:
        self.ids: dict[int, int] = {}
        self.alive: list[Any] = []  # ids are only unique while the objects live (streaming frees them)

    def model(self, node: Any) -> Any:
        if isinstance(node, Prim):
            return self.value(node.expected) if node.expected != "nan" else ("float", "nan")
        if id(node) in self.ids:
            return ("ref", self.ids[id(node)])
        self.ids[id(node)] = len(self.ids)
        self.alive.append(node)
        payload: Any = None
        if isinstance(node.payload, Prim):
            # A <Nil/> payload and no payload both leave PSObject.payload None.
            payload = None if node.payload.expected is None else self.model(node.payload)
        elif node.payload is not None:
            kind, items = node.payload
            if kind == "DCT":
                payload = ("dict", [(self.model(k), self.model(v)) for k, v in items])
            else:
                payload = ("list", [self.model(i) for i in items])
        members = [(utf16_normal(n), self.model(v)) for n, v in node.props + node.ms]
        to_string = None if node.to_string is None else utf16_normal(node.to_string)
        return ("obj", node.type_names or (), to_string, members, payload)

    def value(self, value: Any) -> Any:
        if isinstance(value, PSObject):
            if id(value) in self.ids:
                return ("ref", self.ids[id(value)])
            self.ids[id(value)] = len(self.ids)
            self.alive.append(value)
            payload: Any = value.payload
            if isinstance(payload, list):
                payload = ("list", [self.value(i) for i in payload])
            elif isinstance(payload, dict):
                payload = ("dict", [(self.value(k), self.value(v)) for k, v in payload.items()])
            elif payload is not None:
                payload = self.value(payload)
            members = [(n, self.value(v)) for n, v in value.properties.items()]
            return ("obj", value.type_names, value.to_string, members, payload)
        if isinstance(value, float) and math.isnan(value):
            return ("float", "nan")
        if isinstance(value, datetime):
            return ("datetime", value, value.utcoffset())  # the same instant is not enough
        return (type(value).__name__, value)


@SETTINGS
@given(
    documents(),
    st.sampled_from(["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"]),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_written_values_read_back_equal(
    nodes: list[Any], encoding: str, newline: str, namespace: bool, indent: bool, upper_x: bool, eight: bool
) -> None:
    text = Writer(Style(namespace, indent, upper_x, eight)).document(nodes).replace("\n", newline)
    boms = {
        "utf-8": b"",
        "utf-8-bom": b"\xef\xbb\xbf",
        "utf-16-le-bom": b"\xff\xfe",
        "utf-16-be-bom": b"\xfe\xff",
    }
    codec = {"utf-8-bom": "utf-8", "utf-16-le-bom": "utf-16-le", "utf-16-be-bom": "utf-16-be"}.get(
        encoding, encoding
    )
    data = boms[encoding] + text.encode(codec)
    canon_model = Canon()
    expected = [canon_model.model(n) for n in nodes]
    doc = read_bytes(data, "written.xml")
    canon_read = Canon()
    assert [canon_read.value(v) for v in doc.objects] == expected
    assert doc.encoding == encoding

    # The streaming reader gives the same values.
    handle, name = tempfile.mkstemp(suffix=".xml")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        streamed = read(name, stream=True)
        canon_stream = Canon()
        assert [canon_stream.value(v) for v in streamed.objects] == expected
    finally:
        os.unlink(name)


@SETTINGS
@given(st.lists(st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=20), max_size=5))
def test_strings_written_by_psrpcore_read_back(values: list[str]) -> None:
    """psrpcore writes lone surrogates raw (invalid XML), so those are left to our writer."""
    from psrpcore.types import serialize_clixml

    no_cipher: Any = None  # only PSRP session values need one
    text = serialize_clixml(values, no_cipher)
    doc = read_bytes(text.encode("utf-8", "surrogatepass"))
    assert doc.objects == [utf16_normal(v) for v in values]


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_exotls_errors(data: bytes) -> None:
    for candidate in (data, b"<Objs>" + data, b'<Objs Version="1.1.0.1">' + data + b"</Objs>"):
        with contextlib.suppress(ExotlsError):
            read_bytes(candidate)


_SEEDS = [p.read_bytes() for p in sorted(FIXTURES.glob("*")) if p.suffix in (".xml", ".txt")]


@SETTINGS
@given(
    st.sampled_from(_SEEDS),
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=6)), min_size=1, max_size=4),
    st.integers(0, 2),
)
def test_mutated_fixtures_only_raise_exotls_errors(
    seed: bytes, edits: list[tuple[int, bytes]], mode: int
) -> None:
    data = bytearray(seed)
    for position, patch in edits:
        at = position % (len(data) + 1)
        if mode == 0:
            data[at : at + len(patch)] = patch  # overwrite
        elif mode == 1:
            data[at:at] = patch  # insert
        else:
            del data[at : at + len(patch) + 1]  # delete
    try:
        doc = read_bytes(bytes(data))
    except ExotlsError:
        return
    assert isinstance(doc.objects, list)
