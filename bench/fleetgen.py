"""Generate a large fleet of exports, in the exact bytes PowerShell and reg.exe write.

The fleet is the shipped sample organization scaled up: server ``i`` takes one of the
five sample servers as its profile (product, builds, SCHANNEL and .NET state) and gets
its own name, GUIDs and collection method. Every writer comes from
``tools/make_samples.py`` (imported, never copied), so the bytes have the same shapes
as the samples the tests check.

Layout of ``bench/.data/fleet/fleet-<N>/``::

    organization/Get-ExchangeServer.xml     one EMS export of all N servers (5.1: UTF-16LE BOM, CRLF)
    organization/Get-TransportConfig.xml    Exchange Online's TransportConfig (5.1)
    EX<i>/ExSetup.json                      ConvertTo-Json of ExSetup's FileVersionInfo:
                                            5.1 Out-File (UTF-16LE BOM) or 7 Out-File (UTF-8)
    EX<i>/SCHANNEL.reg                      reg.exe export (UTF-16LE BOM, CRLF)
    EX<i>/NETFramework.reg                  reg.exe export (UTF-16LE BOM, CRLF)

Nothing reads the clock or random state: the same N always gives the same bytes. A stamp
file beside it records N and the generator's version, so a second run reuses the folder.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import make_samples as ms  # noqa: E402

__all__ = ["DATA", "fleet", "fleet_files", "fleet_server", "is_ready"]

DATA = Path(__file__).resolve().parent / ".data" / "fleet"  # other benches clean their own parts of .data
_VERSION = "fleetgen 1"
_STAMP = ".stamp"

# How server i was collected: two of three through Windows PowerShell 5.1 remoting, one locally with 7.
_COLLECTED_BY = ("remote-5.1", "remote-5.1", "local-7")


def fleet_server(index: int) -> tuple[ms.Server, ms.Server]:
    """(generated server, the sample server whose state it copies)."""
    profile = ms.SERVERS[index % len(ms.SERVERS)]
    name = f"EX{index:05d}"
    collected_by = _COLLECTED_BY[index % len(_COLLECTED_BY)]
    if profile.collected_by == "manual-5.1" and index % 2 == 0:
        collected_by = "manual-5.1"  # by hand on the box: no PSComputerName, identity from the folder
    server = dataclasses.replace(
        profile,
        name=name,
        collected_by=collected_by,
        product_id=f"00433-80000-{index // 100000:05d}-{index % 100000:05d}",
    )
    return server, profile


def _json_value(value: ms.Prim | ms.Obj) -> ms.JsonValue:
    """What ConvertTo-Json writes for one CLIXML value of a FileVersionInfo."""
    if isinstance(value, ms.Obj):
        return _json_object(value)
    if value.text is None:
        return None
    if value.tag in ("I32", "I64", "By"):
        return int(value.text)
    if value.tag == "B":
        return value.text == "true"
    if value.tag == "Version":
        parts = [int(p) for p in value.text.split(".")]
        major, minor, build, revision = [*parts, -1, -1, -1, -1][:4]
        return {
            "Major": major,
            "Minor": minor,
            "Build": build,
            "Revision": revision,
            "MajorRevision": revision >> 16 if revision >= 0 else -1,
            "MinorRevision": revision & 0xFFFF if revision >= 0 else -1,
        }
    return value.text


def _json_object(obj: ms.Obj) -> dict[str, ms.JsonValue]:
    return {name: _json_value(member) for name, member in [*obj.props, *obj.ms]}


def _exsetup_json(server: ms.Server) -> bytes:
    """``(Get-Command ExSetup.exe).FileVersionInfo | ConvertTo-Json | Out-File`` in 5.1 or 7."""
    data = _json_object(ms.exsetup(server))
    if server.collected_by == "local-7":
        # PowerShell 7: two-space indent, "key": value, UTF-8 without BOM, CRLF, trailing newline.
        text = json.dumps(data, indent=2, ensure_ascii=False)
        return (text.replace("\n", "\r\n") + "\r\n").encode("utf-8")
    # Windows PowerShell 5.1 Out-File: its own ConvertTo-Json layout, UTF-16LE with BOM, CRLF.
    return ms.utf16le_bom_crlf(ms.json51(data) + "\n")


def fleet_files(count: int) -> Iterator[tuple[str, bytes]]:
    """(relative path, exact bytes) of every file of a fleet of ``count`` servers, one at a time."""
    pairs = [fleet_server(i) for i in range(1, count + 1)]
    shared: dict[str, ms.Obj] = {}
    servers = [ms.exchange_server(server, shared) for server, _ in pairs]
    yield "organization/Get-ExchangeServer.xml", ms.utf16le_bom_crlf(ms.clixml(servers))
    del servers
    yield "organization/Get-TransportConfig.xml", ms.utf16le_bom_crlf(ms.clixml([ms.transport_config_exo()]))
    # reg.exe output depends only on the profile's state: write each profile's bytes once.
    schannel = {p.name: ms.utf16le_bom_crlf(ms.reg_export(ms.SCHANNEL_KEY, ms.schannel(p))) for p in ms.SERVERS}
    dotnet = {p.name: ms.utf16le_bom_crlf(ms.reg_export(ms.NET_KEY, ms.netframework(p, wow=False))) for p in ms.SERVERS}
    for server, profile in pairs:
        yield f"{server.name}/ExSetup.json", _exsetup_json(server)
        yield f"{server.name}/SCHANNEL.reg", schannel[profile.name]
        yield f"{server.name}/NETFramework.reg", dotnet[profile.name]


def _stamp(count: int, base: Path) -> Path:
    return base / f"fleet-{count}{_STAMP}"  # beside the folder: inside, exotls would read it


def is_ready(count: int, base: Path = DATA) -> bool:
    """True when the fleet of ``count`` servers is already written (and current)."""
    stamp = _stamp(count, base)
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == f"{_VERSION} {count}"


def fleet(count: int, base: Path = DATA) -> Path:
    """The folder holding a fleet of ``count`` servers, written unless already there."""
    folder = base / f"fleet-{count}"
    if is_ready(count, base):
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    for relative, data in fleet_files(count):
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    _stamp(count, base).write_text(f"{_VERSION} {count}", encoding="utf-8")
    return folder


if __name__ == "__main__":
    for size in [int(arg) for arg in sys.argv[1:]] or [1000]:
        print(fleet(size))
