"""Check exotls against real Microsoft exports and the facts in their EXPECTED.json.

Usage: python tests/conformance/check_corpus.py ../shared/corpus
Run by `make conformance` (and by .ci/run after `make test`). It is not part of
`make test`, so a clone without the corpus still passes the unit tests.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exotls.extract import merge
from exotls.inputs import Candidate
from exotls.pipeline import extract_file
from exotls.readers import PSObject, Version, read

Check = Callable[[dict[str, Any], Path], list[str]]
_BYTES = re.compile(r"\(([\d,.\s]+) bytes\)")


def _unsigned(value: Any) -> Any:
    return value + 2**32 if isinstance(value, int) and value < 0 else value


def check_read(expected: dict[str, Any], path: Path) -> list[str]:
    problems: list[str] = []
    doc = read(path)
    objects = list(doc.objects)
    if doc.format != expected.get("format", doc.format):
        problems.append(f"format {doc.format} != {expected['format']}")
    if "encoding" in expected and doc.encoding != expected["encoding"]:
        problems.append(f"encoding {doc.encoding} != {expected['encoding']}")
    if "newline" in expected and doc.newline not in (expected["newline"], "none"):
        problems.append(f"newline {doc.newline} != {expected['newline']}")
    if "top_level_objects" in expected and len(objects) != expected["top_level_objects"]:
        problems.append(f"{len(objects)} top-level objects != {expected['top_level_objects']}")
    first = objects[0] if objects else None
    if "first_type_name" in expected:
        got = first.type_names[0] if isinstance(first, PSObject) and first.type_names else None
        if got != expected["first_type_name"]:
            problems.append(f"first type name {got!r} != {expected['first_type_name']!r}")
    if (
        "type_names_deserialized" in expected
        and isinstance(first, PSObject)
        and first.deserialized != expected["type_names_deserialized"]
    ):
        problems.append("Deserialized. prefix state differs")
    for name, want in expected.get("properties", {}).items():
        got = first.get(name) if isinstance(first, PSObject) else None
        if got != want:
            problems.append(f"property {name}: {got!r} != {want!r}")
    if isinstance(first, PSObject) and any(t.startswith("Deserialized.Deserialized.") for t in first.type_names):
        problems.append("Deserialized. prefix doubled")
    for index, want in enumerate(expected.get("connectors", [])):
        obj = objects[index]
        size = obj.get("MaxMessageSize")
        match = _BYTES.search(size.to_string or "") if isinstance(size, PSObject) else None
        errors = obj.get("MaxProtocolErrors")
        got = {
            "name": obj.get("Name"),
            "max_message_size": size.to_string if isinstance(size, PSObject) else size,
            "max_message_size_bytes": int(re.sub(r"\D", "", match.group(1))) if match else None,
            "max_protocol_errors": {"is_unlimited": errors.get("IsUnlimited"), "value": errors.get("Value")}
            if isinstance(errors, PSObject) else None,
        }
        if got != want:
            problems.append(f"connector {index}: {got} != {want}")
    if "auth_mechanism_first" in expected:
        auth = objects[0].get("AuthMechanism")
        got = {"name": auth.to_string, "value": auth.payload} if isinstance(auth, PSObject) else None
        if got != expected["auth_mechanism_first"]:
            problems.append(f"AuthMechanism {got} != {expected['auth_mechanism_first']}")
    for name, want in expected.get("tls_certificate_name", {}).items():
        obj = next((o for o in objects if o.get("Name") == name), None)
        cert = obj.get("TlsCertificateName") if obj is not None else "<missing connector>"
        got = cert.to_string if isinstance(cert, PSObject) else cert
        if got != want:
            problems.append(f"TlsCertificateName of {name}: {got!r} != {want!r}")
    if expected.get("kind") == "os_info" and isinstance(first, PSObject):
        for name in ("Caption", "Version", "BuildNumber"):
            if first.get(name) != expected[name]:
                problems.append(f"{name}: {first.get(name)!r} != {expected[name]!r}")
    if expected.get("kind") == "os_product_name" and first != expected["value"]:
        problems.append(f"value {first!r} != {expected['value']!r}")
    if expected.get("kind") == "server_version" and isinstance(first, PSObject):
        got = tuple(first.get(n) for n in ("Major", "Minor", "Build", "Revision"))
        want = (expected["major"], expected["minor"], expected["build_number"], expected["revision"])
        if got != want:
            problems.append(f"ServerVersion parts {got} != {want}")
    for want in expected.get("files", []):
        obj = first
        for name in ("FileName", "ProductVersion", "FileVersion"):
            key = {"FileName": "file_name", "ProductVersion": "product_version", "FileVersion": "file_version"}[name]
            if obj.get(name) != want[key]:
                problems.append(f"{name}: {obj.get(name)!r} != {want[key]!r}")
        raw = obj.get("ProductVersionRaw")
        if not isinstance(raw, Version) or str(raw) != want["build"]:
            problems.append(f"ProductVersionRaw {raw!r} != {want['build']}")
    return problems


def check_extract(expected: dict[str, Any], path: Path) -> list[str]:
    problems: list[str] = []
    facts = extract_file(Candidate(str(path), path.name, None), server="CORPUS")
    if expected.get("kind") == "generic_clixml":
        # Not an Exchange TLS export: it must be read, listed as ignored, and say what it holds.
        if facts.input.status != "ignored" or not facts.input.error:
            problems.append(f"expected status ignored with a reason, got {facts.input.status}")
        return problems
    if facts.input.status != "ok":
        return [f"extract status {facts.input.status}: {facts.input.error}"]
    _, servers = merge([facts])
    by_name = {s.name: s for s in servers}
    for want in expected.get("servers", []):
        server = by_name.get(want["name"])
        if server is None:
            problems.append(f"server {want['name']} not found (got {sorted(by_name)})")
            continue
        got = {
            "name": server.name, "fqdn": server.fqdn, "admin_display_version": server.admin_display_version,
            "build": server.build, "edition": server.edition,
            "server_role": ", ".join(server.roles) if server.roles else None, "site": server.site,
            "is_edge": server.is_edge,
        }
        for key, value in want.items():
            if got.get(key) != value:
                problems.append(f"{want['name']}.{key}: {got.get(key)!r} != {value!r}")
    only = servers[0] if len(servers) == 1 else None
    if expected.get("kind") in ("exsetup_version", "server_version") and only is not None:
        builds = [f["build"] for f in expected.get("files", [])] or [expected.get("build")]
        if only.build != builds[0]:
            problems.append(f"build {only.build} != {builds[0]}")
    if expected.get("kind") == "healthchecker_tls_settings" and only is not None:
        for protocol, sides in expected["protocols"].items():
            for side, values in sides.items():
                want = {k: _unsigned(v) for k, v in values.items()}
                got = only.schannel.get(protocol, {}).get(side)
                if got != want:
                    problems.append(f"schannel {protocol} {side}: {got} != {want}")
        versions = {"NETv4": "v4.0.30319", "NETv2": "v2.0.50727"}
        for key, values in expected["dotnet"].items():
            for arch, prefix in (("x64", ""), ("x86", "Wow")):
                want = {n: _unsigned(values[prefix + n]) for n in ("SystemDefaultTlsVersions", "SchUseStrongCrypto")}
                got = only.dotnet.get(versions[key], {}).get(arch)
                if got != want:
                    problems.append(f"dotnet {key} {arch}: {got} != {want}")
    if expected.get("kind") == "os_product_name" and only is not None and (
        only.os is None or only.os.product_name != expected["value"]
    ):
        problems.append(f"os product name {only.os} != {expected['value']}")
    return problems


def main(argv: list[str]) -> int:
    corpus = Path(argv[1] if len(argv) > 1 else "../shared/corpus") / "css-exchange"
    expected = json.loads((corpus / "EXPECTED.json").read_text(encoding="utf-8"))
    passed = failed = 0
    listed = {entry["file"] for entry in expected["files"]}
    for path in sorted(corpus.glob("*.xml")):
        if path.name not in listed:
            print(f"FAIL {path.name}: no entry in EXPECTED.json")
            failed += 1
    for entry in expected["files"]:
        path = corpus / entry["file"]
        try:
            problems = check_read(entry, path) + check_extract(entry, path)
        except Exception as err:  # report, keep checking the other files
            problems = [f"raised {type(err).__name__}: {err}"]
        if problems:
            failed += 1
            print(f"FAIL {entry['file']}")
            for problem in problems:
                print(f"     {problem}")
        else:
            passed += 1
            print(f"ok   {entry['file']}")
    print(f"conformance: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
