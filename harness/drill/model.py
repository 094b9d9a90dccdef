"""The scenario a user writes: target, rules, load, and phases of faults with expectations.

Durations are production time (seconds as float after parsing); the compressor turns them into wall time.
Paths are relative to the scenario file and become absolute on load.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from harness.drill.promql import check_expr, parse_duration_s
from harness.drill.yamlsrc import Problem, ScenarioError, YamlDoc, problems_from_validation


def duration_value(value: Any) -> float:
    """A Prometheus duration from YAML: "5m" -> 300.0, and a bare 0; anything else is a ValueError."""
    if isinstance(value, str):
        return parse_duration_s(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return 0.0
    raise ValueError(f"{value!r} has no unit; expected a Prometheus duration like 30s, 5m, 1h30m")


def _path(value: Any, info: ValidationInfo) -> Path:
    if not isinstance(value, str | Path) or not str(value):
        raise ValueError(f"{value!r} is not a path; expected a file path relative to the scenario file")
    base = Path((info.context or {}).get("base_dir", "."))
    return (base / Path(value).expanduser()).resolve()


Duration = Annotated[float, BeforeValidator(duration_value)]
RelPath = Annotated[Path, BeforeValidator(_path)]


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


class _Expectation(_Strict):
    kind: ClassVar[str]

    @property
    def alert(self) -> str | None:
        """The alert this expectation is about, if any."""
        return None


class FiresExpectation(_Expectation):
    """The alert reaches ``firing`` within ``within`` of the phase's faults being applied."""

    kind: ClassVar[str] = "fires"
    fires: str
    within: Duration
    labels: dict[str, str] = {}

    @property
    def alert(self) -> str | None:
        return self.fires


class SilentExpectation(_Expectation):
    """No pending/firing of the named alerts (or of any, with ``all``) during the phase."""

    kind: ClassVar[str] = "silent"
    silent: Literal["all"] | list[str]

    @field_validator("silent", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) and value != "all" else value


class ResolvesExpectation(_Expectation):
    """The alert leaves ``firing`` within ``within`` of this phase starting (the fault being cleared)."""

    kind: ClassVar[str] = "resolves"
    resolves: str
    within: Duration
    labels: dict[str, str] = {}

    @property
    def alert(self) -> str | None:
        return self.resolves


class NotificationExpectation(_Expectation):
    """A notification for the alert reaches ``receiver`` with ``status`` within ``within``."""

    kind: ClassVar[str] = "notification"
    notification: str
    receiver: str
    status: Literal["firing", "resolved"] = "firing"
    within: Duration
    labels: dict[str, str] = {}

    @property
    def alert(self) -> str | None:
        return self.notification


class MetricExpectation(_Expectation):
    """A PromQL filter is true at some point (``eventually``) or at every sample (``throughout``)."""

    kind: ClassVar[str] = "metric"
    metric: str
    mode: Literal["eventually", "throughout"] = "eventually"
    within: Duration | None = None

    @field_validator("metric")
    @classmethod
    def _parses(cls, value: str) -> str:
        error = check_expr(value)
        if error is not None:
            raise ValueError(f"invalid PromQL ({error}); expected an expression Prometheus accepts")
        return value


class TraceQuery(_Strict):
    """Which spans count: span durations are real (faults' latency is not compressed)."""

    service: str
    min_spans: int = Field(1, ge=1)
    status: Literal["ok", "error", "any"] = "any"
    name: str | None = None
    min_duration: Duration | None = None
    attributes: dict[str, str] = {}


class TracesExpectation(_Expectation):
    """At least ``min_spans`` spans matching the query were recorded during the phase."""

    kind: ClassVar[str] = "traces"
    traces: TraceQuery


class LogsExpectation(_Expectation):
    """The stub's logs written during the phase hold no PII."""

    kind: ClassVar[str] = "logs"
    logs: Literal["no_pii"]


class RulesHaveDataExpectation(_Expectation):
    """Every alert rule's expression (``all``, or the named ones) returns data at some point in the phase.

    A rule on a metric the service does not emit never fires and never fails a ``silent`` check; this is how a
    healthy baseline catches it.
    """

    kind: ClassVar[str] = "rules_have_data"
    rules_have_data: Literal["all"] | list[str]

    @field_validator("rules_have_data", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) and value != "all" else value


class DashboardExpectation(_Expectation):
    """Every PromQL panel of the dashboard returns data."""

    kind: ClassVar[str] = "dashboard"
    dashboard: RelPath


EXPECTATION_TYPES: dict[str, type[_Expectation]] = {
    cls.kind: cls
    for cls in (
        FiresExpectation,
        SilentExpectation,
        ResolvesExpectation,
        NotificationExpectation,
        MetricExpectation,
        TracesExpectation,
        LogsExpectation,
        DashboardExpectation,
        RulesHaveDataExpectation,
    )
}
# Union tags are class names so they can never be mistaken for YAML keys when mapping errors to lines.
EXPECTATION_TAGS = {cls.__name__ for cls in EXPECTATION_TYPES.values()}


def _expectation_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        key = next((k for k in EXPECTATION_TYPES if k in value), None)
        return EXPECTATION_TYPES[key].__name__ if key else None
    return type(value).__name__ if isinstance(value, _Expectation) else None


Expectation = Annotated[
    Annotated[FiresExpectation, Tag("FiresExpectation")]
    | Annotated[SilentExpectation, Tag("SilentExpectation")]
    | Annotated[ResolvesExpectation, Tag("ResolvesExpectation")]
    | Annotated[NotificationExpectation, Tag("NotificationExpectation")]
    | Annotated[MetricExpectation, Tag("MetricExpectation")]
    | Annotated[TracesExpectation, Tag("TracesExpectation")]
    | Annotated[LogsExpectation, Tag("LogsExpectation")]
    | Annotated[DashboardExpectation, Tag("DashboardExpectation")]
    | Annotated[RulesHaveDataExpectation, Tag("RulesHaveDataExpectation")],
    Discriminator(
        _expectation_tag,
        custom_error_type="expectation_kind",
        custom_error_message=(
            "not an expectation; expected a mapping with one of the keys " + ", ".join(EXPECTATION_TYPES)
        ),
    ),
]


class Phase(_Strict):
    """A stretch of the drill with a fixed set of faults; ``users`` overrides the load for this phase."""

    name: str = Field(min_length=1)
    duration: Duration
    faults: list[Fault] = []
    expect: list[Expectation] = []
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
    """Load and check a drill file; raise ScenarioError listing every problem as ``file:line: ...``.

    >>> scenario = load_scenario("scenarios/customerio/error-burst.yaml")  # doctest: +SKIP
    >>> [p.name for p in scenario.phases]  # doctest: +SKIP
    ['baseline', 'burst', 'recovery']
    """
    path = Path(path).resolve()
    try:
        doc = YamlDoc.load(path)
    except OSError as exc:
        raise ScenarioError([Problem(str(path), 1, f"cannot read: {exc.strerror}; expected a readable file")]) from None
    problems = doc.duplicate_keys()
    if not isinstance(doc.data, dict):
        raise ScenarioError(problems + [doc.problem((), "document is not a mapping; expected keys name, ...")])
    data = {**doc.data, "source": str(path)}
    problems += _check_files(doc, path.parent)
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        raise ScenarioError(problems + problems_from_validation(doc, exc, EXPECTATION_TAGS)) from None
    problems += _check_references(scenario, doc)
    if problems:
        raise ScenarioError(problems)
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
