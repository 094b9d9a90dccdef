"""A session's drills, run at once or one by one, with every result kept for one report at the end.

The pytest plugin is a thin layer over this: it collects drills, asks a :class:`DrillSession` to run them all at
once (:meth:`DrillSession.run_at_once`) when the first drill test runs, serves each test from the results, and
turns the verdicts into test outcomes. Drills asked for later (from Python tests) run one by one on the
session's stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness.drill.expectations import Expectation, Verdict
from harness.drill.model import Scenario
from harness.drill.packing import Packing, Parallel, choose_packing
from harness.drill.result import RunResult, ScenarioResult
from harness.drill.run import RunOptions, run_scenario
from harness.drill.suite import describe_runs, run_suite
from harness.errors import FiredrillError
from harness.report.explain import explain
from harness.report.json import write_json
from harness.report.junit import write_junit
from harness.stack import Component, Stack, StackSpec
from harness.stack.shared import SharedStack, StackPool
from harness.stack.spec import ProviderName


@dataclass
class DrillOutcome:
    """One drill's results, or the error that kept it from running."""

    scenario: Scenario
    results: list[ScenarioResult] = field(default_factory=list)
    error: str | None = None

    def environment_error(self, lane_index: int) -> str | None:
        """Why the drill gave no verdict (it could not run, or its own environment broke), else None."""
        if self.error is not None:
            return f"drill {self.scenario.name} did not run: {self.error}"
        result = self.results[lane_index]
        if result.error is not None:
            return f"drill {self.scenario.name} stopped, nothing was judged: {result.error.message}"
        return None

    def verdict(self, lane_index: int, phase_index: int, expectation_index: int) -> Verdict:
        """The verdict on one expectation (the drill ran: :meth:`environment_error` is None)."""
        return self.results[lane_index].phases[phase_index].verdicts[expectation_index]

    def explain(self, lane_index: int, phase_index: int, expectation_index: int) -> str | None:
        """None when that expectation held as written; else why not, with the drill's timeline around it."""
        problem = self.environment_error(lane_index)
        if problem is not None:
            return problem
        result = self.results[lane_index]
        phase = result.phases[phase_index]
        verdict = phase.verdicts[expectation_index]
        held = verdict.outcome in ("pass", "xpass")
        return None if held else explain(result, phase.phase, verdict)


class DrillFailedError(AssertionError):
    """Raised by :func:`assert_drill_passed`; the message explains every failed expectation."""


def assert_drill_passed(results: list[ScenarioResult]) -> None:
    """Fail with every unmet expectation explained (phases, alert states, values, notifications).

    Example:
        >>> assert_drill_passed(firedrill_drill("scenarios/customerio/error-burst.yaml"))  # doctest: +SKIP
    """
    failures = [f"[{result.name} lane {result.lane}] environment error, nothing judged: {result.error.message}"
                for result in results if result.error is not None]  # fmt: skip
    failures += [
        f"[{result.name} lane {result.lane}] {phase.phase}: " + explain(result, phase.phase, verdict)
        for result in results
        for phase in result.phases
        for verdict in phase.verdicts
        if not verdict.passed
    ]
    if failures:
        raise DrillFailedError("\n\n".join(failures))


def expectation_label(expectation: Expectation) -> str:
    """A short, stable test name for an expectation.

    Example:
        >>> from harness.drill.expectations import FiresExpectation, SilentExpectation
        >>> expectation_label(FiresExpectation(fires="CioHighErrorRate", within="9m"))
        'fires(CioHighErrorRate)'
        >>> expectation_label(SilentExpectation(silent="all"))
        'silent(all)'
    """
    return expectation.label()


def parse_images(pairs: list[str]) -> dict[Component, str]:
    """``["prometheus=prom/prometheus:v2.55.1"]`` -> {Component.PROMETHEUS: ...}; FiredrillError on a bad pair.

    Example:
        >>> parse_images(["alertmanager=prom/alertmanager:v0.27.0"])
        {<Component.ALERTMANAGER: 'alertmanager'>: 'prom/alertmanager:v0.27.0'}
    """
    images: dict[Component, str] = {}
    for pair in pairs:
        name, _, image = pair.partition("=")
        try:
            component = Component(name.strip())
        except ValueError:
            component = None
        if component is None or not image.strip():
            known = ", ".join(c.value for c in Component)
            raise FiredrillError(f"--firedrill-image {pair!r}: expected COMPONENT=IMAGE with COMPONENT one of {known}")
        images[component] = image.strip()
    return images


_Key = tuple[str, str, float | None, int | None]


def _describe(error: BaseException) -> str:
    return str(error) if isinstance(error, FiredrillError) else f"{type(error).__name__}: {error}"


