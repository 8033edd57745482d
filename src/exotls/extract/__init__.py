"""The extract layer: Exchange and Windows facts from neutral documents, nothing about files.

``extract_document`` turns one read document into observations; ``merge`` groups
every file's observations into servers and one organization.
"""

from __future__ import annotations

from exotls.extract.document import extract_document
from exotls.extract.identity import identity_from_path, server_key
from exotls.extract.merge import merge
from exotls.extract.observations import FileFacts, OrgObs, RegistryObs, ServerObs

__all__ = [
    "FileFacts",
    "OrgObs",
    "RegistryObs",
    "ServerObs",
    "extract_document",
    "identity_from_path",
    "merge",
    "server_key",
]
