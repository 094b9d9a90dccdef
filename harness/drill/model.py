"""The scenario a user writes: target, rules, load, and phases of faults with expectations.

Durations are production time (seconds as float after parsing); the compressor turns them into wall time.
Paths are relative to the scenario file and become absolute on load.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from harness.drill.expectations import TAGS, AnyExpectation, SilentExpectation
from harness.errors import InputError, Problem
from harness.promql.duration import Duration
from harness.yamlsrc import RelPath, YamlDoc, problems_from_validation


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    """What the load hits: a stub profile started by firedrill, or an already running service."""

    profile: str | None = None
    url: str | None = None
    metrics_url: str | None = None
    lanes: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        if (self.profile is None) == (self.url is None):
            raise ValueError("give either profile or url; expected exactly one of them")
        return self


class LoadSpec(_Strict):
    """The Locust run: users and spawn rate apply to every phase unless a phase overrides them."""

    locustfile: RelPath
    users: int = Field(1, ge=1)
    spawn_rate: float = Field(1.0, gt=0)
    # Locust worker processes (`--processes N`) for loads one Python process cannot generate.
    processes: int = Field(1, ge=1)


FaultKind = Literal["latency", "error", "bounce", "backlog", "down"]


class Fault(BaseModel):
    """A fault for the stub; details beyond ``kind`` are validated by the stub itself.

    >>> Fault.model_validate({"kind": "error", "operation": "track", "rate": 0.08}).to_control()
    {'kind': 'error', 'operation': 'track', 'rate': 0.08}
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: FaultKind

    def to_control(self) -> dict[str, Any]:
        """JSON body for the stub's control API."""
        return self.model_dump(mode="json")


class Phase(_Strict):
    """A stretch of the drill with a fixed set of faults; ``users`` overrides the load for this phase."""

    name: str = Field(min_length=1)
    duration: Duration
    faults: list[Fault] = []
    expect: list[AnyExpectation] = []
    users: int | None = Field(None, ge=0)

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("duration is 0; expected a positive duration like 5m")
        return value


class Scenario(_Strict):
    """A drill file, validated. Build it with :func:`load_scenario`."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    # Free-form tags (e.g. slow, nightly); the pytest plugin turns each into a marker for `-m` selection.
    tags: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] = []
    target: Target
    rules: list[RelPath] = []
    alertmanager: RelPath | None = None
    dashboards: list[RelPath] = []
    # Add Grafana to the stack: dashboards are provisioned, and dashboard expectations query through it.
    grafana: bool = False
    load: LoadSpec | None = None
    compress: float = Field(1.0, ge=1)
    seed: int | None = None
    scrape_interval: Duration = 15.0
    evaluation_interval: Duration = 15.0
    phases: list[Phase] = Field(min_length=1)
    source: Path | None = None

    def with_compress(self, k: float) -> Scenario:
        """A copy with another compression factor (the CLI's ``--compress``)."""
        if k < 1:
            raise ValueError(f"compression factor must be >= 1, got {k}")
        return self.model_copy(update={"compress": float(k)})

    def phase(self, name: str) -> Phase:
        """The phase called ``name``."""
        return next(p for p in self.phases if p.name == name)


def load_scenario(path: Path | str) -> Scenario:
    """Load and check a drill file; raise InputError listing every problem as ``file:line: ...``.

    >>> scenario = load_scenario("scenarios/customerio/error-burst.yaml")  # doctest: +SKIP
    >>> [p.name for p in scenario.phases]  # doctest: +SKIP
    ['baseline', 'burst', 'recovery']
    """
    path = Path(path).resolve()
    try:
        doc = YamlDoc.load(path)
    except OSError as exc:
        raise InputError([Problem(str(path), 1, f"cannot read: {exc.strerror}; expected a readable file")]) from None
    problems = doc.duplicate_keys()
    if not isinstance(doc.data, dict):
        raise InputError(problems + [doc.problem((), "document is not a mapping; expected keys name, ...")])
    data = {**doc.data, "source": str(path)}
    problems += _check_files(doc, path.parent)
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        raise InputError(problems + problems_from_validation(doc, exc, TAGS)) from None
    problems += _check_references(scenario, doc)
    if problems:
        raise InputError(problems)
    return scenario


def _check_files(doc: YamlDoc, base: Path) -> list[Problem]:
    """Missing referenced files, read from the raw data so they are reported even when validation fails."""
    data = doc.data
    refs: list[tuple[tuple[str | int, ...], Any, str]] = []
    for key, what in (("rules", "rule file"), ("dashboards", "dashboard")):
        if isinstance(data.get(key), list):
            refs += [((key, i), v, what) for i, v in enumerate(data[key])]
    refs.append((("alertmanager",), data.get("alertmanager"), "alertmanager config"))
    if isinstance(data.get("load"), dict):
        refs.append((("load", "locustfile"), data["load"].get("locustfile"), "locustfile"))
    for pi, phase in enumerate(data.get("phases") or []):
        for ei, exp in enumerate(phase.get("expect") or [] if isinstance(phase, dict) else []):
            if isinstance(exp, dict) and "dashboard" in exp:
                refs.append((("phases", pi, "expect", ei, "dashboard"), exp["dashboard"], "dashboard"))
    return [
        doc.problem(loc, f"{what} {value} does not exist; expected an existing file")
        for loc, value, what in refs
        if isinstance(value, str) and value and not (base / value).is_file()
    ]


def _check_references(scenario: Scenario, doc: YamlDoc) -> list[Problem]:
    problems: list[Problem] = []
    alerts: set[str] = set()
    for i, rules in enumerate(scenario.rules):
        if not rules.is_file():
            continue
        try:
            groups = (yaml.safe_load(rules.read_text()) or {}).get("groups") or []
            alerts |= {str(r["alert"]) for g in groups for r in g.get("rules") or [] if "alert" in r}
        except (yaml.YAMLError, AttributeError, TypeError) as exc:
            problems.append(doc.problem(("rules", i), f"rule file unreadable ({exc}); expected groups: [...]"))
    seen: set[str] = set()
    for pi, phase in enumerate(scenario.phases):
        if phase.name in seen:
            problems.append(doc.problem(("phases", pi, "name"), f"phase {phase.name!r} repeated; expected unique"))
        seen.add(phase.name)
        for ei, exp in enumerate(phase.expect):
            loc = ("phases", pi, "expect", ei, exp.kind)
            names = exp.silent if isinstance(exp, SilentExpectation) and exp.silent != "all" else [exp.alert]
            for name in names:
                if name and scenario.rules and name not in alerts:
                    close = difflib.get_close_matches(name, sorted(alerts), n=1)
                    hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(alerts))}"
                    problems.append(doc.problem(loc, f"alert {name!r} is in no rule file; expected one ({hint})"))
    return problems
