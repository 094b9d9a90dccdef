"""Service profiles: the data that says what the stub pretends to be.

A profile names the service, its operations (HTTP route, baseline latency,
downstream span name, metric side-effects), its metric families and its
background queues. Profiles live in ``fixtures/profiles/<name>.yaml``.

Usage::

    >>> from harness.stub.profile import load_profile
    >>> p = load_profile("customerio")
    >>> p.service.name, p.operation("send_email").path
    ('customerio-stub', '/v1/send/email')
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.stub.latency import Distribution, Uniform

PROFILES_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"

_METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"


class ProfileError(ValueError):
    """A profile could not be found or is invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncrementEffect(_Strict):
    """Increment a named counter by one."""

    type: Literal["increment"]
    counter: str


class EnqueueEffect(_Strict):
    """Put one job on a background queue."""

    type: Literal["enqueue"]
    queue: str


class BounceEffect(_Strict):
    """Increment ``counter`` with probability equal to the active bounce fault rate."""

    type: Literal["bounce"]
    counter: str


Effect = Annotated[IncrementEffect | EnqueueEffect | BounceEffect, Field(discriminator="type")]


class Operation(_Strict):
    """One API operation of the simulated service."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    path: str = Field(pattern=r"^/")
    latency: Distribution = Field(default_factory=lambda: Uniform(low_ms=5, high_ms=30))
    downstream_span: str
    # Effects run when the request arrives, when it succeeds, and when it fails with a 5xx.
    on_receive: list[Effect] = Field(default_factory=list)
    on_success: list[Effect] = Field(default_factory=list)
    on_error: list[Effect] = Field(default_factory=list)

    def effects(self) -> list[IncrementEffect | EnqueueEffect | BounceEffect]:
        """All effects of this operation, in any phase."""
        return [*self.on_receive, *self.on_success, *self.on_error]


class CounterSpec(_Strict):
    """A plain counter family; ``name`` is the exposed name including ``_total``."""

    name: str = Field(pattern=_METRIC_NAME)
    help: str


class QueueSpec(_Strict):
    """A background queue drained by a worker at ``drain_per_second`` jobs/s."""

    depth_metric: str = Field(pattern=_METRIC_NAME)
    help: str
    drain_per_second: float = Field(gt=0)


class MetricsSpec(_Strict):
    """Names of the request metric families and the extra counters."""

    requests_total: str = Field(pattern=_METRIC_NAME)
    request_duration_seconds: str = Field(pattern=_METRIC_NAME)
    duration_buckets: list[float] = Field(min_length=1)
    counters: dict[str, CounterSpec] = Field(default_factory=dict)


class ServiceSpec(_Strict):
    """Identity of the simulated service as seen by tracing."""

    name: str


class Profile(_Strict):
    """A complete service profile."""

    name: str
    service: ServiceSpec
    hooks: str | None = None
    metrics: MetricsSpec
    queues: dict[str, QueueSpec] = Field(default_factory=dict)
    operations: list[Operation] = Field(min_length=1)

    @model_validator(mode="after")
    def _references_resolve(self) -> Profile:
        names = [op.name for op in self.operations]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate operation names in {names}")
        routes = [(op.method, op.path) for op in self.operations]
        if len(set(routes)) != len(routes):
            raise ValueError("two operations share a method and path")
        for op in self.operations:
            for eff in op.effects():
                if isinstance(eff, EnqueueEffect):
                    if eff.queue not in self.queues:
                        raise ValueError(f"operation {op.name}: unknown queue {eff.queue!r}")
                elif eff.counter not in self.metrics.counters:
                    raise ValueError(f"operation {op.name}: unknown counter {eff.counter!r}")
        return self

    @property
    def operation_names(self) -> list[str]:
        """Operation names in profile order."""
        return [op.name for op in self.operations]

    def operation(self, name: str) -> Operation:
        """The operation called ``name``; ``KeyError`` if there is none."""
        for op in self.operations:
            if op.name == name:
                return op
        raise KeyError(name)

    def load_hooks(self) -> ModuleType | None:
        """Import the profile's hook module, if it names one."""
        return importlib.import_module(self.hooks) if self.hooks else None


def resolve_profile_path(profile: str | Path) -> Path:
    """Map a profile name (``customerio``) or a YAML path to an existing file."""
    candidate = Path(profile)
    if candidate.suffix in (".yaml", ".yml") or candidate.is_file():
        if not candidate.is_file():
            raise ProfileError(f"profile file {candidate} does not exist")
        return candidate
    if not re.fullmatch(r"[A-Za-z0-9_-]+", str(profile)):
        raise ProfileError(f"invalid profile name {profile!r}")
    directories = _profile_dirs()
    for directory in directories:
        if (directory / f"{profile}.yaml").is_file():
            return directory / f"{profile}.yaml"
    known = sorted({p.stem for directory in directories for p in directory.glob("*.yaml")})
    raise ProfileError(
        f"unknown profile {profile!r}; known: {', '.join(known) or 'none'} "
        "(searched FIREDRILL_PROFILES_DIR, ./fixtures/profiles and the source checkout; or pass a YAML path)"
    )


def _profile_dirs() -> list[Path]:
    """Where profile names are looked up: $FIREDRILL_PROFILES_DIR (colon-separated), the working directory's
    fixtures/profiles (an installed firedrill run from a checkout), then the checkout firedrill came from."""
    configured = [Path(p) for p in os.environ.get("FIREDRILL_PROFILES_DIR", "").split(os.pathsep) if p]
    return list(dict.fromkeys([*configured, Path.cwd() / "fixtures" / "profiles", PROFILES_DIR]))


def load_profile(profile: str | Path) -> Profile:
    """Load and validate a profile by name or by path to a YAML file.

    >>> load_profile("customerio").operation_names
    ['identify', 'track', 'send_email', 'webhook']
    """
    path = resolve_profile_path(profile)
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{path}: {exc}") from exc
