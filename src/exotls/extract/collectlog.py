"""The collect script's ``collect-errors.txt``: which registry keys did not exist.

A key that ``reg export`` could not find is a fact, not a gap: that key is absent on the
server, so its values take the Windows default. Each such line becomes a registry
observation that covers the key and holds no values. Other lines are kept as warnings.
"""

from __future__ import annotations

from exotls.extract.observations import FileFacts
from exotls.extract.registry import RegistryObs, canonical_key
from exotls.model import InputFile

__all__ = ["COLLECT_LOG_NAME", "collect_log_facts"]

COLLECT_LOG_NAME = "collect-errors.txt"
_KEY_MISSING = "unable to find the specified registry key"


def collect_log_facts(text: str, display: str, identity: str | None) -> FileFacts:
    entry = InputFile(path=display, format="collect-log", kinds=["collect-log"])
    facts = FileFacts(input=entry)
    missing: list[str] = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and _KEY_MISSING in parts[2].casefold():
            missing.append(canonical_key(parts[1]))
        elif line.strip():
            entry.warnings.append(f"collect script: {line.strip()}")
    if missing and identity is None:
        entry.status, entry.error = "error", "no server identity for the collect log: keep it in the server's folder"
    elif missing:
        facts.registry.append(
            RegistryObs(identity=identity, file=display, kind="collect-log", entries=[], covered=missing)
        )
    return facts
