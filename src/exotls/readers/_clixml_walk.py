"""The CLIXML tree walker: lxml elements to neutral values (MS-PSRP 2.2.5).

Shared by the whole-file reader and the streaming reader. Written for speed: tags are
looked up in two dicts (primitive converters, structural kinds), names are decoded once
per distinct ``N`` and cached, and an exception handler only costs when it fires.

Choices worth knowing (formats.md a.3, a.4, a.6):

* Object nesting is bounded by ``MAX_DEPTH`` (64) levels: PowerShell itself stops at 50
  below the top, so a deeper file was not written by PowerShell. Each ``Obj``, bare
  ``LST``/``DCT`` and nested ``<MS N="...">`` property set is one level.
* ``Props`` then ``MS`` fill ``PSObject.properties``; a later duplicate name wins. A
  nested ``<MS N="x">`` (a property set) becomes a ``PSObject`` with no type names.
* ``<Ref>``/``<TNRef>`` must name a RefId defined earlier in the document; a duplicate
  RefId is allowed and the later definition wins, as PowerShell does for old documents.
* Dictionary keys are matched by ``N="Key"``/``N="Value"``; a later duplicate key wins.
  Every value this reader makes is hashable (``PSObject`` by identity) except a bare
  ``<LST>``/``<DCT>`` (never written by PowerShell, which wraps them in ``<Obj>``);
  such a key is turned into a tuple (of items, or of ``(key, value)`` pairs).
* Unknown elements are skipped when the document's minor version is above 1 (as
  PowerShell does) and are a ``ReadError`` otherwise.
* ``<BA N="SerializationData">`` (Exchange's BinaryFormatter blob) becomes an
  ``OpaqueData`` marker and its text is never taken out of lxml: formats.md a.6 says
  never to decode it, and merely copying it out was 13% of the walk over a real export
  (base64-decoding it had been a quarter of the read time). Every other ``<BA>``
  becomes ``bytes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exotls.errors import ReadError
from exotls.readers._clixml_prims import BAD_VALUE, PRIMITIVES, WHAT, Converter, to_string
from exotls.readers.psescape import decode_ps
from exotls.readers.values import OpaqueData, PSObject

__all__ = ["MAX_DEPTH", "PS_NAMESPACE", "SKIP", "Context", "local_name", "make_walker"]

PS_NAMESPACE = "http://schemas.microsoft.com/powershell/2004/04"
MAX_DEPTH = 64

# Returned for an element skipped as unknown (documents with minor version > 1).
SKIP: Any = object()

(_OBJ, _REF, _LIST, _DICT, _PROGRESS, _TN, _TNREF, _TOSTRING, _PROPS, _MS, _EN) = range(1, 12)
_LOCAL_KINDS = {
    "Obj": _OBJ,
    "Ref": _REF,
    "LST": _LIST,
    "IE": _LIST,
    "STK": _LIST,
    "QUE": _LIST,
    "DCT": _DICT,
    "PR": _PROGRESS,
    "TN": _TN,
    "TNRef": _TNREF,
    "ToString": _TOSTRING,
    "Props": _PROPS,
    "MS": _MS,
    "En": _EN,
}
_VALUE_KINDS = frozenset((_OBJ, _REF, _LIST, _DICT, _PROGRESS))

# Full tag (namespaced or not) -> converter or kind; other namespaces are learnt on first sight.
_PRIM: dict[str, Converter] = {}
_KIND: dict[str, int] = {}
for _prefix in ("", "{" + PS_NAMESPACE + "}"):
    _PRIM.update({_prefix + local: conv for local, conv in PRIMITIVES.items()})
    _KIND.update({_prefix + local: kind for local, kind in _LOCAL_KINDS.items()})
_LEARN_LIMIT = 4096  # keep the learnt-tag tables bounded whatever tags a hostile file invents

# A progress record's children, as powershell.exe writes them on a redirected stderr
# (formats.md a.1; not in MS-PSRP's value list): tag -> ProgressRecord property.
_INT = PRIMITIVES["I32"]
_PROGRESS_FIELDS: dict[str, tuple[str, Converter]] = {
    "AV": ("Activity", to_string),
    "AI": ("ActivityId", _INT),
    "S": ("CurrentOperation", to_string),
    "Nil": ("CurrentOperation", PRIMITIVES["Nil"]),
    "PI": ("ParentActivityId", _INT),
    "PC": ("PercentComplete", _INT),
    "T": ("RecordType", to_string),
    "SR": ("SecondsRemaining", _INT),
    "SD": ("StatusDescription", to_string),
}
_PROGRESS_TYPE = ("System.Management.Automation.ProgressRecord", "System.Object")

_NAME_CACHE_LIMIT = 100_000
_SERIALIZATION_DATA = OpaqueData("SerializationData")
# <B> as PowerShell writes it, read without a call; other forms go through PRIMITIVES["B"].
_FLAGS = {"true": True, "false": False}


def local_name(tag: object) -> str:
    """``{ns}Obj`` -> ``Obj``; non-element nodes get a readable placeholder."""
    if not isinstance(tag, str):
        return "(non-element node)"
    return tag.rpartition("}")[2]


def _classify(tag: object) -> tuple[Converter | None, int | None]:
    """Map a tag from another namespace by its local name; ``(None, None)`` when unknown."""
    if not isinstance(tag, str):
        return None, None
    local = local_name(tag)
    conv = PRIMITIVES.get(local)
    kind = _LOCAL_KINDS.get(local)
    if len(_PRIM) + len(_KIND) < _LEARN_LIMIT:
        if conv is not None:
            _PRIM[tag] = conv
        elif kind is not None:
            _KIND[tag] = kind
    return conv, kind


class Context:
    """Per-document state: the RefId tables and what to keep in them.

    ``keep`` (streaming) names the RefIds some ``<Ref>`` uses; other objects are not
    registered, so memory stays flat. ``None`` keeps everything.
    """

    __slots__ = ("keep", "refs", "skip_unknown", "tns")

    def __init__(self, keep: set[str] | None = None) -> None:
        self.refs: dict[str, PSObject] = {}
        self.tns: dict[str, tuple[str, ...]] = {}
        self.keep = keep
        self.skip_unknown = False


def _bad_value(el: Any, err: Exception) -> ReadError:
    local = local_name(el.tag)
    text = el.text or ""
    shown = text if len(text) <= 60 else text[:57] + "..."
    what = WHAT.get(local, local)
    return ReadError(f"<{local}> value {shown!r} is not a valid {what} ({err})", line=el.sourceline)


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(item) for item in key)
    if isinstance(key, dict):
        return tuple((k, _hashable(v)) for k, v in key.items())
    return key


def make_walker(ctx: Context) -> Callable[[Any, int], Any]:
    """Return ``value(element, depth)``; closures keep the hot loops free of attribute lookups."""
    prim = _PRIM
    kinds = _KIND
    refs = ctx.refs
    tns = ctx.tns
    keep = ctx.keep
    names: dict[str | None, str] = {}
    interned: dict[tuple[str, ...], tuple[str, ...]] = {}
    bad = BAD_VALUE
    base64 = PRIMITIVES["BA"]

    def unknown(el: Any, where: str) -> Any:
        if ctx.skip_unknown:
            return SKIP
        raise ReadError(f"unknown element <{local_name(el.tag)}> {where}", line=el.sourceline)

    def name_of(el: Any) -> str | None:
        """The decoded N of a property; None when the element is an unknown one to skip."""
        raw = el.get("N")
        if raw is None:
            tag = el.tag
            if prim.get(tag) is None and kinds.get(tag) is None and _classify(tag) == (None, None):
                unknown(el, "where a property was expected")
                return None
            raise ReadError(f"property element <{local_name(tag)}> has no N attribute", line=el.sourceline)
        name = decode_ps(raw)
        if len(names) < _NAME_CACHE_LIMIT:
            names[raw] = name
        return name

    def value(el: Any, depth: int) -> Any:
        tag = el.tag
        conv = prim.get(tag)
        kind = None
        if conv is None:
            kind = kinds.get(tag)
            if kind is None:
                conv, kind = _classify(tag)
        if conv is not None:
            if len(el):
                raise _not_text(el)
            try:
                return conv(el.text)
            except bad as err:
                raise _bad_value(el, err) from None
        if kind == _OBJ:
            return obj(el, depth + 1)
        if kind == _REF:
            found = refs.get(el.get("RefId"))
            if found is None:
                raise _dangling("Ref", el)
            return found
        if kind == _LIST:
            return items(el, depth + 1)
        if kind == _DICT:
            return entries(el, depth + 1)
        if kind == _PROGRESS:
            return progress(el)
        return unknown(el, "where a value was expected")

    def members(container: Any, props: dict[str, Any], lines: dict[str, int], depth: int) -> None:
        for p in container:
            name = names.get(p.get("N"))
            if name is None:
                name = name_of(p)
                if name is None:
                    continue
            tag = p.tag
            if tag == "S":
                # Plain tags (the namespace is blanked before parsing) take a fast path for
                # the commonest elements; everything else goes through the tables.
                text = p.text
                if len(p):
                    raise _not_text(p)
                if text is None:
                    props[name] = ""
                elif "_x" in text or "_X" in text:
                    props[name] = decode_ps(text)
                else:
                    props[name] = text
            elif tag == "B" and len(p) == 0 and (flag := _FLAGS.get(p.text)) is not None:
                props[name] = flag
            elif tag == "Obj":
                # The object's own line is this property's line: no second sourceline call.
                child = obj(p, depth + 1)
                props[name] = child
                lines[name] = child.line  # type: ignore[assignment]  # lxml lines are ints
                continue
            else:
                conv = prim.get(tag)
                if conv is not None:
                    if len(p):
                        raise _not_text(p)
                    if conv is base64 and name == "SerializationData":
                        props[name] = _SERIALIZATION_DATA
                    else:
                        try:
                            props[name] = conv(p.text)
                        except bad as err:
                            raise _bad_value(p, err) from None
                elif (kinds.get(tag) or _classify(tag)[1]) == _MS:
                    props[name] = property_set(p, depth + 1)
                else:
                    v = value(p, depth)
                    if v is SKIP:
                        continue
                    props[name] = v
            lines[name] = p.sourceline

    def property_set(el: Any, depth: int) -> PSObject:
        if depth > MAX_DEPTH:
            raise _too_deep(el)
        ps = PSObject(line=el.sourceline)
        lines: dict[str, int] = {}
        members(el, ps.properties, lines, depth)
        ps.lines = lines
        return ps

    def items(el: Any, depth: int) -> list[Any]:
        if depth > MAX_DEPTH:
            raise _too_deep(el)
        out = [value(child, depth) for child in el]
        if ctx.skip_unknown:
            out = [item for item in out if item is not SKIP]
        return out

    def entries(el: Any, depth: int) -> dict[Any, Any]:
        if depth > MAX_DEPTH:
            raise _too_deep(el)
        out: dict[Any, Any] = {}
        for en in el:
            if (kinds.get(en.tag) or _classify(en.tag)[1]) != _EN:  # kinds are never 0
                unknown(en, "in a <DCT> (expected <En>)")
                continue
            key: Any = SKIP
            val: Any = SKIP
            for part in en:
                which = part.get("N")
                if which == "Key":
                    key = value(part, depth)
                elif which == "Value":
                    val = value(part, depth)
                elif not ctx.skip_unknown:
                    raise ReadError(
                        f'dictionary entry child <{local_name(part.tag)}> has N="{which}", '
                        'expected N="Key" or N="Value"',
                        line=part.sourceline,
                    )
            if key is SKIP or val is SKIP:
                missing = "Key" if key is SKIP else "Value"
                raise ReadError(f'dictionary entry has no N="{missing}" element', line=en.sourceline)
            try:
                out[key] = val
            except TypeError:
                out[_hashable(key)] = val
        return out

    def progress(el: Any) -> PSObject:
        ps = PSObject(_PROGRESS_TYPE, line=el.sourceline)
        for child in el:
            field = _PROGRESS_FIELDS.get(local_name(child.tag))
            if field is None:
                unknown(child, "in a progress record <PR>")
                continue
            try:
                ps.properties[field[0]] = field[1](child.text)
            except bad as err:
                raise _bad_value(child, err) from None
        return ps

    def type_names(el: Any) -> tuple[str, ...]:
        names_t = tuple(to_string(t.text) for t in el)
        if len(interned) < _NAME_CACHE_LIMIT:
            names_t = interned.setdefault(names_t, names_t)
        rid = el.get("RefId")
        if rid is not None:
            tns[rid] = names_t
        return names_t

    def obj(el: Any, depth: int) -> PSObject:
        if depth > MAX_DEPTH:
            raise _too_deep(el)
        ps = PSObject(line=el.sourceline)
        rid = el.get("RefId")
        if rid is not None:
            ps.ref_id = rid
            if keep is None or rid in keep:
                refs[rid] = ps
        props = ps.properties
        lines: dict[str, int] = {}
        for child in el:
            tag = child.tag
            if tag == "Props" or tag == "MS":
                members(child, props, lines, depth)
                continue
            if tag == "TNRef":
                found = tns.get(child.get("RefId"))
                if found is None:
                    raise _dangling("TNRef", child)
                ps.type_names = found
                continue
            if tag == "ToString":
                text = child.text
                ps.to_string = (
                    "" if text is None else (decode_ps(text) if "_x" in text or "_X" in text else text)
                )
                continue
            kind = kinds.get(tag)
            conv = None
            if kind is None:
                conv = prim.get(tag)
                if conv is None:
                    conv, kind = _classify(tag)
            if kind in (_PROPS, _MS):
                members(child, props, lines, depth)
            elif kind == _TN:
                ps.type_names = type_names(child)
            elif kind == _TNREF:
                found = tns.get(child.get("RefId"))
                if found is None:
                    raise _dangling("TNRef", child)
                ps.type_names = found
            elif kind == _TOSTRING:
                ps.to_string = to_string(child.text)
            elif conv is not None:
                if len(child):
                    raise _not_text(child)
                try:
                    ps.payload = conv(child.text)
                except bad as err:
                    raise _bad_value(child, err) from None
            elif kind == _LIST:
                # The list or dict belongs to this object, so it does not add a level.
                ps.payload = items(child, depth)
            elif kind == _DICT:
                ps.payload = entries(child, depth)
            elif kind in _VALUE_KINDS:
                ps.payload = value(child, depth)
            else:
                unknown(child, "in an <Obj>")
        ps.lines = lines
        return ps

    return value


def _not_text(el: Any) -> ReadError:
    """A value element holding markup: PowerShell reads values as text only and fails here too.
    Reading the text around the markup would silently drop part of the value, and an
    ``xi:include`` there would look as if it had been honoured."""
    inner = el[0]
    return ReadError(
        f"<{local_name(el.tag)}> holds an element <{local_name(inner.tag)}>: a value holds only text "
        "(markup such as XInclude is never processed)",
        line=inner.sourceline or el.sourceline,
    )


def _dangling(what: str, el: Any) -> ReadError:
    return ReadError(f"{what} to RefId {el.get('RefId')} that was not defined before it", line=el.sourceline)


def _too_deep(el: Any) -> ReadError:
    return ReadError(
        f"objects are nested more than {MAX_DEPTH} levels deep (PowerShell stops at 50): "
        "not a PowerShell export",
        line=el.sourceline,
    )
