"""Size and shape: huge, wide, deep and self-referencing inputs in bounded time and memory.

Memory is checked in child processes whose address space is capped with RLIMIT_AS:
exceeding the cap makes allocation fail, so a run that finishes proves the bound. Each
memory test also has a control (the same file read whole) that shows the cap bites.
Time is guarded against hangs only (generous deadlines); speed belongs to bench/. The
1 GB streaming figure is bench/bench_clixml.py's job; here a 150 MB file keeps the
test to a few seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from exotls.checks import rules
from exotls.errors import ExotlsError
from exotls.pipeline import analyze
from exotls.readers import PSObject, read, read_bytes
from exotls.readers.jsonable import REPEAT_LIMIT, to_jsonable
from exotls.report import render
from fuzz.guard import deadline

HOSTILE = Path(__file__).parent / "fixtures" / "hostile" / "clixml"
NS = 'Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"'
AS_OF = dt.date(2025, 6, 1)


def child(code: str, *args: str, timeout: int = 120) -> str:
    """Run ``code`` in a fresh interpreter; return its stdout, failing on any error."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True, timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


STREAM_UNDER_CAP = """
    import resource, sys
    path, size_mb = sys.argv[1], int(sys.argv[2])
    NS = 'Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"'
    notes = "x" * 4000
    with open(path, "w", encoding="utf-8", newline="") as out:  # written in pieces: little memory
        out.write(f"<Objs {NS}>\\r\\n")
        out.write('  <Obj RefId="0">\\r\\n    <TN RefId="0">\\r\\n'
                  '      <T>Deserialized.Microsoft.Exchange.Data.Directory.Management.ExchangeServer</T>\\r\\n'
                  '      <T>Deserialized.System.Object</T>\\r\\n    </TN>\\r\\n    <ToString>EX0</ToString>\\r\\n'
                  '    <Props>\\r\\n      <S N="Name">EX0</S>\\r\\n    </Props>\\r\\n  </Obj>\\r\\n')
        written, n = 0, 0
        while written < size_mb * 1_000_000:
            n += 1
            block = (f'  <Obj RefId="{n}">\\r\\n    <TNRef RefId="0" />\\r\\n    <ToString>EX{n}</ToString>\\r\\n'
                     f'    <Props>\\r\\n      <S N="Name">EX{n}</S>\\r\\n      <S N="Notes">{notes}</S>\\r\\n'
                     f'      <Ref N="First" RefId="0" />\\r\\n    </Props>\\r\\n  </Obj>\\r\\n')
            out.write(block)
            written += len(block)
        out.write("</Objs>\\r\\n")
    resource.setrlimit(resource.RLIMIT_AS, (400 << 20, 400 << 20))
    from exotls.errors import ReadError
    from exotls.readers import read
    count, last = 0, None
    for obj in read(path, stream=True).objects:
        count, last = count + 1, obj
    assert last.get("First").get("Name") == "EX0" and last.get("Name") == f"EX{n}"
    print("streamed", count, n + 1)
    try:
        read(path)  # control: the same file read whole does not fit under the cap
    except ReadError as err:
        print("whole:", err.reason)
"""


def test_streaming_a_150_mb_clixml_stays_under_400_mb(tmp_path: Path) -> None:
    out = child(STREAM_UNDER_CAP, str(tmp_path / "big.xml"), "150").splitlines()
    streamed, count, expected = out[0].split()
    assert streamed == "streamed" and count == expected and int(count) > 30_000
    assert out[1].startswith("whole: file is too large to read in memory")


HUNDRED_MB_STRINGS = """
    import resource, sys
    folder = sys.argv[1]
    NS = 'Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"'
    size = 100_000_000
    with open(folder + "/s.xml", "wb") as out:
        out.write(f"<Objs {NS}><Obj RefId=\\"0\\"><Props><S N=\\"Blob\\">".encode())
        for _ in range(size // 1_000_000):
            out.write(b"a" * 1_000_000)
        out.write(b"</S><S N=\\"After\\">end</S></Props></Obj></Objs>")
    with open(folder + "/s.json", "wb") as out:
        out.write(b'{"Blob": "')
        for _ in range(size // 1_000_000):
            out.write(b"b" * 1_000_000)
        out.write(b'", "After": "end"}')
    resource.setrlimit(resource.RLIMIT_AS, (1400 << 20, 1400 << 20))
    from exotls.readers import read
    for name in ("s.xml", "s.json"):
        objects = list(read(folder + "/" + name, stream=True).objects)
        print(name, len(objects[0].get("Blob")), objects[0].get("After"))
"""


def test_a_100_mb_single_string_is_read_whole_under_a_cap(tmp_path: Path) -> None:
    out = child(HUNDRED_MB_STRINGS, str(tmp_path)).splitlines()
    assert out == ["s.xml 100000000 end", "s.json 100000000 end"]


def test_a_million_element_list_is_read_correctly() -> None:
    body = "<S>x</S>" * 1_000_000
    data = f'<Objs {NS}><Obj RefId="0"><TN RefId="0"><T>System.Collections.ArrayList</T></TN><LST>{body}</LST></Obj></Objs>'
    with deadline(120, "a million-element CLIXML list"):
        doc = read_bytes(data.encode(), "list.xml")
    assert len(doc.objects[0].payload) == 1_000_000
    with deadline(120, "a million-element JSON array"):
        doc = read_bytes(b"[" + b"7," * 999_999 + b"7]", "list.json")
    assert len(doc.objects) == 1_000_000 and doc.objects[-1] == 7


