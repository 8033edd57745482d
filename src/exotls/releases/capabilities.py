"""What a build supports (TLS 1.2, disabling TLS 1.0/1.1, TLS 1.3, .NET), read from data.

Each fact is a first-build threshold per product in ``data/capabilities.json`` with its
source next to it, so a new Microsoft statement is a data edit, not a code change. A build
at or above the threshold of its product has the capability; thresholds compare builds as
integers, so builds missing from the release table still get a correct answer.
"""

import json
from functools import cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from exotls._package_data import read_package_data
from exotls.errors import InvalidBuildError, ReleaseDataError
from exotls.releases.version import Build, parse_build

__all__ = ["Capabilities", "DotNetStep", "Feature", "Threshold", "load_capabilities"]

Feature = Literal["tls12", "disable_tls10_tls11", "tls13"]
_DATA_FILE = "capabilities.json"


class _Model(BaseModel):
    # defer_build: the shipped data is built without validation (see load_capabilities).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


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
    """The embedded capability data.

    It is built without validation: test_embedded_capabilities_validate holds the shipped file
    to the models and to equality with this build, and start-up does not pay for schemas.
    """
    document = json.loads(embedded_capabilities_bytes())
    return Capabilities.model_construct(
        description=document["description"],
        features={
            feature: tuple(Threshold.model_construct(**row) for row in rows)
            for feature, rows in document["features"].items()
        },
        tls13_requires=document["tls13_requires"],
        dotnet=_DotNet.model_construct(
            source=document["dotnet"]["source"],
            steps=tuple(DotNetStep.model_construct(**step) for step in document["dotnet"]["steps"]),
        ),
    )


def validate_capabilities(data: bytes) -> Capabilities:
    """Capability data held to the models: what the tests run on the shipped file."""
    try:
        return Capabilities.model_validate_json(data)
    except ValueError as err:
        raise ReleaseDataError(f"capability data is invalid: {err}", path=_DATA_FILE) from err


def embedded_capabilities_bytes() -> bytes:
    return read_package_data("releases", "data", _DATA_FILE)
