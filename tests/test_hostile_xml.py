"""XML attacks: refused, and provably no file read and no network touched.

What each test really proves:

* ``test_no_connection_reaches_a_live_listener``: a real TCP listener on 127.0.0.1 is the
  target of every external reference (entity, DTD, parameter entity, XInclude, a
  stylesheet PI). libxml2 connects from C, below Python's ``socket`` module, so only a
  listener that counts accepted connections can show it never connected. A control
  request with urllib shows the listener does see a connection when one is made. (The
  libxml2 in lxml 6 wheels, 2.14, has no HTTP client at all; other builds may.)
* ``test_no_file_is_opened_by_an_external_reference``: the references point at a FIFO.
  Opening a FIFO for reading blocks until a writer comes, so a reader that opened it
  would be seen by a thread polling with non-blocking writes (which only succeed while
  a reader waits). Nothing else can open that FIFO: the test made it in its own folder.
  Two controls show the watcher sees a Python open and libxml2's own open.
* ``test_python_sockets_blocked``: the issue's in-process check: ``socket.socket`` and
  ``socket.create_connection`` raise, and analyze still runs over the XXE fixtures and
  the shipped samples. It covers Python-level networking only (see the first test).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest

from exotls.errors import ExotlsError, ReadError, UnsafeInputError
from exotls.pipeline import analyze
from exotls.readers import read, read_bytes
from fuzz.guard import deadline

HOSTILE = Path(__file__).parent / "fixtures" / "hostile" / "clixml"
NS = 'Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"'
AS_OF = dt.date(2025, 6, 1)
EVENTS = (
    '<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
    '<Provider Name="Schannel" /><EventID>36880</EventID><Computer>EX01</Computer></System>'
    "<EventData><Data>{data}</Data></EventData></Event></Events>\r\n"
)


def attacks(url: str) -> dict[str, bytes]:
    """Every way an XML file can ask its parser to fetch ``url``."""
    body = f"<Objs {NS}>\r\n  <S>x</S>\r\n</Objs>\r\n"
    return {
        "entity.xml": f'<!DOCTYPE Objs [<!ENTITY e SYSTEM "{url}">]>\r\n<Objs {NS}><S>&e;</S></Objs>'.encode(),
        "dtd.xml": f'<!DOCTYPE Objs SYSTEM "{url}">\r\n{body}'.encode(),
        "public_dtd.xml": f'<!DOCTYPE Objs PUBLIC "-//X//EN" "{url}">\r\n{body}'.encode(),
        "param.xml": f'<!DOCTYPE Objs [<!ENTITY % p SYSTEM "{url}"> %p;]>\r\n{body}'.encode(),
        "decl_entity.xml": (
            f'<?xml version="1.0" encoding="utf-8"?>\r\n<!DOCTYPE Objs [<!ENTITY e SYSTEM "{url}">]>\r\n'
            f"<Objs {NS}><S>&e;</S></Objs>"
        ).encode(),
        "utf16_entity.xml": b"\xff\xfe"
        + f'<!DOCTYPE Objs [<!ENTITY e SYSTEM "{url}">]>\r\n<Objs {NS}><S>&e;</S></Objs>'.encode("utf-16-le"),
        "stream_entity.txt": (
            f'#< CLIXML\r\n<!DOCTYPE Objs [<!ENTITY e SYSTEM "{url}">]><Objs {NS}><S S="Output">&e;</S></Objs>'
        ).encode(),
        "xinclude.xml": (
            f'<Objs {NS} xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<xi:include href="{url}" parse="text"/></Objs>'
        ).encode(),
        "xinclude_in_value.xml": (
            f'<Objs {NS} xmlns:xi="http://www.w3.org/2001/XInclude"><Obj RefId="0"><Props>'
            f'<S N="Name"><xi:include href="{url}" parse="text"/></S></Props></Obj></Objs>'
        ).encode(),
        "stylesheet.xml": f'<?xml-stylesheet type="text/xsl" href="{url}"?>\r\n{body}'.encode(),
        # The usage reader's wevtutil XML (Schannel events) is a second XML parser: same attacks.
        "wevtutil_entity.xml": f'<!DOCTYPE Events [<!ENTITY e SYSTEM "{url}">]>\r\n{EVENTS.format(data="&e;")}'.encode(),
        "wevtutil_dtd.xml": f'<!DOCTYPE Events SYSTEM "{url}">\r\n{EVENTS.format(data="x")}'.encode(),
        "wevtutil_xinclude.xml": EVENTS.format(
            data=f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}" parse="text"/>'
        ).encode(),
        "schema.xml": (
            f'<Objs {NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="http://schemas.microsoft.com/powershell/2004/04 {url}"><S>x</S></Objs>'
        ).encode(),
    }


def exercise(folder: Path) -> list[str]:
    """Everything exotls does with a file: read whole, stream, analyze, the CLI's read; returns all text."""
    seen: list[str] = []
    for path in sorted(folder.iterdir()):
        for call in (lambda p=path: read(p), lambda p=path: read(p, stream=True),
                     lambda p=path: read_bytes(p.read_bytes(), str(p))):
            try:
                with deadline(20, f"reading {path.name}"):
                    doc = call()
                    seen.append(repr(list(doc.objects)))
            except ExotlsError as err:
                seen.append(str(err))
    report = analyze([str(folder)], as_of=AS_OF, jobs=1)
    seen.append(report.model_dump_json())
    return seen


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)  # the request; answering before reading it resets the connection
                    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nEXOTLS-NET-CANARY")
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_no_connection_reaches_a_live_listener(tmp_path: Path, listener: Listener) -> None:
    url = f"http://127.0.0.1:{listener.port}/exotls.dtd"
    for name, data in attacks(url).items():
        (tmp_path / name).write_bytes(data)
    seen = exercise(tmp_path)
    time.sleep(0.2)  # let a late connection land before counting
    assert listener.accepted == 0
    assert not any("EXOTLS-NET-CANARY" in text for text in seen)
    # Control: the listener does count a connection when one is made.
    with urllib.request.urlopen(url, timeout=5) as answer:
        assert answer.read() == b"EXOTLS-NET-CANARY"
    time.sleep(0.1)
    assert listener.accepted == 1


