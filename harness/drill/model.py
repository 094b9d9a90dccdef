"""The scenario a user writes: target, rules, load, and phases of faults with expectations.

Durations are production time (seconds as float after parsing); the compressor turns them into wall time.
Paths are relative to the scenario file and become absolute on load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from harness.drill.expectations import TAGS, AnyExpectation
from harness.errors import InputError, Problem
from harness.promql.duration import Duration
from harness.stub.faults import FAULT_KINDS, Fault
from harness.stub.profile import Profile, load_profile
from harness.yamlsrc import RelPath, YamlDoc, problems_from_validation

# No compression may make a production interval shorter than this in wall time: past it, windows hold too
# few samples to mean anything, whatever the floor above does to the loops.
SHORTEST_INTERVAL_S = 0.1


def max_compression(scrape_prod_s: float = 15.0, evaluation_prod_s: float = 15.0) -> float:
    """The largest factor k that keeps the scrape and evaluation intervals at 100 ms or more.

    >>> max_compression(15, 15), max_compression(10, 30)
    (150.0, 100.0)
    """
    return min(scrape_prod_s, evaluation_prod_s) / SHORTEST_INTERVAL_S


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    """What the load hits: a profile's stub (started by firedrill), or an already running service (``url``).

    ``profile`` is a name or a path relative to the scenario file. A ``url`` service takes faults only when it
    serves firedrill's fault-control API (``fault_api: true``); they are sent to ``{url}/_firedrill/faults``.
    """

    profile: str | None = None
    url: str | None = None
    metrics_url: str | None = None
    fault_api: bool = False
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
    # The service Locust's host is (default: the profile's first service); every service's URL is also in
    # the environment as FIREDRILL_URL_<SERVICE> (upper case, - and . as _), for locustfiles that call several.
    service: str | None = None


class Phase(_Strict):
    """A stretch of the drill with a fixed set of faults; ``users`` overrides the load for this phase."""

    name: str = Field(min_length=1)
    duration: Duration
    faults: list[Fault] = []  # a selector plus an effect: harness.stub.faults
    expect: list[AnyExpectation] = []
    users: int | None = Field(default=None, ge=0)

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
    # Uptime probes through the blackbox exporter (job ``blackbox``): a service of the profile (its GET /health,
    # in every lane) or an http(s) URL, probed as it is.
    blackbox: list[Annotated[str, Field(min_length=1)]] = []
    load: LoadSpec | None = None
    compress: float = Field(1.0, ge=1)
    seed: int | None = None
    scrape_interval: Duration = 15.0
    evaluation_interval: Duration = 15.0
    phases: list[Phase] = Field(min_length=1)
    source: Path | None = None

    def with_compress(self, k: float) -> Scenario:
        """A copy with another compression factor (the CLI's ``--compress``); InputError when out of range."""
        bound = max_compression(self.scrape_interval, self.evaluation_interval)
        if not 1 <= k <= bound:
            raise InputError(f"--compress {k:g}: expected 1 <= k <= {bound:g} for {self.name} (k below 1 would "
                             f"stretch time; above {bound:g} the scrape interval falls under 100 ms)")  # fmt: skip
        return self.model_copy(update={"compress": float(k)})

    @property
    def base_dir(self) -> Path:
        """The scenario file's directory, which its relative paths (and profile paths) start from."""
        return self.source.parent if self.source is not None else Path.cwd()

    def profile(self) -> Profile | None:
        """The target's profile, loaded (None for a url target)."""
        if self.target.profile is None:
            return None
        return load_profile(self.target.profile, self.base_dir)

    def phase(self, name: str) -> Phase:
        """The phase called ``name``."""
        return next(p for p in self.phases if p.name == name)


def load_scenario(path: Path | str, programs: bool = True, aim_faults: bool = True) -> Scenario:
    """Load and check a drill file and all it refers to; raise InputError listing every problem as ``file:line``.

    ``programs=False`` skips the checks that run promtool and amtool, ``aim_faults=False`` the check that each
    fault aims at something the profile has (the linter runs and reports both itself).

    >>> scenario = load_scenario("scenarios/customerio/error-burst.yaml")  # doctest: +SKIP
    >>> [p.name for p in scenario.phases]  # doctest: +SKIP
    ['baseline', 'burst', 'recovery']
    """
    from harness.drill.preflight import preflight

    path = Path(path).resolve()
    try:
        doc = YamlDoc.load(path)
    except OSError as exc:
        raise InputError([Problem(str(path), 1, f"cannot read: {exc.strerror}; expected a readable file")]) from None
    except UnicodeDecodeError:
        raise InputError([Problem(str(path), 1, "not UTF-8 text; expected a YAML drill file")]) from None
    problems = doc.duplicate_keys()
    if not isinstance(doc.data, dict):
        raise InputError(problems + [doc.problem((), "document is not a mapping; expected keys name, ...")])
    data = {**doc.data, "source": str(path)}
    problems += _check_files(doc, path.parent)
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": path.parent})
    except ValidationError as exc:
        raise InputError(problems + problems_from_validation(doc, exc, TAGS | set(FAULT_KINDS))) from None
    problems += preflight(scenario, doc, programs=programs and not problems, aim_faults=aim_faults)
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