@dataclass
class DrillSession:
    """Runs a session's drills (at once, or one by one) and keeps their results.

    Example:
        >>> session = DrillSession(stack="processes", compress=30)
        >>> session.run_at_once([load_scenario(p) for p in drill_files])                # doctest: +SKIP
        >>> outcome = session.run(load_scenario("scenarios/customerio/baseline.yaml"))  # doctest: +SKIP
        >>> session.finish()                                                             # doctest: +SKIP
        ['packing: 2 drills, all at once (...)', '2 drill(s) on 2 stack start(s), 0 reuse(s)']
    """

    stack: ProviderName = "auto"
    compress: float | None = None
    seed: int | None = None
    images: dict[Component, str] = field(default_factory=dict)
    binaries: dict[Component, str] = field(default_factory=dict)
    report_dir: Path | None = None
    parallel: Parallel = "auto"
    shared: SharedStack = field(default_factory=SharedStack)
    outcomes: list[DrillOutcome] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    packing: Packing | None = None
    ran: str | None = None  # how the drills at once ran: wall time, how many at once
    _cache: dict[_Key, DrillOutcome] = field(default_factory=dict)
    _finished: list[str] | None = None

    def __post_init__(self) -> None:
        # Drills at once borrow stacks from the pool; its first slot is the session's stack, which the drills
        # and fixtures of Python tests use afterwards.
        self.pool = StackPool(first=self.shared)

    @classmethod
    def from_options(
        cls,
        stack: ProviderName,
        compress: float | None,
        seed: int | None,
        images: list[str],
        report_dir: str | None,
        parallel: Parallel = "auto",
        binaries: dict[Component, str] | None = None,
    ) -> DrillSession:
        return cls(
            stack=stack,
            compress=compress,
            seed=seed,
            images=parse_images(images),
            binaries=dict(binaries or {}),
            report_dir=Path(report_dir) if report_dir else None,
            parallel=parallel,
        )

    def _key(self, scenario: Scenario, compress: float | None = None, seed: int | None = None) -> _Key:
        compress = compress if compress is not None else self.compress
        seed = seed if seed is not None else self.seed
        return (str(scenario.source), scenario.name, compress, seed)

    def run(self, scenario: Scenario, compress: float | None = None, seed: int | None = None) -> DrillOutcome:
        """Run `scenario` once per (file, name, compression, seed): later calls return the same outcome."""
        key = self._key(scenario, compress, seed)
        if key in self._cache:
            return self._cache[key]
        options = RunOptions(stack=self.stack, compress=key[2], seed=key[3], shared_stack=self.shared,
                             images=self.images, binaries=self.binaries)  # fmt: skip
        outcome = DrillOutcome(scenario)
        try:
            outcome.results = run_scenario(scenario, options)
        except FiredrillError as exc:
            outcome.error = str(exc)
        except Exception as exc:  # a broken drill must fail its tests, not the session
            outcome.error = f"{type(exc).__name__}: {exc}"
            self.shared.close()  # its stack may be half-reconfigured; the next drill starts a fresh one
        self._cache[key] = outcome
        self.outcomes.append(outcome)
        return outcome

    def run_at_once(self, scenarios: list[Scenario]) -> Packing | None:
        """Run the drills not run yet, as many at once as the packing allows; :meth:`run` then serves them.

        Returns the packing (None when there was nothing to run, or ``parallel`` is 1: drills then run one by
        one as :meth:`run` is called). Ctrl-C (KeyboardInterrupt) stops every drill, then propagates.
        """
        todo = list({self._key(s): s for s in scenarios if self._key(s) not in self._cache}.values())
        if not todo or self.parallel == 1:
            return None
        self.packing = choose_packing(todo, self.parallel, compress=self.compress)
        options = RunOptions(stack=self.stack, compress=self.compress, seed=self.seed, images=self.images,
                             binaries=self.binaries)  # fmt: skip
        runs = run_suite(todo, options, self.packing, self.pool, stop_on_error=False)
        self.ran = describe_runs(runs)
        for run in runs:
            outcome = DrillOutcome(run.scenario, run.results, _describe(run.error) if run.error else None)
            self._cache[self._key(run.scenario)] = outcome
            self.outcomes.append(outcome)
        self.pool.close(keep=self.shared)  # the session's own stack stays up for what comes next
        return self.packing

    def adopt(self, outcomes: list[DrillOutcome]) -> None:
        """Serve these outcomes (run by another process of the session, e.g. another xdist worker)."""
        for outcome in outcomes:
            self._cache.setdefault(self._key(outcome.scenario), outcome)

    def blank_stack(self) -> Stack:
        """The shared stack with no rules and no scrape targets (for tests that drive it themselves)."""
        spec = StackSpec(provider=self.stack, images=dict(self.images), binaries=dict(self.binaries), quiet=True)
        stack = self.shared.stack
        if stack is not None:
            # Keep what a drill's stack was started with (compressed flags, networking) rather than restart it.
            spec.prometheus, spec.network = stack.spec.prometheus, stack.spec.network
        return self.shared.acquire(spec)

    def finish(self) -> list[str]:
        """Stop every stack, write the reports if asked; returns lines worth printing (the same on a second call)."""
        if self._finished is not None:
            return self._finished
        self.pool.close()
        lines: list[str] = []
        if self.packing is not None:
            lines.append(f"packing: {self.packing.describe()}")
            lines.append(f"ran {self.ran}")
        if self.outcomes:
            lines.append(
                f"{len(self.outcomes)} drill(s) on {self.pool.starts} stack start(s), {self.pool.reuses} reuse(s)"
            )
        if self.report_dir is not None and self.outcomes:
            results = [r for outcome in self.outcomes for r in outcome.results]
            k = self.compress or self.outcomes[0].scenario.compress
            run = RunResult(compress=k, started_at=self.started_at, scenarios=results)
            from harness.report.html import write_html  # matplotlib: imported only when a report is written

            written = [write_json(self.report_dir, run), write_junit(self.report_dir, run),
                       write_html(self.report_dir, run)]  # fmt: skip
            lines.append(f"reports: {', '.join(str(path) for path in written)}")
        self._finished = lines
        return lines