def test_every_doctype_attack_is_refused_as_unsafe(tmp_path: Path) -> None:
    for name, data in attacks("http://127.0.0.1:1/x").items():
        if b"<!DOCTYPE" not in data:
            continue
        with pytest.raises(UnsafeInputError, match="DOCTYPE is not allowed") as caught:
            read_bytes(data, name)
        assert caught.value.path == name and caught.value.line is not None
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(UnsafeInputError):
            list(read(path, stream=True).objects)


def test_xinclude_is_refused_wherever_it_stands(tmp_path: Path) -> None:
    """At the top level an include is an unknown element; inside a value, markup is refused
    (PowerShell reads values as text only), so an include never looks honoured."""
    canary = tmp_path / "secret.txt"
    canary.write_text("EXOTLS-FILE-CANARY", encoding="utf-8")
    data = attacks(canary.as_uri())
    with pytest.raises(ReadError, match="unknown element <include>"):
        read_bytes(data["xinclude.xml"], "xinclude.xml")
    with pytest.raises(ReadError, match=r"<S> holds an element <include>") as caught:
        read_bytes(data["xinclude_in_value.xml"], "xinclude_in_value.xml")
    assert caught.value.line == 1 and "EXOTLS-FILE-CANARY" not in str(caught.value)
    path = tmp_path / "in_value.xml"
    path.write_bytes(data["xinclude_in_value.xml"])
    with pytest.raises(ReadError, match=r"<S> holds an element <include>"):
        list(read(path, stream=True).objects)


def _fifo_reader_seen(fifo: Path, stop: threading.Event, flag: list[bool]) -> None:
    """Poll with non-blocking writes: they succeed only while some reader has the FIFO open."""
    while not stop.is_set():
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            if err.errno != errno.ENXIO:
                raise
            time.sleep(0.001)
            continue
        flag.append(True)
        try:
            os.write(fd, b"EXOTLS-FILE-CANARY")
        finally:
            os.close(fd)  # the reader now sees end of file and goes on
        return


