"""What a build supports (TLS 1.2, disabling TLS 1.0/1.1, TLS 1.3, .NET), read from data.

Each fact is a first-build threshold per product in ``data/capabilities.json`` with its
source next to it, so a new Microsoft statement is a data edit, not a code change. A build
at or above the threshold of its product has the capability; thresholds compare builds as
integers, so builds missing from the release table still get a correct answer.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from exotls.errors import InvalidBuildError, ReleaseDataError
from exotls.releases.version import Build, parse_build

__all__ = ["Capabilities", "DotNetStep", "Feature", "Threshold", "load_capabilities"]

Feature = Literal["tls12", "disable_tls10_tls11", "tls13"]
_DATA_FILE = "capabilities.json"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_build(value: str) -> str:
    try:
        if parse_build(value).short != value:
            raise ValueError(f"{value!r} is not a short-form build")
    except InvalidBuildError as err:
        raise ValueError(err.reason) from None
    return value


ShortBuild = Annotated[str, AfterValidator(_check_build)]


class Threshold(_Model):
    """The first build of a product with a capability, named and sourced."""

    product: str
    from_build: ShortBuild
    release: str
    confidence: Literal["confirmed", "secondary"]
    source: str

    @property
    def version(self) -> Build:
        return parse_build(self.from_build)


class DotNetStep(_Model):
    """From this build on, HealthChecker recommends this .NET Framework version."""

    product: str
    from_build: ShortBuild
    version: str
    note: str | None = None

    @property
    def start(self) -> Build:
        return parse_build(self.from_build)


class _DotNet(_Model):
    source: str
    steps: tuple[DotNetStep, ...]


class Capabilities(_Model):
    """The capability thresholds, queried per (product, build)."""

    description: str
    features: dict[Feature, tuple[Threshold, ...]]
    tls13_requires: str
    dotnet: _DotNet

    def supports(self, feature: Feature, product: str, build: Build) -> bool:
        """True when the build is at or above its product's threshold for the feature."""
        return any(t.product == product and build >= t.version for t in self.features.get(feature, ()))

    def threshold(self, feature: Feature, product: str) -> Threshold | None:
        """The threshold row (with source and confidence) for one product, if any."""
        return next((t for t in self.features.get(feature, ()) if t.product == product), None)

    def dotnet_for(self, product: str, build: Build) -> DotNetStep | None:
        """The last step at or below the build: HealthChecker's recommended .NET for it."""
        chosen: DotNetStep | None = None
        for step in self.dotnet.steps:
            if (
                step.product == product
                and build >= step.start
                and (chosen is None or step.start >= chosen.start)
            ):
                chosen = step
        return chosen

    @property
    def dotnet_source(self) -> str:
        return self.dotnet.source


@cache
def load_capabilities() -> Capabilities:
    """The embedded capability data, validated once."""
    raw = resources.files("exotls.releases").joinpath("data", _DATA_FILE).read_bytes()
    try:
        return Capabilities.model_validate_json(raw)
    except ValueError as err:
        raise ReleaseDataError(f"capability data is invalid: {err}", path=_DATA_FILE) from err
