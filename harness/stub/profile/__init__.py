"""Service profiles: one or more services' whole telemetry contract, as data (no Python per service).

A profile names its label pools and its services. Each service has its scrape job and metrics path, request-id
and correlation headers, log schema and PII fields, metric families (any type, what drives each), business
events, queues, and operations (HTTP endpoints or queue jobs) with their spans and calls to other services.
The stub executes it; ``firedrill lint`` reads its contract; scenarios aim faults at it.

Modules: ``dist`` (numbers drawn), ``labels`` (where label values come from), ``metrics`` (families),
``operations`` (operations, steps, events, queues), ``logs`` (log schema), ``check`` (cross-references),
``contract`` (what a profile exports).

Example:
    >>> p = load_profile("customerio")
    >>> p.service("customerio-stub").job, [op.name for op in p.services[0].operations]
    ('customerio', ['identify', 'track', 'send_email', 'webhook'])
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import InputError, Problem
from harness.stub.profile.labels import BUILTIN_LABELS, LABEL_NAME, LabelSpec
from harness.stub.profile.logs import LogSchema
from harness.stub.profile.metrics import FamilySpec
from harness.stub.profile.operations import EventSpec, Operation, QueueSpec
from harness.yamlsrc import YamlDoc, problems_from_validation

REPO_ROOT = Path(__file__).resolve().parents[3]


class ProfileError(InputError):
    """A profile could not be found or is invalid: every problem, one ``file:line: what; expected`` each."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Service(_Strict):
    """One service of the profile: its own /metrics endpoint (scrape job), logs, spans and faults."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    # The scrape job name Prometheus gives its target (`up{job="..."}`); default: the service's name.
    job: str | None = None
    metrics_path: str = Field("/metrics", pattern=r"^/")
    request_id_header: str = "X-Request-ID"
    # Propagated to downstream calls and logged; a request without one uses its request id.
    correlation_header: str | None = None
    logs: LogSchema = LogSchema()
    metrics: list[FamilySpec] = []
    events: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], EventSpec] = {}
    queues: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], QueueSpec] = {}
    operations: list[Operation] = []
    # Standard process/platform/GC collectors of the Python client (off for exporter-shaped services).
    process_metrics: bool = True

    @property
    def job_name(self) -> str:
        return self.job or self.name

    def operation(self, name: str) -> Operation:
        """The operation called ``name``; KeyError if there is none."""
        for op in self.operations:
            if op.name == name:
                return op
        raise KeyError(name)

    @property
    def operation_names(self) -> list[str]:
        return [op.name for op in self.operations]

    def family(self, name: str) -> FamilySpec | None:
        return next((f for f in self.metrics if f.name == name), None)


class Profile(_Strict):
    """A complete profile. Load it with :func:`load_profile` (which also checks every cross-reference)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    description: str = ""
    labels: dict[Annotated[str, Field(pattern=LABEL_NAME)], LabelSpec] = {}
    services: list[Service] = Field(min_length=1)
    source: str = ""

    def service(self, name: str) -> Service:
        """The service called ``name``; KeyError if there is none."""
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    @property
    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    def known_labels(self) -> set[str]:
        """Every label a request or event can carry: the profile's and the built-in ones."""
        return set(self.labels) | set(BUILTIN_LABELS)

    def label_pool(self, name: str) -> list[str]:
        """The finite values of a label (empty when not finite, e.g. a built-in or a request-derived one)."""
        spec = self.labels.get(name)
        return spec.pool() if spec is not None else []


def resolve_profile_path(profile: str | Path, base_dir: Path | None = None) -> Path:
    """A profile's file from its name (``customerio``) or path (relative to ``base_dir``, the scenario's dir).

    A name is looked up as ``NAME.yaml`` or ``NAME/profile.yaml`` in: $FIREDRILL_PROFILES_DIR (colon-separated),
    the scenario's directory, then ``fixtures/profiles`` and ``fixtures/NAME/profile.yaml`` under the working
    directory and under the checkout firedrill came from.
    """
    text = str(profile)
    if text.endswith((".yaml", ".yml")) or "/" in text:
        path = (base_dir or Path.cwd()) / Path(text).expanduser()
        if not path.is_file():
            raise ProfileError.at(str(path), 0, "profile file does not exist; check the path (from the scenario)")
        return path.resolve()
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise ProfileError(f"invalid profile name {text!r}; expected a name like customerio or a path to a YAML file")
    for candidate in _candidates(text, base_dir):
        if candidate.is_file():
            return candidate.resolve()
    named = {p.stem for d in _name_dirs(None) for p in d.glob("*.yaml")}
    known = sorted(named | {p.parent.name for root in _roots() for p in (root / "fixtures").glob("*/profile.yaml")})
    raise ProfileError(f"unknown profile {text!r}; known: {', '.join(known) or 'none'} (searched "
                       "FIREDRILL_PROFILES_DIR, the scenario's directory, fixtures/profiles and fixtures/NAME/; "
                       "or give a path)")  # fmt: skip


def _roots() -> list[Path]:
    return list(dict.fromkeys([Path.cwd(), REPO_ROOT]))


def _name_dirs(base_dir: Path | None) -> list[Path]:
    configured = [Path(p) for p in os.environ.get("FIREDRILL_PROFILES_DIR", "").split(os.pathsep) if p]
    scenario = [base_dir] if base_dir is not None else []
    return list(dict.fromkeys([*configured, *scenario, *(root / "fixtures" / "profiles" for root in _roots())]))


def _candidates(name: str, base_dir: Path | None) -> list[Path]:
    found = []
    for directory in _name_dirs(base_dir):
        found += [directory / f"{name}.yaml", directory / name / "profile.yaml"]
    found += [root / "fixtures" / name / "profile.yaml" for root in _roots()]
    return found


def load_profile(profile: str | Path, base_dir: Path | None = None) -> Profile:
    """Load and check a profile by name or path; ProfileError lists every problem as ``file:line: ...``.

    >>> load_profile("customerio").services[0].metrics_path
    '/metrics'
    """
    from harness.stub.profile.check import reference_problems

    path = resolve_profile_path(profile, base_dir)
    try:
        doc = YamlDoc.load(path)
    except InputError as exc:
        raise ProfileError(exc.problems) from None
    except OSError as exc:
        raise ProfileError.at(str(path), 0, f"cannot read: {exc.strerror}") from None
    problems: list[Problem] = doc.duplicate_keys()
    if not isinstance(doc.data, dict):
        raise ProfileError([*problems, doc.problem((), "a profile is a mapping; expected keys name, services")])
    try:
        loaded = Profile.model_validate({**doc.data, "source": str(path)})
    except ValidationError as exc:
        tags = {"span", "call", "event", "enqueue"}  # the step union's tags, not YAML keys
        raise ProfileError(problems + problems_from_validation(doc, exc, tags)) from None
    problems += [doc.problem(loc, message) for loc, message in reference_problems(loaded)]
    if problems:
        raise ProfileError(problems)
    return loaded


__all__ = ["Operation", "Profile", "ProfileError", "Service", "load_profile", "resolve_profile_path"]