def test_no_file_is_opened_by_an_external_reference(tmp_path: Path) -> None:
    fifo = tmp_path / "canary.fifo"
    os.mkfifo(fifo)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name, data in attacks(fifo.as_uri()).items():
        (inputs / name).write_bytes(data)
    for name, data in attacks(str(fifo)).items():  # a bare path, as a relative SYSTEM id would be
        (inputs / ("path_" + name)).write_bytes(data)
    opened: list[bool] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_fifo_reader_seen, args=(fifo, stop, opened), daemon=True)
    watcher.start()
    try:
        seen = exercise(inputs)
    finally:
        stop.set()
        watcher.join(5)
    assert opened == []
    assert not any("EXOTLS-FILE-CANARY" in text for text in seen)


def test_the_fifo_watcher_sees_a_reader(tmp_path: Path) -> None:
    """Control for the test above: a real open of the FIFO is detected."""
    fifo = tmp_path / "canary.fifo"
    os.mkfifo(fifo)
    opened: list[bool] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_fifo_reader_seen, args=(fifo, stop, opened), daemon=True)
    watcher.start()
    with deadline(10, "control read of the FIFO"), open(fifo, "rb") as handle:
        assert handle.read() == b"EXOTLS-FILE-CANARY"
    stop.set()
    watcher.join(5)
    assert opened


def test_the_fifo_watcher_sees_libxml2_itself(tmp_path: Path) -> None:
    """Control at the C level: a parser told to resolve entities opens the FIFO, and is seen."""
    from lxml import etree

    fifo = tmp_path / "canary.fifo"
    os.mkfifo(fifo)
    opened: list[bool] = []
    stop = threading.Event()
    watcher = threading.Thread(target=_fifo_reader_seen, args=(fifo, stop, opened), daemon=True)
    watcher.start()
    unsafe = etree.XMLParser(resolve_entities=True, load_dtd=True)
    with deadline(10, "control parse of the FIFO"):
        root = etree.fromstring(attacks(fifo.as_uri())["entity.xml"], unsafe)
    stop.set()
    watcher.join(5)
    assert opened and root[0].text == "EXOTLS-FILE-CANARY"


def test_python_sockets_blocked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("exotls opened a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for name in ("xxe_http.xml", "external_dtd.xml", "parameter_entity.xml", "xxe_file.xml"):
        (tmp_path / name).write_bytes((HOSTILE / name).read_bytes())
    samples = Path(str(files("exotls") / "samples"))
    report = analyze([str(tmp_path), str(samples)], as_of=AS_OF, jobs=1)
    assert calls == []
    refused = [i for i in report.inputs if i.path.startswith(str(tmp_path))]
    assert len(refused) == 4 and all(i.status == "error" and "DOCTYPE" in (i.error or "") for i in refused)
    assert report.summary.ok > 0 and report.servers


def test_billion_laughs_is_refused_before_any_expansion() -> None:
    """Ten levels of ten: 10**9 'lol's if expanded. Refused from the DOCTYPE, so memory stays flat."""
    data = (HOSTILE / "billion_laughs.xml").read_bytes()
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (300 * 1024 * 1024,) * 2)\n"
        "from exotls.errors import UnsafeInputError\n"
        "from exotls.readers import read_bytes\n"
        "try:\n"
        "    read_bytes(sys.stdin.buffer.read(), 'laughs.xml')\n"
        "except UnsafeInputError as err:\n"
        "    print('refused:', err.reason)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stdout.decode().startswith("refused: DOCTYPE is not allowed")


@pytest.mark.parametrize(
    "body",
    [
        "<S>before<x/>after</S>",
        '<Obj RefId="0"><I32>1<x/></I32></Obj>',
        '<Obj RefId="0"><Props><I32 N="Port">25<x/></I32></Props></Obj>',
        '<Obj RefId="0"><MS><S N="Name"><x/></S></MS></Obj>',
        '<LST><B>true<x/></B></LST>',
    ],
)
def test_markup_inside_any_value_is_refused(body: str) -> None:
    with pytest.raises(ReadError, match=r"holds an element <x>: a value holds only text"):
        read_bytes(f"<Objs {NS}>{body}</Objs>".encode(), "mixed.xml")
