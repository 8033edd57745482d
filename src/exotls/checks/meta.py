"""Rule metadata as validated data: ids never change, every rule has a docs page."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from exotls.model import Severity

__all__ = ["DOCS_BASE", "RuleMeta", "Scope"]

# Rule pages live in the repository; the URL is stable per id.
DOCS_BASE = "https://github.com/exotls/exotls/blob/main/docs/rules/"

Scope = Literal["server", "organization", "fleet"]

_ID = re.compile(r"^(BLD|TLS|NET|ORG|FLT|INP|USE)\d{3}$")


class RuleMeta(BaseModel):
    """What a rule is, independent of any run: shown by ``exotls rules`` and in SARIF."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)
    title: str = Field(min_length=10, max_length=150)
    severity: Severity
    scope: Scope
    rationale: str = Field(min_length=20)
    remediation: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _stable_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"rule id {value!r} must be an area prefix and three digits, e.g. TLS001")
        return value

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}{self.id}.md"
