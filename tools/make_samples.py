"""Write exotls' shipped sample fleet (``src/exotls/samples/``) byte for byte.

The samples are what ``Collect-ExoTls.ps1`` would leave behind for a small organization
(five Exchange servers plus the Exchange Online tenant), in the exact bytes each producer
writes: Windows PowerShell 5.1 ``Export-Clixml`` (UTF-16LE with BOM, CRLF, no XML
declaration, no trailing newline), PowerShell 7 ``Export-Clixml`` (UTF-8 without BOM),
``reg.exe export`` (UTF-16LE with BOM, CRLF, regedit's hex line wrapping) and one
``ConvertTo-Json`` file saved by 5.1 ``Set-Content`` (ANSI code page, CRLF).

Nothing here reads the clock or random state: re-running the script reproduces every
file exactly, and ``tests/test_samples.py`` checks that it does. Run it from the
repository root::

    python tools/make_samples.py            # rewrite src/exotls/samples/
    python tools/make_samples.py --check    # exit 1 if the shipped files differ

``README.md`` in the samples folder is written by hand and is never touched here.

Build numbers are real releases, from Microsoft Learn "Exchange Server build numbers and
release dates" (https://learn.microsoft.com/exchange/new-features/build-numbers-and-release-dates):
2016 CU8 15.1.1415.2 (2017-12-19); 2019 CU14 15.2.1544.4 (2024-02-13) and its Feb26SU
15.2.1544.39 (2026-02-10); 2019 CU15 15.2.1748.10 (2025-02-10) and its Feb26SU
15.2.1748.43 (2026-02-10); Exchange Server SE RTM 15.2.2562.17 (2025-07-01) and its
Feb26SU 15.2.2562.37 (2026-02-10).
"""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

__all__ = [
    "Obj",
    "Prim",
    "RegNode",
    "build_files",
    "clixml",
    "encode_ps_string",
    "json51",
    "main",
    "reg_export",
]

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "src" / "exotls" / "samples"
HAND_WRITTEN = frozenset({"README.md"})

# ---------------------------------------------------------------------------------------
# CLIXML writer: the layout of Export-Clixml (XmlWriter, two-space indent, text-only
# elements on one line, separate RefId counters for Obj and TN, Ref for a repeated object).
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prim:
    """A primitive element: ``tag`` is the CLIXML tag, ``text`` its lexical form (None = empty)."""

    tag: str
    text: str | None


@dataclass(eq=False)
class Obj:
    """A complex object. Writing the same instance twice gives a ``<Ref>``, as PowerShell does."""

    tn: tuple[str, ...] | None = None
    to_string: str | None = None
    payload: Prim | None = None
    lst: list[Value] | None = None
    props: list[tuple[str, Value]] = field(default_factory=list)
    ms: list[tuple[str, Value]] = field(default_factory=list)


Value: TypeAlias = "Prim | Obj"

NIL = Prim("Nil", None)


def S(text: str) -> Prim:
    return Prim("S", text)


def B(value: bool) -> Prim:
    return Prim("B", "true" if value else "false")


def I32(value: int) -> Prim:
    return Prim("I32", str(value))


def I64(value: int) -> Prim:
    return Prim("I64", str(value))


def By(value: int) -> Prim:
    return Prim("By", str(value))


def Db(text: str) -> Prim:
    return Prim("Db", text)


def G(value: uuid.UUID) -> Prim:
    return Prim("G", str(value))


def DT(text: str) -> Prim:
    return Prim("DT", text)


def Ver(text: str) -> Prim:
    return Prim("Version", text)


def encode_ps_string(text: str) -> str:
    """PowerShell's ``_xHHHH_`` escaping: control units, surrogate halves, and ``_`` before x/X."""
    data = text.encode("utf-16-le", "surrogatepass")
    units = [int.from_bytes(data[i : i + 2], "little") for i in range(0, len(data), 2)]
    out: list[str] = []
    for index, unit in enumerate(units):
        follower = units[index + 1] if index + 1 < len(units) else None
        if unit <= 0x1F or 0x7F <= unit <= 0x9F or 0xD800 <= unit <= 0xDFFF:
            out.append(f"_x{unit:04X}_")
        elif unit == 0x5F and follower in (0x78, 0x58):
            out.append("_x005F_")
        else:
            out.append(chr(unit))
    return "".join(out)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


class _ClixmlWriter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.obj_ids: dict[int, int] = {}
        self.tn_ids: dict[tuple[str, ...], int] = {}
        self.keep: list[Obj] = []  # keeps ids stable while writing

    def value(self, value: Value, name: str | None, depth: int) -> None:
        pad = "  " * depth
        n_attr = f' N="{_xml_attr(encode_ps_string(name))}"' if name is not None else ""
        if isinstance(value, Prim):
            if value.text is None:
                self.lines.append(f"{pad}<{value.tag}{n_attr} />")
            else:
                text = encode_ps_string(value.text) if value.tag == "S" else value.text
                self.lines.append(f"{pad}<{value.tag}{n_attr}>{_xml_text(text)}</{value.tag}>")
            return
        known = self.obj_ids.get(id(value))
        if known is not None:
            self.lines.append(f'{pad}<Ref{n_attr} RefId="{known}" />')
            return
        ref_id = len(self.obj_ids)
        self.obj_ids[id(value)] = ref_id
        self.keep.append(value)
        self.lines.append(f'{pad}<Obj{n_attr} RefId="{ref_id}">')
        inner = "  " * (depth + 1)
        if value.tn is not None:
            tn_id = self.tn_ids.get(value.tn)
            if tn_id is not None:
                self.lines.append(f'{inner}<TNRef RefId="{tn_id}" />')
            else:
                tn_id = len(self.tn_ids)
                self.tn_ids[value.tn] = tn_id
                self.lines.append(f'{inner}<TN RefId="{tn_id}">')
                for type_name in value.tn:
                    self.lines.append(f"{inner}  <T>{_xml_text(encode_ps_string(type_name))}</T>")
                self.lines.append(f"{inner}</TN>")
        if value.to_string is not None:
            if value.to_string == "":
                self.lines.append(f"{inner}<ToString />")
            else:
                self.lines.append(f"{inner}<ToString>{_xml_text(encode_ps_string(value.to_string))}</ToString>")
        if value.payload is not None:
            self.value(value.payload, None, depth + 1)
        if value.lst is not None:
            if not value.lst:
                self.lines.append(f"{inner}<LST />")
            else:
                self.lines.append(f"{inner}<LST>")
                for item in value.lst:
                    self.value(item, None, depth + 2)
                self.lines.append(f"{inner}</LST>")
        for tag, members in (("Props", value.props), ("MS", value.ms)):
            if members:
                self.lines.append(f"{inner}<{tag}>")
                for member_name, member in members:
                    self.value(member, member_name, depth + 2)
                self.lines.append(f"{inner}</{tag}>")
        self.lines.append(f"{pad}</Obj>")


