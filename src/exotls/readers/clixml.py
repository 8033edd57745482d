"""CLIXML reader: ``Export-Clixml`` files and ``#< CLIXML`` streams to neutral values.

Safety first: lxml is given a hardened parser (no entities, no network, no DTD, no
XInclude ever), and any DOCTYPE is refused with ``UnsafeInputError`` because
PowerShell never writes one: the prolog (the only place a DOCTYPE takes effect) is
checked before parsing, and a DOCTYPE anywhere else, which makes the XML invalid, is
still named as such. That blocks XXE and billion-laughs up front. Values are mapped by
the walker in ``_clixml_walk`` (MS-PSRP 2.2.5; see its docstring for the choices made).

Two entry points: ``read_clixml`` for a decoded file held in memory, and
``stream_clixml_file`` for large plain files, read one top-level object at a time.

libxml2 refuses a single text or attribute longer than 10 MB unless ``huge_tree`` is
set. The first parse runs without it; only when that exact limit is hit is the same
input parsed again with it. That is safe here because a DOCTYPE was already refused (no
entity can amplify anything) and the walker bounds nesting itself, so memory stays
proportional to the file. XML nesting deeper than 256 elements stays an error.
"""

from __future__ import annotations

import codecs
import gc
import heapq
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from lxml import etree

from exotls.errors import ExotlsError, ReadError, UnsafeInputError
from exotls.readers._clixml_walk import SKIP, Context, local_name, make_walker
from exotls.readers.encoding import Decoded
from exotls.readers.jsonable import to_jsonable
from exotls.readers.sniff import is_warning_line, strip_ansi
from exotls.readers.values import Document, Format, PSObject

__all__ = ["hardened_parser", "read_clixml", "stream_clixml_file", "to_jsonable"]