def test_nesting_up_to_powershells_limit_reads_and_beyond_the_bound_fails() -> None:
    """PowerShell stops at 50 levels below the top; the reader bounds objects at 64."""
    doc = read(HOSTILE / "nesting_50_ok.xml")
    depth, obj = 0, doc.objects[0]
    while isinstance(obj.get("Child"), PSObject):
        depth, obj = depth + 1, obj.get("Child")
    assert depth == 49 and obj.get("Leaf") == "bottom"
    deep_json = '{"a": ' * 60 + "1" + "}" * 60
    value = read_bytes(deep_json.encode(), "deep.json").objects[0]
    for _ in range(60):
        value = value.get("a") if isinstance(value, PSObject) else value
    assert value == 1


def test_ref_cycles_resolve_to_the_same_object() -> None:
    first, second = read(HOSTILE / "ref_cycle.xml").objects
    assert first.get("Self") is first
    assert second.get("Next").get("Back") is second
    rendered = to_jsonable([first, second])
    assert rendered[0]["properties"]["Self"] == {"$ref": "0"}
    assert rendered[1]["properties"]["Next"]["properties"]["Back"] == {"$ref": "1"}


def test_duplicate_refids_resolve_to_the_later_definition() -> None:
    first, second, ref = read(HOSTILE / "duplicate_refid.xml").objects
    assert (first.to_string, second.to_string) == ("first", "second")
    assert ref is second


def test_a_cyclic_export_goes_through_extract_rules_and_every_renderer(tmp_path: Path) -> None:
    """A Get-TransportConfig whose properties point back at itself and at a shared list."""
    body = (
        f'<Objs {NS}>\r\n<Obj RefId="0"><TN RefId="0"><T>Deserialized.Microsoft.Exchange.Data.Directory.'
        "SystemConfiguration.TransportConfigContainer</T><T>Deserialized.System.Object</T></TN>"
        '<ToString>Transport Settings</ToString><Props><B N="AllowLegacyTLSClients">true</B>'
        '<S N="Identity">Transport Settings</S><Ref N="Self" RefId="0" />'
        '<Obj N="Loop" RefId="1"><LST><Ref RefId="0" /><Ref RefId="1" /></LST></Obj>'
        "</Props></Obj>\r\n</Objs>\r\n"
    )
    path = tmp_path / "organization" / "Get-TransportConfig.xml"
    path.parent.mkdir()
    path.write_text(body, encoding="utf-8")
    with deadline(60, "analyze and render a cyclic export"):
        report = analyze([str(path)], as_of=AS_OF, jobs=1)
        for fmt in ("table", "json", "sarif", "markdown", "html"):
            assert render(report, fmt, rules=rules())
    assert report.inputs[0].status == "ok"
    assert report.organization.settings["AllowLegacyTLSClients"] is True


def test_a_ref_lattice_renders_to_a_bounded_number_of_objects() -> None:
    """41 objects, each Ref'ing the one below twice: 2**40 paths if every Ref were expanded.

    Shared objects may be repeated in full, but only ``REPEAT_LIMIT`` times in all: the
    rendering holds at most the 41 objects plus that many repeats, whatever the file.
    """
    path = HOSTILE / "ref_lattice_40.xml"
    with deadline(60, "rendering a Ref lattice"):
        text = json.dumps(to_jsonable(read(path).objects))
    written = text.count('"type_names"')
    assert 41 < written <= 41 + REPEAT_LIMIT
    assert len(text) < 100 * (41 + REPEAT_LIMIT)  # about 70 bytes per written object


LATTICE_READ = """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    from typer.testing import CliRunner
    from exotls.cli import app
    result = CliRunner().invoke(app, ["read", sys.argv[1], "-f", "json"])
    print(result.exit_code, result.output.count('"type_names"'))
"""


def test_exotls_read_of_a_ref_lattice_stays_bounded() -> None:
    """The same bound through ``exotls read``: one repeat budget for the whole file, not one per
    top-level object (41 budgets would write 4 million objects, about 2 GB of JSON)."""
    path = HOSTILE / "ref_lattice_40.xml"
    out = child(LATTICE_READ, str(path), timeout=30).split()
    assert out[0] == "0" and int(out[1]) <= 41 + REPEAT_LIMIT


def test_a_1_gb_file_that_cannot_be_streamed_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A sparse 1 GB .reg-looking file: refused from its size alone, so this takes no time or memory."""
    path = tmp_path / "huge.reg"
    with open(path, "wb") as handle:
        handle.write("Windows Registry Editor Version 5.00\r\n".encode("utf-16"))
        handle.truncate(1 << 30)
    with deadline(20, "refusing a 1 GB file"):
        with pytest.raises(ExotlsError, match=r": file is larger than 256 MB, too large to read whole") as caught:
            read(path, stream=True)
        report = analyze([str(path)], as_of=AS_OF, jobs=1)
    assert report.inputs[0].status == "error" and report.inputs[0].error == caught.value.reason