def clixml(objects: Sequence[Value]) -> str:
    """The text Export-Clixml writes for these pipeline objects ("\\n" newlines, no trailing one)."""
    writer = _ClixmlWriter()
    writer.lines.append('<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">')
    for item in objects:
        writer.value(item, None, 1)
    writer.lines.append("</Objs>")
    return "\n".join(writer.lines)


# ---------------------------------------------------------------------------------------
# File encodings of the producers.
# ---------------------------------------------------------------------------------------


def utf16le_bom_crlf(text: str) -> bytes:
    """Windows PowerShell 5.1 Export-Clixml / Out-File, and reg.exe export."""
    return b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")


def utf8_crlf(text: str) -> bytes:
    """PowerShell 7 on Windows: UTF-8 without BOM, CRLF."""
    return text.replace("\n", "\r\n").encode("utf-8")


def ansi_crlf_line(text: str) -> bytes:
    """Windows PowerShell 5.1 Set-Content: the ANSI code page (cp1252), each string plus CRLF."""
    return (text.replace("\n", "\r\n") + "\r\n").encode("cp1252")


# ---------------------------------------------------------------------------------------
# .reg writer: the layout of reg.exe export / regedit.
# ---------------------------------------------------------------------------------------

RegData = tuple[str, object]


def dword(value: int) -> RegData:
    return ("dword", value)


def sz(value: str) -> RegData:
    return ("sz", value)


def multi_sz(values: Sequence[str]) -> RegData:
    return ("multi_sz", list(values))


@dataclass
class RegNode:
    """One key: values in stored order, subkeys by name (exported in the registry's sorted order)."""

    values: list[tuple[str, RegData]] = field(default_factory=list)
    children: dict[str, RegNode] = field(default_factory=dict)

    def child(self, path: str) -> RegNode:
        """The subkey at ``a\\b\\c``, created on the way."""
        node = self
        for part in path.split("\\"):
            node = node.children.setdefault(part, RegNode())
        return node

    def set(self, path: str, *values: tuple[str, RegData]) -> RegNode:
        node = self.child(path) if path else self
        node.values.extend(values)
        return node


_HEX_WRAP = 77  # regedit breaks a hex line once it reaches this many characters


def _reg_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _hex_value(prefix: str, data: bytes) -> str:
    """``prefix`` (``"name"=hex(7):``) then bytes as ``xx,`` with ``\\`` + CRLF + two spaces wraps."""
    out = [prefix]
    line_len = len(prefix)
    for index, byte in enumerate(data):
        out.append(f"{byte:02x}")
        if index == len(data) - 1:
            break
        out.append(",")
        line_len += 3
        if line_len >= _HEX_WRAP:
            out.append("\\\n  ")
            line_len = 2
    return "".join(out)


def _reg_value(name: str, data: RegData) -> str:
    head = "@=" if name == "" else _reg_quote(name) + "="
    kind, payload = data
    if kind == "dword":
        assert isinstance(payload, int)
        return f"{head}dword:{payload:08x}"
    if kind == "sz":
        assert isinstance(payload, str)
        return head + _reg_quote(payload)
    if kind == "multi_sz":
        assert isinstance(payload, list)
        raw = "".join(item + "\0" for item in payload) + "\0"
        return _hex_value(head + "hex(7):", raw.encode("utf-16-le"))
    raise ValueError(f"unsupported registry type {kind}")


def reg_export(path: str, root: RegNode) -> str:
    """The text reg.exe writes for ``reg export <path>`` ("\\n" newlines; ends with an empty line)."""
    lines = ["Windows Registry Editor Version 5.00"]

    def walk(key_path: str, node: RegNode) -> None:
        lines.append("")
        lines.append(f"[{key_path}]")
        lines.extend(_reg_value(name, data) for name, data in node.values)
        for name in sorted(node.children, key=str.upper):
            walk(f"{key_path}\\{name}", node.children[name])

    walk(path, root)
    lines.append("")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------
# ConvertTo-Json as Windows PowerShell 5.1 prints it: "key":  value, nested braces on the
# key line with their contents four columns past the brace.
# ---------------------------------------------------------------------------------------

JsonValue: TypeAlias = "bool | int | str | list[JsonValue] | dict[str, JsonValue] | None"

_JSON51_ESCAPES = {'"': '\\"', "\\": "\\\\", "<": "\\u003c", ">": "\\u003e", "'": "\\u0027", "&": "\\u0026"}


def _json51_string(text: str) -> str:
    return '"' + "".join(_JSON51_ESCAPES.get(ch, ch) for ch in text) + '"'