def hardened_parser(huge: bool = False, *, drop_indent: bool = False) -> etree.XMLParser:
    """The parser settings PowerShell's own reader is close to: no entities, no DTD, no
    network, comments and processing instructions dropped. iterparse gets the same.

    ``drop_indent`` drops the white space between elements (the two-space indent):
    half of a pretty-printed tree's nodes, never a value (libxml2 keeps white space that
    is an element's only content, so ``<S>  </S>`` stays two spaces).
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=drop_indent,
    )


_CHUNK = 1 << 20
Chunks = Callable[[], Iterator[bytes]]  # a re-startable source of bytes for lxml
_DOCTYPE = "<!DOCTYPE"
_DOCTYPE_REASON = "DOCTYPE is not allowed: PowerShell never writes one"

# Encodings whose original bytes lxml reads exactly as ``decode`` did (BOM or plain UTF-8):
# label -> (BOM the bytes must start with, codec).
_FAST: dict[str, tuple[bytes, str]] = {
    "utf-8": (b"", "utf-8"),
    "utf-8-bom": (codecs.BOM_UTF8, "utf-8"),
    "utf-16-le-bom": (codecs.BOM_UTF16_LE, "utf-16-le"),
    "utf-16-be-bom": (codecs.BOM_UTF16_BE, "utf-16-be"),
}

# A "#< CLIXML" header line (Windows PowerShell -OutputFormat xml, or redirected stderr).
_HEADER = re.compile(r"(?<![^\r\n])[ \t]*#< CLIXML[ \t]*(?:\r\n|\r|\n)?")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|\Z)")
_XML_DECL = re.compile(r"\s*<\?xml[^>]*\?>")
_ROOT_NS = re.compile(r'\s*<Objs\b[^>]*?(\sxmlns="http://schemas\.microsoft\.com/powershell/2004/04")')
_LINE_SUFFIX = re.compile(r",? line \d+, column \d+\s*(?:\(.*\))?\s*$")

# What a record's S attribute means in a stream; anything else counts as output.
_STREAMS = {
    "error": "error",
    "warning": "warning",
    "progress": "skip",
    "verbose": "skip",
    "debug": "skip",
    "information": "skip",
}


def _breaks(text: str, start: int, end: int) -> int:
    """Line breaks (CRLF, CR or LF) in ``text[start:end]``, counted as libxml2 counts lines."""
    lf = text.count("\n", start, end)
    cr = text.count("\r", start, end)
    return lf + cr - text.count("\r\n", start, end)


def _first_error(err: etree.XMLSyntaxError) -> tuple[str, int | None, int | None]:
    """(message, line, libxml2 error code) of the first error: the cause, not a consequence.

    A feed parser raises at ``close()`` with "no element found" while the log holds what
    really went wrong earlier (an undefined entity, a resource limit).
    """
    entries = cast("Iterable[Any]", err.error_log)  # the stubs do not say it iterates
    for entry in entries:
        return entry.message, entry.line or None, entry.type
    return str(err.msg or err), err.lineno or None, getattr(err, "code", None)


def _syntax_error(err: etree.XMLSyntaxError) -> ReadError:
    message, line, _ = _first_error(err)
    msg = _LINE_SUFFIX.sub("", message).strip()
    if "Excessive depth" in msg:
        msg = "XML is nested more than 256 elements deep: PowerShell never writes that"
    else:
        msg = f"not well-formed XML: {msg}"
    return ReadError(msg, line=line)


def _feed(chunks: Chunks, huge: bool) -> Any:
    etree.clear_error_log()  # lxml keeps one log per thread; this parse's errors come first
    parser = hardened_parser(huge, drop_indent=True)
    for chunk in chunks():
        parser.feed(chunk)
    return parser.close()


def _parse(chunks: Chunks) -> Any:
    """Parse with the hardened parser; see the module docstring for the one retry.

    The input comes in 1 MB pieces: a single copy of a large file costs more than the
    parse itself on some machines (fresh pages), and pieces let the namespace and the
    XML declaration be changed without copying the rest.
    """
    try:
        return _feed(chunks, huge=False)
    except etree.XMLSyntaxError as err:
        message, _, code = _first_error(err)
        if code != etree.ErrorTypes.ERR_RESOURCE_LIMIT or "depth" in message:
            raise _syntax_error(err) from None
    try:
        return _feed(chunks, huge=True)
    except etree.XMLSyntaxError as err:
        raise _syntax_error(err) from None


def _objs_version(root: Any) -> int:
    """Check the root and return the minor version (unknown tags are skipped above 1)."""
    local = local_name(root.tag)
    if local != "Objs":
        raise ReadError(
            f"root element is <{local}>, expected <Objs> (a CLIXML document)", line=root.sourceline
        )
    text = root.get("Version")
    if text is None:
        return 1
    parts = text.strip().split(".")
    # isascii: str.isdigit() is also true for digits int() refuses, such as "²".
    if not all(part.isascii() and part.isdigit() for part in parts) or not 1 <= len(parts) <= 4:
        raise ReadError(f'<Objs Version="{text}"> is not a version number', line=root.sourceline)
    if int(parts[0]) != 1:
        raise ReadError(
            f'<Objs Version="{text}">: only CLIXML major version 1 exists; this is not a file PowerShell wrote',
            line=root.sourceline,
        )
    return int(parts[1]) if len(parts) > 1 else 0


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, PSObject):
        return value.to_string if value.to_string is not None else repr(value)
    return "" if value is None else str(value)


def _top(child: Any, value: Any, doc: Document) -> Any:
    """One child of ``Objs``: a value, or SKIP when it belongs to a non-output stream."""
    stream = child.get("S")
    if stream is None:
        return value(child, 0)
    action = _STREAMS.get(stream.casefold(), "output")
    if action == "skip":
        return SKIP
    item = value(child, 0)
    if action == "error":
        doc.stream_errors.append(_as_text(item))
        return SKIP
    if action == "warning":
        doc.warnings.append(f"PowerShell warning stream: {_as_text(item)}")
        return SKIP
    return item


def _read_root(root: Any, doc: Document) -> None:
    if root.getroottree().docinfo.doctype:
        raise UnsafeInputError(_DOCTYPE_REASON, line=1)
    ctx = Context()
    ctx.skip_unknown = _objs_version(root) > 1
    value = make_walker(ctx)
    objects = doc.objects
    for child in root:
        item = _top(child, value, doc)
        if item is not SKIP:
            objects.append(item)


def _content_start(text: str) -> tuple[int, int]:
    """Skip blank and ``WARNING:`` lines in front; return (offset, line breaks skipped)."""
    pos = 0
    lines = 0
    while pos < len(text):
        match = _LINE.match(text, pos)
        if match is None or match.end() == pos:
            break
        line = match.group(0)
        if strip_ansi(line).strip().lstrip("\ufeff").strip() and not is_warning_line(line):
            break
        pos = match.end()
        lines += 1
    return pos, lines


def _blank_ns(head: str) -> str:
    """Blank out the root's default PowerShell namespace (same length, same lines).

    Tags then come back from lxml as ``Obj`` instead of ``{http://...}Obj``, which is
    faster to parse and to read; the walker compares local names either way.
    """
    match = _ROOT_NS.match(head)
    if match is None:
        return head
    return head[: match.start(1)] + " " * len(match.group(1)) + head[match.end(1) :]


def _byte_chunks(data: bytes, text: str, codec: str, bom: bytes) -> Chunks:
    """The original bytes in pieces, the namespace blanked in the first piece."""
    head = text[: text.find(">") + 1] if ">" in text[: _CHUNK // 4] else ""
    fixed = _blank_ns(head)
    first = bom + fixed.encode(codec) if fixed != head else b""
    skip = len(first)

    def chunks() -> Iterator[bytes]:
        view = memoryview(data)
        if first:
            yield first
        for start in range(skip, len(data), _CHUNK):
            yield bytes(view[start : start + _CHUNK])

    return chunks


def _escape_nonchars(text: str) -> str:
    """U+FFFE and U+FFFF as PowerShell escapes. PowerShell writes them raw (it escapes only
    controls, surrogates and ``_x``, and its own reader does not check characters), but
    XML forbids them; every text they can sit in is unescaped again by the walker."""
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _text_chunks(text: str, start: int, end: int, nonchars: bool) -> Chunks:
    """UTF-8 pieces of ``text[start:end]``, padded with newlines so lxml's line numbers
    match the file, without an XML declaration (its encoding label would no longer match
    the bytes) and with the namespace blanked."""
    head_end = min(end, start + _CHUNK)
    head = text[start:head_end]
    decl = _XML_DECL.match(head)
    if decl is not None:
        head = "\n" * _breaks(head, 0, decl.end()) + head[decl.end() :]
    head = "\n" * _breaks(text, 0, start) + _blank_ns(head)

    def chunks() -> Iterator[bytes]:
        rest = (text[pos : min(end, pos + _CHUNK)] for pos in range(head_end, end, _CHUNK))
        for piece in itertools.chain((head,), rest):
            yield (_escape_nonchars(piece) if nonchars else piece).encode("utf-8", "surrogatepass")

    return chunks


def _inputs(decoded: Decoded, nonchars: bool = False) -> tuple[Format, list[tuple[int, Chunks]]]:
    """What to give lxml, per XML block: where the block starts in the text, and its
    bytes; the original bytes when lxml reads them exactly as they were decoded.
    ``nonchars`` escapes U+FFFE and U+FFFF (see ``_escape_nonchars``)."""
    text = decoded.text
    fast = _FAST.get(decoded.encoding)
    plain = text[:1] == "<" and not text.startswith("<?xml") and not nonchars
    if fast is not None and plain and decoded.data.startswith(fast[0]):
        return "clixml", [(0, _byte_chunks(decoded.data, text, fast[1], fast[0]))]
    start, _ = _content_start(text)
    headers = list(_HEADER.finditer(text, start))
    if not headers or headers[0].start() != start:
        return "clixml", [(start, _text_chunks(text, start, len(text), nonchars))]
    blocks = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        if text[header.end() : end].strip():
            blocks.append((header.end(), _text_chunks(text, header.end(), end, nonchars)))
    return "clixml-stream", blocks


def _prolog_end(text: str, pos: int) -> int:
    """Where the root element starts, walking the prolog as XML defines it.

    A DOCTYPE can only take effect in the prolog (white space, comments, processing
    instructions, the XML declaration); anywhere else it is a syntax error. So only the
    prolog needs searching before the parse, not the whole file.
    """
    while True:
        while pos < len(text) and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if text.startswith("<?", pos):
            closing = "?>"
        elif text.startswith("<!--", pos):
            closing = "-->"
        else:
            return pos
        end = text.find(closing, pos)
        if end == -1:
            return pos
        pos = end + len(closing)


def _refuse_doctype(text: str, start: int, path: str, anywhere: bool = False) -> None:
    pos = text.find(_DOCTYPE, start) if anywhere else _prolog_end(text, start)
    if pos != -1 and text.startswith(_DOCTYPE, pos):
        raise UnsafeInputError(_DOCTYPE_REASON, path=path, line=_breaks(text, 0, pos) + 1)


def read_clixml(decoded: Decoded, path: str) -> Document:
    """Read a whole CLIXML document (or ``#< CLIXML`` stream) into a ``Document``."""
    fmt, blocks = _inputs(decoded)
    for start, _chunks in blocks:
        _refuse_doctype(decoded.text, start, path)
    doc = Document(
        path=path,
        format=fmt,
        encoding=decoded.encoding,
        objects=[],
        newline=decoded.newline,
        warnings=list(decoded.warnings),
    )
    # The walk makes many containers that all stay alive and no garbage cycles, so the
    # cyclic collector would only rescan them again and again (about 15% of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            for _start, chunks in blocks:
                _read_root(_parse(chunks), doc)
        except ReadError as err:
            text = decoded.text
            if "not well-formed" not in err.reason or ("\ufffe" not in text and "\uffff" not in text):
                raise
            doc.objects.clear()
            doc.stream_errors.clear()
            doc.warnings[:] = decoded.warnings
            for _start, chunks in _inputs(decoded, nonchars=True)[1]:
                _read_root(_parse(chunks), doc)
    except ExotlsError as err:
        # A DOCTYPE outside the prolog made the XML invalid; still name it for what it is.
        _refuse_doctype(decoded.text, 0, path, anywhere=True)
        raise err.at(path) from None
    finally:
        if collecting:
            gc.enable()
    return doc


# ---------------------------------------------------------------------------------------
# Streaming

_HUGE_GAP = 2_000_000  # characters between two "<": below libxml2's 10 MB limit even at 4 bytes each
_STREAM_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-bom"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le-bom"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be-bom"),
)
_STREAM_HEAD = re.compile(r"\s*<Objs[\s>/]")
# A <Ref ...> start tag: a literal prefix, so the regex engine can skip ahead fast; the
# RefId is then read from the tag alone. Quoted values are skipped whole.
_REF_TAG = re.compile(r"<Ref[\s/>](?:[^>\"']|\"[^\"]*\"|'[^']*')*")
_REF_ID = re.compile(r"\sRefId\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


class _Scan:
    """What one cheap pass over the text learnt before streaming it."""

    __slots__ = ("crlf", "doctype_line", "huge", "keep_all", "lf", "lone_cr", "nonchars", "ref_lines")

    def __init__(self) -> None:
        self.ref_lines: dict[str, int] = {}  # RefId -> last line (rounded up) a <Ref> uses it
        self.crlf = self.lf = self.lone_cr = 0
        self.doctype_line: int | None = None
        self.huge = False  # some text or attribute may pass libxml2's 10 MB limit
        self.keep_all = False  # the uses could not all be read: keep every object
        self.nonchars = False  # U+FFFE or U+FFFF seen: lxml cannot take the bytes as they are

    @property
    def newline(self) -> str:
        kinds = [
            name for name, count in (("crlf", self.crlf), ("lf", self.lf), ("cr", self.lone_cr)) if count
        ]
        if not kinds:
            return "none"
        return kinds[0] if len(kinds) == 1 else "mixed"


class _Sniffed:
    """How to stream a file: its codec, encoding label, BOM length and patched first bytes."""

    __slots__ = ("codec", "head", "label", "skip")

    def __init__(self, codec: str, label: str, skip: int, head: bytes) -> None:
        self.codec = codec
        self.label = label
        self.skip = skip
        self.head = head


def _sniff(head: bytes) -> _Sniffed | None:
    """Say how to stream the file when it is plain CLIXML lxml can read as it is."""
    codec, label, skip = "utf-8", "utf-8", 0
    for bom, bom_codec, bom_label in _STREAM_BOMS:
        if head.startswith(bom):
            codec, label, skip = bom_codec, bom_label, len(bom)
            break
    else:
        if b"\x00" in head:
            return None  # UTF-16 without a BOM: lxml would guess; the whole read decides
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(head[skip:])
    if not _STREAM_HEAD.match(text):
        return None
    patched = head
    end = text.find(">")
    if end != -1:
        root_tag = text[: end + 1]
        fixed = _blank_ns(root_tag)
        if fixed != root_tag:
            patched = head[:skip] + fixed.encode(codec) + head[skip + len(root_tag.encode(codec)) :]
    return _Sniffed(codec, label, skip, patched)


class _PatchedHead:
    """A file whose first bytes are replaced (the namespace blanked, same length)."""

    def __init__(self, handle: Any, head: bytes) -> None:
        self._handle = handle
        self._head = head
        handle.seek(len(head))

    def read(self, size: int = -1) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        data: bytes = self._handle.read(size)
        return data


def _ref_ids(pattern: re.Pattern[str], seg: str, table: dict[str, int], line: int) -> bool:
    """Record the ids a segment's Ref tags use; False when one cannot be read plainly."""
    for match in pattern.finditer(seg):
        found = _REF_ID.search(match.group(0))
        if found is None:
            continue
        rid = found.group(1) if found.group(1) is not None else found.group(2)
        if "&" in rid:
            return False  # a character reference hides the real id
        table[rid] = line
    return True


def _scan_segment(scan: _Scan, seg: str, line: int, gap: int) -> tuple[int, int]:
    """Scan decoded text for Ref uses, DOCTYPE, newline kinds and long runs without '<'.

    Every use in a segment is dated to the segment's last line: later than the truth,
    so an object is only ever released late, never early.
    """
    where = seg.find(_DOCTYPE)
    if where != -1:
        scan.doctype_line = line + _breaks(seg, 0, where)
        return line, gap
    scan.nonchars = scan.nonchars or "\ufffe" in seg or "\uffff" in seg
    lf = seg.count("\n")
    crlf = seg.count("\r\n")
    scan.crlf += crlf
    scan.lf += lf - crlf
    scan.lone_cr += seg.count("\r") - crlf
    line += lf
    if not _ref_ids(_REF_TAG, seg, scan.ref_lines, line) or ":Ref" in seg:
        scan.keep_all = True  # an entity in an id, or a prefixed tag the patterns do not see
    first = seg.find("<")
    if first == -1:
        gap += len(seg)
    else:
        scan.huge = scan.huge or gap + first > _HUGE_GAP
        gap = len(seg) - seg.rfind("<")
    scan.huge = scan.huge or gap > _HUGE_GAP or len(seg) > _HUGE_GAP
    return line, gap


def _prescan(path: str, codec: str, skip: int) -> _Scan | None:
    """One pass over the file in 1 MB chunks; None when its bytes do not decode."""
    scan = _Scan()
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    carry = ""
    line, gap = 1, 0
    with open(path, "rb") as handle:
        handle.seek(skip)
        while True:
            chunk = handle.read(_CHUNK)
            final = not chunk
            try:
                text = carry + decoder.decode(chunk, final=final)
            except UnicodeDecodeError:
                return None
            cut = len(text)
            if not final:
                # Keep an unfinished tag and a trailing CR for the next round.
                lt = text.rfind("<")
                if lt != -1 and text.find(">", lt) == -1:
                    cut = lt
                if cut and text[cut - 1] == "\r":
                    cut -= 1
            line, gap = _scan_segment(scan, text[:cut], line, gap)
            if scan.doctype_line is not None:
                return scan
            carry = text[cut:]
            if final:
                break
    return scan


def stream_clixml_file(path: str) -> Document | None:
    """Stream a plain CLIXML file: ``objects`` is an iterator, one top-level value at a time.

    Returns None when the file is not plain CLIXML that lxml can stream as it is (a
    ``#< CLIXML`` stream, a preamble, an XML declaration, UTF-16 without a BOM, bytes
    that are not UTF-8, U+FFFE or U+FFFF in a value): the caller then reads the file
    whole. One cheap pass first
    learns which RefIds a ``<Ref>`` uses, and the last line that uses each, so only
    those objects are kept, and only until that line has been read. Type-name lists
    (``<TN>``) are all kept: PowerShell writes each one once and reuses it by TNRef.
    The returned ``objects`` is an iterator although ``Document.objects`` is typed as
    a list: iterate it once.
    """
    with open(path, "rb") as handle:
        head = handle.read(8192)
    sniffed = _sniff(head)
    if sniffed is None:
        return None
    scan = _prescan(path, sniffed.codec, sniffed.skip)
    if scan is None or scan.nonchars:
        return None
    if scan.doctype_line is not None:
        raise UnsafeInputError(_DOCTYPE_REASON, path=path, line=scan.doctype_line)
    doc = Document(path=path, format="clixml", encoding=sniffed.label, objects=[], newline=scan.newline)
    doc.objects = cast("list[Any]", _stream_objects(path, scan, sniffed.head, doc))
    return doc


def _stream_objects(path: str, scan: _Scan, head: bytes, doc: Document) -> Iterator[Any]:
    try:
        yield from _stream_values(path, scan, head, doc)
    except ExotlsError as err:
        raise err.at(path) from None
    except etree.XMLSyntaxError as err:
        raise _syntax_error(err).at(path) from None
    except OSError as err:
        raise ReadError(f"cannot read file: {err.strerror or err}", path=path) from None
    except RecursionError:
        raise ReadError("nesting is too deep to read", path=path) from None


def _stream_values(path: str, scan: _Scan, head: bytes, doc: Document) -> Iterator[Any]:
    keep = None if scan.keep_all else set(scan.ref_lines)
    ctx = Context(keep)
    value = make_walker(ctx)
    # (last line a Ref uses the id, id): once parsing has passed that line the object can
    # go. Lines only mean that when libxml2 and the scan count them alike (no lone CR).
    drops: list[tuple[int, str]] = []
    if keep is not None and not scan.lone_cr:
        drops = [(line, rid) for rid, line in scan.ref_lines.items()]
        heapq.heapify(drops)

    root: Any = None
    # lxml keeps one error log per thread; clearing it whenever parsing resumes means
    # its first entry is the cause of an error here, not a leftover of another parse.
    etree.clear_error_log()
    with open(path, "rb") as handle:
        events = etree.iterparse(
            _PatchedHead(handle, head),
            events=("end",),
            tag=("{*}Obj", "{*}Objs"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=scan.huge,
            remove_comments=True,
            remove_pis=True,
            remove_blank_text=True,
        )
        for _event, el in events:
            if root is None:
                root = el.getroottree().getroot()
                if root.getroottree().docinfo.doctype:
                    raise UnsafeInputError(_DOCTYPE_REASON, line=1)
                ctx.skip_unknown = _objs_version(root) > 1
            if el is not root and el.getparent() is not root:
                continue
            # Every child of the root up to this one is complete: take them in order.
            while len(root):
                child = root[0]
                start = child.sourceline or 0
                while drops and drops[0][0] < start:
                    rid = heapq.heappop(drops)[1]
                    ctx.refs.pop(rid, None)
                    keep.discard(rid)  # type: ignore[union-attr]  # drops is empty when keep is None
                item = _top(child, value, doc)
                child.clear()
                del root[0]
                if item is not SKIP:
                    yield item
                    etree.clear_error_log()
                if child is el:
                    break