def json51(value: JsonValue, column: int = 0) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _json51_string(value)
    if isinstance(value, list):
        items = [" " * (column + 4) + json51(item, column + 4) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * column + "]"
    parts = []
    for key, item in value.items():
        head = " " * (column + 4) + _json51_string(key) + ":  "
        parts.append(head + json51(item, len(head)))
    return "{\n" + ",\n".join(parts) + "\n" + " " * column + "}"


# ---------------------------------------------------------------------------------------
# The organization.
# ---------------------------------------------------------------------------------------

_NS = uuid.UUID("8f0d6f3c-2b7e-4c1e-9a51-6e3c0a7d5b21")


def guid(label: str) -> uuid.UUID:
    """A stable GUID per label, so every run writes the same one."""
    return uuid.uuid5(_NS, label)


DOMAIN = "contoso.com"
ORG = "Contoso"
DC = "DC01.contoso.com"
AD_DN = "DC=contoso,DC=com"
# The configuration-partition GUID reported by ADObjectId.PartitionGuid for a local forest.
PARTITION_GUID = uuid.UUID("59ce2f71-eaa2-4ddf-a4fa-f25069d0b324")
ADMIN_GROUP = "Exchange Administrative Group (FYDIBOHF23SPDLT)"
EMS_HOST = "ex19-ready.contoso.com"  # the server the EMS session that ran Get-ExchangeServer used

TLS13_SUITES = ("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256")
TLS12_SUITES = (
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
)
CURVES = ("curve25519", "NistP256", "NistP384")


@dataclass(frozen=True)
class Server:
    """One Exchange server of the sample organization and how its folder was collected."""

    name: str
    exchange: str  # "2016" | "2019" | "SE"
    cu_build: tuple[int, int, int, int]  # what AdminDisplayVersion shows (the CU)
    exsetup_build: tuple[int, int, int, int]  # what ExSetup.exe's file version shows (CU + SU)
    os_product: str
    os_build: str
    os_display_version: str | None  # absent on Windows Server 2012 R2 and 2019
    os_ubr: int
    collected_by: str  # "remote-5.1" | "local-7" | "manual-5.1"
    when_created: str
    when_created_utc: str
    when_changed: str
    when_changed_utc: str
    mitigations_applied_time: str | None
    product_id: str

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{DOMAIN}"


SERVERS: tuple[Server, ...] = (
    Server(
        name="EX16-OLD",
        exchange="2016",
        cu_build=(15, 1, 1415, 2),
        exsetup_build=(15, 1, 1415, 2),
        os_product="Windows Server 2012 R2 Standard",
        os_build="9600",
        os_display_version=None,
        os_ubr=21620,
        collected_by="manual-5.1",
        when_created="2018-02-06T10:14:52+01:00",
        when_created_utc="2018-02-06T09:14:52Z",
        when_changed="2018-02-06T11:02:31+01:00",
        when_changed_utc="2018-02-06T10:02:31Z",
        mitigations_applied_time=None,
        product_id="00391-70000-00000-AA137",
    ),
    Server(
        name="EX19-NONET",
        exchange="2019",
        cu_build=(15, 2, 1544, 4),
        exsetup_build=(15, 2, 1544, 39),
        os_product="Windows Server 2019 Standard",
        os_build="17763",
        os_display_version=None,
        os_ubr=7009,
        collected_by="remote-5.1",
        when_created="2020-09-15T16:40:03+02:00",
        when_created_utc="2020-09-15T14:40:03Z",
        when_changed="2024-03-05T21:18:44+01:00",
        when_changed_utc="2024-03-05T20:18:44Z",
        mitigations_applied_time="2026-03-02T07:51:20.4012231Z",
        product_id="00433-80000-00000-AA416",
    ),
    Server(
        name="EX19-READY",
        exchange="2019",
        cu_build=(15, 2, 1748, 10),
        exsetup_build=(15, 2, 1748, 43),
        os_product="Windows Server 2022 Datacenter",
        os_build="20348",
        os_display_version="21H2",
        os_ubr=4052,
        collected_by="remote-5.1",
        when_created="2023-05-22T09:03:17+02:00",
        when_created_utc="2023-05-22T07:03:17Z",
        when_changed="2025-03-11T19:27:05+01:00",
        when_changed_utc="2025-03-11T18:27:05Z",
        mitigations_applied_time="2026-03-02T07:49:58.1186734Z",
        product_id="00433-80000-00000-AA582",
    ),
    Server(
        name="EX19-DONE",
        exchange="2019",
        cu_build=(15, 2, 1748, 10),
        exsetup_build=(15, 2, 1748, 43),
        os_product="Windows Server 2022 Standard",
        os_build="20348",
        os_display_version="21H2",
        os_ubr=4052,
        collected_by="remote-5.1",
        when_created="2023-05-23T14:36:41+02:00",
        when_created_utc="2023-05-23T12:36:41Z",
        when_changed="2025-03-12T08:55:19+01:00",
        when_changed_utc="2025-03-12T07:55:19Z",
        mitigations_applied_time="2026-03-02T07:50:33.9072415Z",
        product_id="00433-80000-00000-AA583",
    ),
    Server(
        name="EXSE-01",
        exchange="SE",
        cu_build=(15, 2, 2562, 17),
        exsetup_build=(15, 2, 2562, 37),
        os_product="Windows Server 2025 Datacenter",
        os_build="26100",
        os_display_version="24H2",
        os_ubr=4946,
        collected_by="local-7",
        when_created="2025-09-30T11:22:08+02:00",
        when_created_utc="2025-09-30T09:22:08Z",
        when_changed="2025-09-30T12:47:36+02:00",
        when_changed_utc="2025-09-30T10:47:36Z",
        mitigations_applied_time="2026-03-02T07:52:11.2650918Z",
        product_id="00433-80000-00000-AA901",
    ),
)

# -- Get-ExchangeServer (rich objects, as EMS exports them; SerializationData blobs left out) --

TN_EXCHANGE_SERVER = (
    "Microsoft.Exchange.Data.Directory.Management.ExchangeServer",
    "Microsoft.Exchange.Data.Directory.Management.ADPresentationObject",
    "Microsoft.Exchange.Data.Directory.ADObject",
    "Microsoft.Exchange.Data.Directory.ADRawEntry",
    "Microsoft.Exchange.Data.ConfigurableObject",
    "System.Object",
)
TN_LONG_PATH = ("Microsoft.Exchange.Data.LocalLongFullPath", "Microsoft.Exchange.Data.LongPath", "System.Object")
TN_EDITION = ("Microsoft.Exchange.Data.ServerEditionType", "System.Enum", "System.ValueType", "System.Object")
_NETADDR = "Microsoft.Exchange.Data.NetworkAddress, Microsoft.Exchange.Data, Version=15.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"
TN_NETWORK_ADDRESSES = (
    "Microsoft.Exchange.Data.NetworkAddressCollection",
    f"Microsoft.Exchange.Data.ProtocolAddressCollection`1[[{_NETADDR}]]",
    f"Microsoft.Exchange.Data.MultiValuedProperty`1[[{_NETADDR}]]",
    "Microsoft.Exchange.Data.MultiValuedPropertyBase",
    "System.Object",
)
TN_NETWORK_ADDRESS = (
    "Microsoft.Exchange.Data.CustomNetworkAddress",
    "Microsoft.Exchange.Data.NetworkAddress",
    "Microsoft.Exchange.Data.ProtocolAddress",
    "System.Object",
)
TN_SERVER_VERSION = ("Microsoft.Exchange.Data.ServerVersion", "System.Object")
TN_AD_OBJECT_ID = ("Microsoft.Exchange.Data.Directory.ADObjectId", "Microsoft.Exchange.Data.ObjectId", "System.Object")
TN_SERVER_ROLE = (
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerRole",
    "System.Enum",
    "System.ValueType",
    "System.Object",
)
_STRING_T = "System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089"
TN_MVP_STRING = (
    f"Microsoft.Exchange.Data.MultiValuedProperty`1[[{_STRING_T}]]",
    "Microsoft.Exchange.Data.MultiValuedPropertyBase",
    "System.Object",
)
TN_ENHANCED_TIMESPAN = ("Microsoft.Exchange.Data.EnhancedTimeSpan", "System.ValueType", "System.Object")
TN_OBJECT_VERSION = ("Microsoft.Exchange.Data.ExchangeObjectVersion", "System.Object")
TN_ORGANIZATION_ID = ("Microsoft.Exchange.Data.Directory.OrganizationId", "System.Object")
TN_OBJECT_STATE = ("Microsoft.Exchange.Data.ObjectState", "System.Enum", "System.ValueType", "System.Object")


def _ad_object_id(canonical: str, rdn: str, parent: str, depth: int, dn: str, object_guid: uuid.UUID, name: str) -> Obj:
    return Obj(
        tn=TN_AD_OBJECT_ID,
        to_string=canonical,
        props=[
            ("OrgHierarchyToIgnore", NIL),
            ("IsDeleted", B(False)),
            ("Rdn", S(rdn)),
            ("Parent", S(parent)),
            ("Depth", I32(depth)),
            ("DistinguishedName", S(dn)),
            ("IsRelativeDn", B(False)),
            ("DomainId", S(DOMAIN)),
            ("PartitionGuid", G(PARTITION_GUID)),
            ("PartitionFQDN", S(DOMAIN)),
            ("ObjectGuid", G(object_guid)),
            ("Name", S(name)),
        ],
    )


def _mvp_strings(items: Iterable[str]) -> Obj:
    return Obj(tn=TN_MVP_STRING, lst=[S(item) for item in items])


def _server_dn(name: str) -> str:
    return (
        f"CN={name},CN=Servers,CN={ADMIN_GROUP},CN=Administrative Groups,CN={ORG},"
        f"CN=Microsoft Exchange,CN=Services,CN=Configuration,{AD_DN}"
    )


def exchange_server(server: Server, shared: dict[str, Obj]) -> Obj:
    """One Get-ExchangeServer object; ``shared`` holds instances EMS reuses across servers (Ref)."""
    major, minor, build, revision = server.cu_build
    is_2016 = server.exchange == "2016"
    organization_id = shared.setdefault(
        "OrganizationId",
        Obj(
            tn=TN_ORGANIZATION_ID,
            to_string="",
            props=[
                ("OrganizationalUnit", NIL),
                ("ConfigurationUnit", NIL),
                ("IsConsumerOrganization", B(False)),
                ("IdForEventLog", S("")),
            ],
        ),
    )
    identity = _ad_object_id(
        server.name,
        f"CN={server.name}",
        "Servers",
        9,
        _server_dn(server.name),
        guid(f"{server.name}/ObjectGuid"),
        server.name,
    )
    addresses = [
        ("ncacn_vns_spp", server.name),
        ("netbios", server.name),
        ("ncacn_np", server.name),
        ("ncacn_spx", server.name),
        ("ncacn_ip_tcp", server.fqdn),
        ("ncalrpc", server.name),
    ]
    mitigations_time = NIL if server.mitigations_applied_time is None else DT(server.mitigations_applied_time)
    props: list[tuple[str, Value]] = [
        ("Name", S(server.name)),
        (
            "DataPath",
            Obj(
                tn=TN_LONG_PATH,
                to_string=r"C:\Program Files\Microsoft\Exchange Server\V15\Mailbox",
                props=[
                    ("PathName", S(r"C:\Program Files\Microsoft\Exchange Server\V15\Mailbox")),
                    ("IsLocalFull", B(True)),
                    ("IsUnc", B(False)),
                    ("DriveName", S("C:")),
                ],
            ),
        ),
        ("Domain", S(DOMAIN)),
        ("Edition", Obj(tn=TN_EDITION, to_string="Enterprise", payload=I32(3))),
        (
            "ExchangeLegacyDN",
            S(f"/o={ORG}/ou={ADMIN_GROUP}/cn=Configuration/cn=Servers/cn={server.name}"),
        ),
        ("ExchangeLegacyServerRole", I32(0)),
        ("Fqdn", S(server.fqdn)),
        ("CustomerFeedbackEnabled", NIL if is_2016 else B(False)),
        ("InternetWebProxy", NIL),
        ("InternetWebProxyBypassList", NIL),
        ("IsHubTransportServer", B(True)),
        ("IsClientAccessServer", B(True)),
        ("IsExchange2007OrLater", B(True)),
        ("IsEdgeServer", B(False)),
        ("IsMailboxServer", B(True)),
        ("IsE14OrLater", B(True)),
        ("IsE15OrLater", B(True)),
        ("IsProvisionedServer", B(False)),
        ("IsUnifiedMessagingServer", B(is_2016)),
        ("IsFrontendTransportServer", B(True)),
        (
            "NetworkAddress",
            Obj(
                tn=TN_NETWORK_ADDRESSES,
                lst=[
                    Obj(
                        tn=TN_NETWORK_ADDRESS,
                        to_string=f"{protocol}:{address}",
                        props=[("ProtocolType", S(protocol)), ("AddressString", S(address))],
                    )
                    for protocol, address in addresses
                ],
            ),
        ),
        ("OrganizationalUnit", S(f"{DOMAIN}/{server.name}")),
        (
            "AdminDisplayVersion",
            Obj(
                tn=TN_SERVER_VERSION,
                to_string=f"Version {major}.{minor} (Build {build}.{revision})",
                props=[
                    ("Major", I32(major)),
                    ("Minor", I32(minor)),
                    ("Build", I32(build)),
                    ("Revision", I32(revision)),
                    ("FilePatchLevelDescription", NIL),
                ],
            ),
        ),
        (
            "Site",
            _ad_object_id(
                f"{DOMAIN}/Configuration/Sites/Default-First-Site-Name",
                "CN=Default-First-Site-Name",
                f"{DOMAIN}/Configuration/Sites",
                4,
                f"CN=Default-First-Site-Name,CN=Sites,CN=Configuration,{AD_DN}",
                guid("Site/Default-First-Site-Name"),
                "Default-First-Site-Name",
            ),
        ),
        ("ServerRole", Obj(tn=TN_SERVER_ROLE, to_string="Mailbox", payload=I32(2))),
        ("ErrorReportingEnabled", NIL if is_2016 else B(False)),
        ("MitigationsEnabled", B(not is_2016)),
        ("MitigationsAppliedTime", mitigations_time),
        ("StaticDomainControllers", _mvp_strings(())),
        ("StaticGlobalCatalogs", _mvp_strings(())),
        ("StaticConfigDomainController", S("")),
        ("StaticExcludedDomainControllers", _mvp_strings(())),
        ("MonitoringGroup", S("")),
        ("CurrentDomainControllers", _mvp_strings(())),
        ("CurrentGlobalCatalogs", _mvp_strings(())),
        ("CurrentConfigDomainController", S("")),
        ("ProductID", S(server.product_id)),
        ("IsExchangeTrialEdition", B(False)),
        ("IsExpiredExchangeTrialEdition", B(False)),
        ("MailboxProvisioningAttributes", NIL),
        (
            "RemainingTrialPeriod",
            Obj(
                tn=TN_ENHANCED_TIMESPAN,
                to_string="00:00:00",
                props=[
                    ("Days", I32(0)),
                    ("Hours", I32(0)),
                    ("Milliseconds", I32(0)),
                    ("Minutes", I32(0)),
                    ("Seconds", I32(0)),
                    ("Ticks", I64(0)),
                    ("TotalDays", Db("0")),
                    ("TotalHours", Db("0")),
                    ("TotalMilliseconds", Db("0")),
                    ("TotalMinutes", Db("0")),
                    ("TotalSeconds", Db("0")),
                    ("Sign", I32(0)),
                ],
            ),
        ),
        ("MitigationsApplied", NIL if is_2016 else _mvp_strings(("PING1",))),
        ("MitigationsBlocked", NIL),
        ("DataCollectionEnabled", B(not is_2016)),
        ("Identity", identity),
        ("IsValid", B(True)),
        (
            "ExchangeVersion",
            Obj(
                tn=TN_OBJECT_VERSION,
                to_string="0.1 (8.0.535.0)",
                props=[
                    ("NextMajorVersion", S("1.0 (0.0.0.0)")),
                    ("NextMinorVersion", S("0.2 (0.0.0.0)")),
                    ("Major", By(0)),
                    ("Minor", By(1)),
                    ("ExchangeBuild", S("8.0.535.0")),
                ],
            ),
        ),
        ("DistinguishedName", S(_server_dn(server.name))),
        ("Guid", G(guid(f"{server.name}/ObjectGuid"))),
        (
            "ObjectCategory",
            _ad_object_id(
                f"{DOMAIN}/Configuration/Schema/ms-Exch-Exchange-Server",
                "CN=ms-Exch-Exchange-Server",
                f"{DOMAIN}/Configuration/Schema",
                4,
                f"CN=ms-Exch-Exchange-Server,CN=Schema,CN=Configuration,{AD_DN}",
                guid("Schema/ms-Exch-Exchange-Server"),
                "ms-Exch-Exchange-Server",
            ),
        ),
        ("ObjectClass", _mvp_strings(("top", "server", "msExchExchangeServer"))),
        ("WhenChanged", DT(server.when_changed)),
        ("WhenCreated", DT(server.when_created)),
        ("WhenChangedUTC", DT(server.when_changed_utc)),
        ("WhenCreatedUTC", DT(server.when_created_utc)),
        ("OrganizationId", organization_id),
        ("Id", identity),
        ("OriginatingServer", S(DC)),
        ("ObjectState", Obj(tn=TN_OBJECT_STATE, to_string="Unchanged", payload=I32(1))),
    ]
    return Obj(
        tn=TN_EXCHANGE_SERVER,
        to_string=server.name,
        props=props,
        ms=[
            ("PSComputerName", S(EMS_HOST)),
            ("RunspaceId", G(guid("EMS/RunspaceId"))),
            ("PSShowComputerName", B(False)),
        ],
    )


# -- ExSetup.exe FileVersionInfo --------------------------------------------------------

EXSETUP_PATH = r"C:\Program Files\Microsoft\Exchange Server\V15\bin\ExSetup.exe"


def _long_version(build: tuple[int, int, int, int]) -> str:
    major, minor, number, revision = build
    return f"{major}.{minor:02d}.{number:04d}.{revision:03d}"


def exsetup(server: Server) -> Obj:
    """``(Get-Command ExSetup.exe).FileVersionInfo``; deserialized when it came through Invoke-Command."""
    long = _long_version(server.exsetup_build)
    short = ".".join(str(part) for part in server.exsetup_build)
    major, minor, number, revision = server.exsetup_build
    to_string = (
        f"File:             {EXSETUP_PATH}\r\n"
        "InternalName:     ExSetup.exe\r\n"
        "OriginalFilename: ExSetup.exe\r\n"
        f"FileVersion:      {long}\r\n"
        "FileDescription:  \r\n"
        "Product:          Microsoft® Exchange\r\n"
        f"ProductVersion:   {long}\r\n"
        "Debug:            False\r\n"
        "Patched:          False\r\n"
        "PreRelease:       False\r\n"
        "PrivateBuild:     False\r\n"
        "SpecialBuild:     False\r\n"
        "Language:         Language Neutral\r\n"
    )
    props: list[tuple[str, Value]] = [
        ("Comments", S("Service Pack 1" if server.exchange == "2016" else "Service Pack 2")),
        ("CompanyName", S("Microsoft Corporation")),
        ("FileBuildPart", I32(number)),
        ("FileDescription", S("")),
        ("FileMajorPart", I32(major)),
        ("FileMinorPart", I32(minor)),
        ("FileName", S(EXSETUP_PATH)),
        ("FilePrivatePart", I32(revision)),
        ("FileVersion", S(long)),
        ("InternalName", S("ExSetup.exe")),
        ("IsDebug", B(False)),
        ("IsPatched", B(False)),
        ("IsPrivateBuild", B(False)),
        ("IsPreRelease", B(False)),
        ("IsSpecialBuild", B(False)),
        ("Language", S("Language Neutral")),
        ("LegalCopyright", S("© 2014 Microsoft Corporation. All rights reserved.")),
        ("LegalTrademarks", S("Microsoft® is a registered trademark of Microsoft Corporation.")),
        ("OriginalFilename", S("ExSetup.exe")),
        ("PrivateBuild", S("")),
        ("ProductBuildPart", I32(number)),
        ("ProductMajorPart", I32(major)),
        ("ProductMinorPart", I32(minor)),
        ("ProductName", S("Microsoft® Exchange")),
        ("ProductPrivatePart", I32(revision)),
        ("ProductVersion", S(long)),
        ("SpecialBuild", S("")),
    ]
    raw: list[tuple[str, Value]] = [("FileVersionRaw", Ver(short)), ("ProductVersionRaw", Ver(short))]
    tn: tuple[str, ...] = ("System.Diagnostics.FileVersionInfo", "System.Object")
    if server.collected_by == "remote-5.1":
        # Invoke-Command: the remote object comes back deserialized; the remoting notes are
        # added to it after the members that travelled with it.
        tn = tuple("Deserialized." + name for name in tn)
        ms = [
            *raw,
            ("PSComputerName", S(server.fqdn)),
            ("RunspaceId", G(guid(f"{server.name}/ExSetup/RunspaceId"))),
            ("PSShowComputerName", B(True)),
        ]
    elif server.collected_by == "local-7":
        # -Local: the script adds PSComputerName as an instance note, which is written
        # before the type's own script properties.
        ms = [("PSComputerName", S(server.name)), *raw]
    else:
        ms = raw
    return Obj(tn=tn, to_string=to_string, props=props, ms=ms)


def os_info(server: Server) -> Obj:
    """``Get-ItemProperty ...\\CurrentVersion | Select-Object ProductName, ..., UBR, PSComputerName``."""
    if server.collected_by == "remote-5.1":
        computer: Value = S(server.fqdn)
    elif server.collected_by == "local-7":
        computer = S(server.name)
    else:
        computer = NIL  # a plain Get-ItemProperty has no PSComputerName: Select-Object gives $null
    display: Value = NIL if server.os_display_version is None else S(server.os_display_version)
    return Obj(
        tn=(
            "Selected.System.Management.Automation.PSCustomObject",
            "System.Management.Automation.PSCustomObject",
            "System.Object",
        ),
        ms=[
            ("ProductName", S(server.os_product)),
            ("CurrentBuild", S(server.os_build)),
            ("CurrentBuildNumber", S(server.os_build)),
            ("DisplayVersion", display),
            ("UBR", I32(server.os_ubr)),
            ("PSComputerName", computer),
        ],
    )


# -- Registry state per server ------------------------------------------------------------

SCHANNEL_KEY = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
NET_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\.NETFramework"
NET_WOW_KEY = r"HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\.NETFramework"
CIPHER_KEY = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL"

ON = (("DisabledByDefault", dword(0)), ("Enabled", dword(1)))
OFF = (("DisabledByDefault", dword(1)), ("Enabled", dword(0)))


def _schannel_base() -> RegNode:
    """A fresh Windows Server SCHANNEL key before anyone configured it."""
    root = RegNode(values=[("EventLogging", dword(1))])
    for name in ("Ciphers", "CipherSuites", "Hashes", "KeyExchangeAlgorithms", "Protocols"):
        root.child(name)
    root.set(r"Protocols\SSL 2.0\Client", ("DisabledByDefault", dword(1)))
    return root


def schannel(server: Server) -> RegNode:
    root = _schannel_base()
    protocols = root.child("Protocols")
    if server.name == "EX16-OLD":
        for side in ("Client", "Server"):
            protocols.set(f"SSL 3.0\\{side}", *OFF)
        for version in ("TLS 1.0", "TLS 1.1", "TLS 1.2"):
            for side in ("Client", "Server"):
                protocols.set(f"{version}\\{side}", *ON)
    elif server.name == "EX19-NONET":
        for side in ("Client", "Server"):
            protocols.set(f"TLS 1.2\\{side}", *ON)
    elif server.name == "EX19-READY":
        for version in ("TLS 1.0", "TLS 1.1", "TLS 1.2"):
            for side in ("Client", "Server"):
                protocols.set(f"{version}\\{side}", *ON)
        for side in ("Client", "Server"):
            protocols.set(f"TLS 1.3\\{side}", *OFF)
    elif server.name == "EX19-DONE":
        # Partly written by IIS Crypto: weak ciphers off, TLS 1.2 Server Enabled=0xffffffff.
        for cipher in ("NULL", "RC4 128/128", "RC4 40/128", "RC4 56/128", "Triple DES 168"):
            root.set(f"Ciphers\\{cipher}", ("Enabled", dword(0)))
        for version in ("SSL 3.0", "TLS 1.0", "TLS 1.1"):
            for side in ("Client", "Server"):
                protocols.set(f"{version}\\{side}", *OFF)
        protocols.set(r"TLS 1.2\Client", *ON)
        protocols.set(r"TLS 1.2\Server", ("Enabled", dword(0xFFFFFFFF)), ("DisabledByDefault", dword(0)))
    elif server.name == "EXSE-01":
        for side in ("Client", "Server"):
            protocols.set(f"TLS 1.0\\{side}", *OFF)
        protocols.set(r"TLS 1.1\Server", *OFF)  # the Client twin was never written: a mismatch
        for side in ("Client", "Server"):
            protocols.set(f"TLS 1.2\\{side}", *ON)
    else:
        raise ValueError(server.name)
    return root


NET_TLS = (("SystemDefaultTlsVersions", dword(1)), ("SchUseStrongCrypto", dword(1)))
NET_SKUS = (
    ".NETFramework,Version=v4.0",
    ".NETFramework,Version=v4.0,Profile=Client",
    ".NETFramework,Version=v4.5",
    ".NETFramework,Version=v4.5.1",
    ".NETFramework,Version=v4.5.2",
    ".NETFramework,Version=v4.6",
    ".NETFramework,Version=v4.6.1",
    ".NETFramework,Version=v4.6.2",
    ".NETFramework,Version=v4.7",
    ".NETFramework,Version=v4.7.1",
    ".NETFramework,Version=v4.7.2",
    ".NETFramework,Version=v4.8",
)


def netframework(server: Server, *, wow: bool) -> RegNode:
    framework = r"C:\Windows\Microsoft.NET\Framework" + ("\\" if wow else "64\\")
    root = RegNode()
    if not wow:
        root.values.append(("Enable64Bit", dword(1)))
    root.values.append(("InstallRoot", sz(framework)))
    root.child("AssemblyFolders")
    root.set(r"Policy\v2.0", ("50727", sz("50727-50727")))
    root.set(r"Policy\v4.0", ("30319", sz("30319-30319")))
    v2 = root.child("v2.0.50727")
    v4 = root.child("v4.0.30319")
    for sku in NET_SKUS:
        v4.child(f"SKUs\\{sku}")
    if server.name != "EX19-NONET":  # EX19-NONET never got the .NET TLS values
        v4.values.extend(NET_TLS)
        v2.values.extend(NET_TLS)
    return root


def cipher_suites(server: Server) -> RegNode:
    suites = TLS13_SUITES + TLS12_SUITES if server.exchange != "2016" else TLS12_SUITES
    root = RegNode()
    root.set("00010002", ("Functions", multi_sz(suites)))
    root.set("00010003", ("Functions", multi_sz(CURVES)))
    return root


# -- The hand-made SCHANNEL JSON of EX16-OLD ---------------------------------------------

_REGISTRY_PROVIDER = "Microsoft.PowerShell.Core\\Registry"
_PSDRIVE_HKLM: dict[str, JsonValue] = {
    "CurrentLocation": "",
    "Name": "HKLM",
    "Provider": _REGISTRY_PROVIDER,
    "Root": "HKEY_LOCAL_MACHINE",
    "Description": "The configuration settings for the local computer",
    "MaximumSize": None,
    "Credential": "System.Management.Automation.PSCredential",
    "DisplayRoot": None,
}
_PSPROVIDER_REGISTRY: dict[str, JsonValue] = {
    "ImplementingType": "Microsoft.PowerShell.Commands.RegistryProvider",
    "HelpFile": "System.Management.Automation.dll-Help.xml",
    "Name": "Registry",
    "PSSnapIn": "Microsoft.PowerShell.Core",
    "ModuleName": "Microsoft.PowerShell.Core",
    "Module": None,
    "Description": "",
    "Capabilities": 80,
    "Home": "",
    "Drives": "HKLM HKCU",
}


def schannel_protocols_json(server: Server) -> str:
    """``Get-ChildItem ...\\SCHANNEL\\Protocols -Recurse | Get-ItemProperty | ConvertTo-Json`` (5.1).

    Get-ChildItem walks depth first in the registry's sorted order; keys without values
    (``SSL 2.0``, ``TLS 1.0``) give no Get-ItemProperty object.
    """
    typed = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols"
    items: list[JsonValue] = []

    def walk(path: str, node: RegNode) -> None:
        for name in sorted(node.children, key=str.upper):
            child = node.children[name]
            child_path = f"{path}\\{name}"
            if child.values:
                record: dict[str, JsonValue] = {}
                for value_name, (kind, data) in child.values:
                    assert kind == "dword" and isinstance(data, int)
                    record[value_name] = data - (1 << 32) if data >= 1 << 31 else data
                record["PSPath"] = f"{_REGISTRY_PROVIDER}::{child_path}"
                record["PSParentPath"] = f"{_REGISTRY_PROVIDER}::{path}"
                record["PSChildName"] = name
                record["PSDrive"] = dict(_PSDRIVE_HKLM)
                record["PSProvider"] = dict(_PSPROVIDER_REGISTRY)
                items.append(record)
            walk(child_path, child)

    walk(typed, schannel(server).child("Protocols"))
    return json51(items)


# -- Exchange Online Get-TransportConfig (deserialized, flattened values) ------------------

TENANT = "contoso.onmicrosoft.com"
EXO_FOREST = "EURPR05A001.prod.outlook.com"
EXO_TYPES = tuple(
    "Deserialized." + name
    for name in (
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer",
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.ADContainer",
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.ADConfigurationObject",
        "Microsoft.Exchange.Data.Directory.ADObject",
        "Microsoft.Exchange.Data.Directory.ADRawEntry",
        "Microsoft.Exchange.Data.ConfigurableObject",
        "System.Object",
    )
)


def _exo_mvp(items: Iterable[str], item_type: str = _STRING_T) -> Obj:
    return Obj(
        tn=(
            f"Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1[[{item_type}]]",
            "Deserialized.Microsoft.Exchange.Data.MultiValuedPropertyBase",
            "Deserialized.System.Object",
        ),
        lst=[S(item) for item in items],
    )


def transport_config_exo() -> Obj:
    config_dn = f"CN=Transport Settings,CN=Configuration,CN={TENANT},CN=ConfigurationUnits,DC=EURPR05A001,DC=PROD,DC=OUTLOOK,DC=COM"
    identity = f"{EXO_FOREST}/Microsoft Exchange Hosted Organizations/{TENANT}/Configuration/Transport Settings"
    smtp_domain = (
        "Microsoft.Exchange.Data.SmtpDomain, Microsoft.Exchange.Data, Version=15.0.0.0, "
        "Culture=neutral, PublicKeyToken=31bf3856ad364e35"
    )
    props: list[tuple[str, Value]] = [
        ("Name", S("Transport Settings")),
        ("TLSReceiveDomainSecureList", _exo_mvp((), smtp_domain)),
        ("TLSSendDomainSecureList", _exo_mvp((), smtp_domain)),
        ("GenerateCopyOfDSNFor", _exo_mvp(())),
        ("InternalSMTPServers", _exo_mvp(())),
        ("JournalingReportNdrTo", S("<>")),
        ("OrganizationFederatedMailbox", S(f"FederatedEmail.4c1f4d8b-8179-4148-93bf-00a95fa1e042@{TENANT}")),
        ("MaxDumpsterSizePerDatabase", S("18 MB (18,874,368 bytes)")),
        ("MaxDumpsterTime", S("7.00:00:00")),
        ("VerifySecureSubmitEnabled", B(False)),
        ("ClearCategories", B(True)),
        ("AddressBookPolicyRoutingEnabled", B(False)),
        ("ConvertDisclaimerWrapperToEml", B(False)),
        ("PreserveReportBodypart", B(True)),
        ("ConvertReportToMessage", B(False)),
        ("DSNConversionMode", S("UseExchangeDSNs")),
        ("VoicemailJournalingEnabled", B(True)),
        ("HeaderPromotionModeSetting", S("NoCreate")),
        ("Xexch50Enabled", B(True)),
        ("Rfc2231EncodingEnabled", B(False)),
        ("OpenDomainRoutingEnabled", B(False)),
        ("MaxReceiveSize", S("36 MB (37,748,736 bytes)")),
        ("MaxRecipientEnvelopeLimit", S("Unlimited")),
        ("MaxSendSize", S("35 MB (36,700,160 bytes)")),
        ("ExternalDelayDsnEnabled", B(True)),
        ("ExternalDsnDefaultLanguage", NIL),
        ("ExternalDsnLanguageDetectionEnabled", B(True)),
        ("ExternalDsnMaxMessageAttachSize", S("10 MB (10,485,760 bytes)")),
        ("ExternalDsnReportingAuthority", S("")),
        ("ExternalDsnSendHtml", B(True)),
        ("ExternalPostmasterAddress", NIL),
        ("InternalDelayDsnEnabled", B(True)),
        ("InternalDsnDefaultLanguage", NIL),
        ("InternalDsnLanguageDetectionEnabled", B(True)),
        ("InternalDsnMaxMessageAttachSize", S("10 MB (10,485,760 bytes)")),
        ("InternalDsnReportingAuthority", S("")),
        ("InternalDsnSendHtml", B(True)),
        ("SupervisionTags", _exo_mvp(("Reject", "Allow"))),
        ("HygieneSuite", S("Standard")),
        ("MigrationEnabled", B(False)),
        ("LegacyJournalingMigrationEnabled", B(False)),
        ("LegacyArchiveJournalingEnabled", B(False)),
        ("RedirectDLMessagesForLegacyArchiveJournaling", B(False)),
        ("RedirectUnprovisionedUserMessagesForLegacyArchiveJournaling", B(False)),
        ("LegacyArchiveLiveJournalingEnabled", B(False)),
        ("JournalArchivingEnabled", B(False)),
        ("SafetyNetHoldTime", S("2.00:00:00")),
        ("TransportRuleConfig", _exo_mvp(())),
        ("TransportRuleCollectionAddedRecipientsLimit", I32(100)),
        ("TransportRuleLimit", I32(300)),
        ("TransportRuleCollectionRegexCharsLimit", S("20 KB (20,480 bytes)")),
        ("TransportRuleSizeLimit", S("8 KB (8,192 bytes)")),
        ("TransportRuleAttachmentTextScanLimit", S("150 KB (153,600 bytes)")),
        ("TransportRuleRegexValidationTimeout", S("00:00:00.3000000")),
        ("TransportRuleMinProductVersion", S("14.0.0.0")),
        ("AnonymousSenderToRecipientRatePerHour", I32(1800)),
        ("QueueDiagnosticsAggregationInterval", S("00:01:00")),
        ("JournalReportDLMemberSubstitutionEnabled", B(False)),
        ("DiagnosticsAggregationServicePort", I32(9710)),
        ("AgentGeneratedMessageLoopDetectionInSubmissionEnabled", B(True)),
        ("AgentGeneratedMessageLoopDetectionInSmtpEnabled", B(True)),
        ("MaxAllowedAgentGeneratedMessageDepth", I32(3)),
        ("MaxAllowedAgentGeneratedMessageDepthPerAgent", I32(2)),
        ("AttributionRejectConsumerMessages", B(False)),
        ("AttributionRejectBeforeMServRequest", B(False)),
        ("SmtpClientAuthenticationDisabled", B(False)),
        ("JournalMessageExpirationDays", I32(0)),
        ("PreventDuplicateJournalingEnabled", B(False)),
        ("ReplyAllStormProtectionEnabled", B(True)),
        ("ReplyAllStormDetectionMinimumRecipients", I32(2500)),
        ("ReplyAllStormDetectionMinimumReplies", I32(10)),
        ("AllowLegacyTLSClients", B(True)),
        ("ReplyAllStormBlockDurationHours", I32(6)),
        ("MessageExpiration", S("1.00:00:00")),
        ("EnableExternalHTTPMailDelivery", B(False)),
        ("OtherWellKnownObjects", _exo_mvp(())),
        ("AdminDisplayName", S("")),
        ("ExchangeVersion", S("0.10 (14.0.100.0)")),
        ("DistinguishedName", S(config_dn)),
        ("Identity", S(identity)),
        ("ObjectCategory", S(f"{EXO_FOREST}/Configuration/Schema/ms-Exch-Transport-Settings")),
        ("ObjectClass", _exo_mvp(("top", "container", "msExchTransportSettings"))),
        ("WhenChanged", DT("2026-01-27T16:08:51+01:00")),
        ("WhenCreated", DT("2019-04-03T11:26:14+02:00")),
        ("WhenChangedUTC", DT("2026-01-27T15:08:51Z")),
        ("WhenCreatedUTC", DT("2019-04-03T09:26:14Z")),
        ("ExchangeObjectId", G(guid("EXO/TransportConfig/ExchangeObjectId"))),
        ("OrganizationalUnitRoot", S(f"{EXO_FOREST}/Microsoft Exchange Hosted Organizations/{TENANT}")),
        (
            "OrganizationId",
            S(
                f"{EXO_FOREST}/Microsoft Exchange Hosted Organizations/{TENANT} - "
                f"{EXO_FOREST}/ConfigurationUnits/{TENANT}/Configuration"
            ),
        ),
        ("Id", S(identity)),
        ("Guid", G(guid("EXO/TransportConfig/ExchangeObjectId"))),
        ("OriginatingServer", S("AM0PR05A01DC003.EURPR05A001.prod.outlook.com")),
        ("IsValid", B(True)),
        ("ObjectState", S("Unchanged")),
    ]
    return Obj(
        tn=EXO_TYPES,
        to_string="Transport Settings",
        props=props,
        ms=[
            ("PSComputerName", S("outlook.office365.com")),
            ("RunspaceId", G(guid("EXO/RunspaceId"))),
            ("PSShowComputerName", B(False)),
        ],
    )


# -- collect-errors.txt ------------------------------------------------------------------

REG_NOT_FOUND = "ERROR: The system was unable to find the specified registry key or value."


def collect_errors_line(file_name: str, key: str, message: str) -> str:
    """One line as Collect-ExoTls.ps1 appends it: file, tab, key, tab, reg.exe's message."""
    return f"{file_name}\t{key}\t{message}"


# ---------------------------------------------------------------------------------------
# Assemble every file.
# ---------------------------------------------------------------------------------------


def build_files() -> dict[str, bytes]:
    """Relative path (``/``-separated) -> exact bytes, for the whole sample folder."""
    files: dict[str, bytes] = {}
    shared: dict[str, Obj] = {}
    servers = [exchange_server(server, shared) for server in SERVERS]
    files["organization/Get-ExchangeServer.xml"] = utf16le_bom_crlf(clixml(servers))
    files["organization/Get-TransportConfig.xml"] = utf16le_bom_crlf(clixml([transport_config_exo()]))

    for server in SERVERS:
        folder = server.name
        xml_bytes: Callable[[str], bytes] = utf8_crlf if server.collected_by == "local-7" else utf16le_bom_crlf
        files[f"{folder}/ExSetup.xml"] = xml_bytes(clixml([exsetup(server)]))
        files[f"{folder}/OS.xml"] = xml_bytes(clixml([os_info(server)]))
        if server.collected_by == "manual-5.1":
            files[f"{folder}/SCHANNEL.json"] = ansi_crlf_line(schannel_protocols_json(server))
        else:
            files[f"{folder}/SCHANNEL.reg"] = utf16le_bom_crlf(reg_export(SCHANNEL_KEY, schannel(server)))
        files[f"{folder}/NETFramework.reg"] = utf16le_bom_crlf(reg_export(NET_KEY, netframework(server, wow=False)))
        files[f"{folder}/NETFramework-Wow6432Node.reg"] = utf16le_bom_crlf(
            reg_export(NET_WOW_KEY, netframework(server, wow=True))
        )
        if server.name == "EX19-NONET":
            # reg.exe exited 1 for the cipher suite key: nothing written, the reason recorded.
            line = collect_errors_line("CipherSuites.reg", CIPHER_KEY.replace("HKEY_LOCAL_MACHINE", "HKLM"), REG_NOT_FOUND)
            files[f"{folder}/collect-errors.txt"] = (line + "\r\n").encode("utf-8")
        elif server.collected_by != "manual-5.1":
            files[f"{folder}/CipherSuites.reg"] = utf16le_bom_crlf(reg_export(CIPHER_KEY, cipher_suites(server)))
    return dict(sorted(files.items()))


def _shipped(directory: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_file() and relative not in HAND_WRITTEN:
            found[relative] = path.read_bytes()
    return found


def write_samples(directory: Path) -> list[str]:
    """Write the samples into ``directory``; remove generated files that no longer belong."""
    files = build_files()
    existing = _shipped(directory) if directory.exists() else {}
    for stale in sorted(set(existing) - set(files)):
        (directory / stale).unlink()
    for relative, data in files.items():
        target = directory / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return list(files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR, help="target folder (default: the package's samples)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on any difference")
    args = parser.parse_args(argv)
    if args.check:
        expected, actual = build_files(), _shipped(args.out)
        differing = sorted(name for name in set(expected) | set(actual) if expected.get(name) != actual.get(name))
        for name in differing:
            print(f"differs: {name}", file=sys.stderr)
        return 1 if differing else 0
    written = write_samples(args.out)
    print(f"wrote {len(written)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
