"""pytest plugin (entry point `pytest11`): drill YAML files as tests, and fixtures for drills written in Python.

Files matching the `firedrill_files` ini patterns (default ``drill_*.yaml drill_*.yml``) are collected; with
``--firedrill`` every YAML that looks like a drill is. Each expectation is one test, so a failure points at
exactly what did not happen::

    $ pytest tests/drills/                                   # drill_*.yaml files become tests
    $ pytest --firedrill scenarios/customerio/ --firedrill-stack processes --firedrill-report out/
    $ pytest -m "not nightly" tests/drills/                  # a drill's `tags:` become markers
    scenarios/customerio/error-burst.yaml::customerio-error-burst::burst::fires(CioHighErrorRate) PASSED

When the first drill test runs, every selected drill runs, as many at once as the machine's measured headroom
allows (``--firedrill-parallel auto``, the default; ``N`` for at most N, ``1`` for one by one as their tests
come); each test is then served from its drill's results. Under pytest-xdist one worker runs them all and the
others wait for its results, so a drill never runs twice. Fixtures::

    def test_error_burst(firedrill_drill):
        results = firedrill_drill("scenarios/customerio/error-burst.yaml", compress=60)
        assert_drill_passed(results)

    def test_my_rules(firedrill_stack, firedrill_stub):
        stub = firedrill_stub("customerio")
        assert firedrill_stack.prometheus.query("up") is not None
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import workdir
from harness.drill.expectations import Expectation
from harness.drill.model import Scenario, load_scenario
from harness.drill.packing import parse_parallel
from harness.drill.session import DrillOutcome, DrillSession, assert_drill_passed, expectation_label
from harness.errors import FiredrillError, InputError
from harness.stack import Stack, StackSpec
from harness.stack.processes import explicit_binaries
from harness.stub.process import StubProcess

_SESSION = pytest.StashKey[DrillSession]()
_BATCH_DONE = pytest.StashKey[bool]()
_WORKER_LINES = pytest.StashKey[list[str]]()
_SAID_PACKING = pytest.StashKey[bool]()
_KNOWN_TAGS = {
    "slow": "a drill that takes minutes",
    "nightly": "a drill for the nightly regression run",
    "majors": "the suite's drill that the live tests also run on Prometheus 2 (tests/live/test_majors_live.py)",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("firedrill", "firedrill drills")
    group.addoption("--firedrill", action="store_true", help="collect every drill-shaped YAML, not only drill_*.yaml")
    group.addoption("--firedrill-stack", default="auto", choices=["auto", "containers", "processes"])
    group.addoption("--firedrill-compress", type=float, default=None, help="time-compression factor for every drill")
    group.addoption("--firedrill-seed", type=int, default=None, help="seed for every drill's faults and load")
    group.addoption(
        "--firedrill-report", metavar="DIR", default=None, help="write report.json, junit.xml and report.html here"
    )
    group.addoption(
        "--firedrill-parallel",
        default="auto",
        metavar="auto|N",
        help="drills at once: auto (default) as many as the machine's measured headroom allows; N at most N; "
        "1 one by one",
    )
    group.addoption(
        "--firedrill-image",
        action="append",
        default=[],
        metavar="COMPONENT=IMAGE",
        help="image override, e.g. prometheus=prom/prometheus:v2.55.1 (repeatable)",
    )
    group.addoption("--firedrill-prometheus", metavar="PATH", default=None, help="Prometheus binary (processes)")
    group.addoption("--firedrill-alertmanager", metavar="PATH", default=None, help="Alertmanager binary (processes)")
    parser.addini("firedrill_files", type="args", default=["drill_*.yaml", "drill_*.yml"], help="drill file globs")


def pytest_configure(config: pytest.Config) -> None:
    for line in workdir.reap():  # what a killed earlier run left behind
        print(f"firedrill: removed {line}")
    config.addinivalue_line("markers", "firedrill: a firedrill drill expectation (added to every drill test)")
    for tag, meaning in _KNOWN_TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {meaning}")
    try:
        try:
            parallel = parse_parallel(config.getoption("--firedrill-parallel"))
        except ValueError as exc:
            raise FiredrillError(f"--firedrill-parallel {exc}") from None
        report_dir = config.getoption("--firedrill-report")
        worker = _xdist_worker(config)
        if report_dir and worker is not None:
            # The worker that runs the YAML drills writes DIR/report.json; the others only their Python drills.
            report_dir = str(Path(report_dir) / worker)
        config.stash[_SESSION] = DrillSession.from_options(
            stack=config.getoption("--firedrill-stack"),
            compress=config.getoption("--firedrill-compress"),
            seed=config.getoption("--firedrill-seed"),
            images=config.getoption("--firedrill-image"),
            report_dir=report_dir,
            parallel=parallel,
            binaries=explicit_binaries(
                config.getoption("--firedrill-prometheus"),
                config.getoption("--firedrill-alertmanager"),
                prefix="--firedrill-",
            ),
        )
    except FiredrillError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[_WORKER_LINES] = []


def _xdist_worker(config: pytest.Config) -> str | None:
    """This process's xdist worker id (gw0, ...), or None outside xdist's workers."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput is not None else None


def pytest_sessionfinish(session: pytest.Session) -> None:
    drills = session.config.stash.get(_SESSION, None)
    if drills is not None and _xdist_worker(session.config) is not None:
        # xdist hands this to the controller (pytest_testnodedown), which prints it.
        session.config.workeroutput["firedrill"] = drills.finish()  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: keep what a worker's drills had to say."""
    lines = getattr(node, "workeroutput", {}).get("firedrill", [])
    node.config.stash[_WORKER_LINES] += [f"[{node.workerinput['workerid']}] {line}" for line in lines]


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION, None)
    if session is not None:
        said = config.stash.get(_SAID_PACKING, False)
        lines = [line for line in session.finish() if not (said and line.startswith("packing:"))]
        for line in [*config.stash.get(_WORKER_LINES, []), *lines]:
            print(f"\nfiredrill: {line}")


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    patterns = parent.config.getini("firedrill_files")
    if any(file_path.match(pattern) for pattern in patterns) or (
        parent.config.getoption("--firedrill") and _looks_like_drill(file_path)
    ):
        return DrillFile.from_parent(parent, path=file_path)
    return None


def _looks_like_drill(path: Path) -> bool:
    text = path.read_text(errors="replace")
    return "\nphases:" in text and "\ntarget:" in text


class DrillFile(pytest.File):
    """A drill file: one scenario collector holding a collector per phase, holding one test per expectation."""

    def collect(self) -> Iterator[DrillScenario]:
        try:
            scenario = load_scenario(self.path)
        except InputError as exc:
            raise self.CollectError(str(exc)) from None
        yield DrillScenario.from_parent(self, name=scenario.name, scenario=scenario)


class DrillScenario(pytest.Collector):
    """The scenario's node; runs the drill once, on its first test, and keeps the results for the others."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        for tag in scenario.tags:
            self.add_marker(tag)
        self.add_marker("firedrill")

    def collect(self) -> Iterator[DrillPhase]:
        for index, phase in enumerate(self.scenario.phases):
            yield DrillPhase.from_parent(self, name=phase.name, phase_index=index)

    def results(self) -> DrillOutcome:
        _run_selected_drills(self.session)
        return self.config.stash[_SESSION].run(self.scenario)


def _run_selected_drills(session: pytest.Session) -> None:
    """Once per session, at the first drill test: every selected drill at once, or another worker's results."""
    config = session.config
    if config.stash.get(_BATCH_DONE, False):
        return
    config.stash[_BATCH_DONE] = True
    drills = config.stash[_SESSION]
    scenarios = list({id(node): node.scenario for node in _selected_scenario_nodes(session)}.values())
    if drills.parallel == 1:
        return
    if _xdist_worker(config) is None:
        _say(config, drills.run_at_once(scenarios))
        return
    # xdist: workers collect the same tests; the first here runs them all, the others wait for its results.
    shared_dir = _xdist_shared_dir(config)
    with (shared_dir / "firedrill-drills.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # EINTR-safe: Ctrl-C still raises KeyboardInterrupt here
        results = shared_dir / "firedrill-drills.pickle"
        if results.exists():
            drills.adopt(pickle.loads(results.read_bytes()))
            return
        drills.report_dir = drills.report_dir.parent if drills.report_dir is not None else None
        drills.run_at_once(scenarios)
        partial = results.with_suffix(".partial")
        partial.write_bytes(pickle.dumps([drills.run(s) for s in scenarios]))
        os.replace(partial, results)


def _selected_scenario_nodes(session: pytest.Session) -> list[DrillScenario]:
    phases = [item.parent for item in session.items if isinstance(item, ExpectationItem)]
    return [
        phase.parent for phase in phases if isinstance(phase, DrillPhase) and isinstance(phase.parent, DrillScenario)
    ]


def _xdist_shared_dir(config: pytest.Config) -> Path:
    """A directory every xdist worker of this run sees: the parent of their temp dirs (xdist's own recipe)."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        return Path(factory.getbasetemp()).parent
    run = getattr(config, "workerinput", {}).get("testrunuid", "run")
    path = Path(tempfile.gettempdir()) / f"firedrill-xdist-{run}"
    path.mkdir(exist_ok=True)
    return path


def _say(config: pytest.Config, packing: Any) -> None:
    """Print the packing now (it runs inside a test's setup, so output capture is suspended for it)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if packing is None or reporter is None:
        return
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
        reporter.write_line(f"firedrill: packing: {packing.describe()}")
    config.stash[_SAID_PACKING] = True


class DrillPhase(pytest.Collector):
    def __init__(self, *, phase_index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.phase_index = phase_index

    def collect(self) -> Iterator[ExpectationItem]:
        assert isinstance(self.parent, DrillScenario)
        scenario = self.parent.scenario
        phase = scenario.phases[self.phase_index]
        lanes = scenario.target.lanes
        seen: dict[str, int] = {}
        for index, expectation in enumerate(phase.expect):
            label = expectation_label(expectation)
            seen[label] = seen.get(label, 0) + 1
            if seen[label] > 1:
                label = f"{label}#{seen[label]}"
            for lane_index in range(lanes):
                name = label if lanes == 1 else f"{label}[lane {lane_index}]"
                item = ExpectationItem.from_parent(
                    self, name=name, expectation=expectation, expectation_index=index, lane_index=lane_index
                )
                if expectation.xfail is not None:
                    # pytest's own strict xfail: a failure is XFAIL, an expectation that holds is XPASS(strict).
                    item.add_marker(pytest.mark.xfail(reason=expectation.xfail, strict=True, raises=DrillFailed))
                yield item


class DrillFailed(Exception):
    """An expectation's verdict was a fail; the message carries the explanation."""


class DrillEnvironmentError(Exception):
    """The drill gave no verdict: it could not run, or its own stack broke. Reported as a pytest error."""


class ExpectationItem(pytest.Item):
    """One expectation of one phase (and lane): passes or fails with the drill's own reason and timeline."""

    def __init__(self, *, expectation: Expectation, expectation_index: int, lane_index: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expectation = expectation
        self.expectation_index = expectation_index
        self.lane_index = lane_index

    def _outcome(self) -> tuple[DrillOutcome, int]:
        phase_node = self.parent
        assert isinstance(phase_node, DrillPhase) and isinstance(phase_node.parent, DrillScenario)
        return phase_node.parent.results(), phase_node.phase_index

    def setup(self) -> None:
        # The drill runs here, once per scenario: a drill that could not give a verdict is an error, not a fail.
        outcome, _ = self._outcome()
        problem = outcome.environment_error(self.lane_index)
        if problem is not None:
            raise DrillEnvironmentError(problem)

    def runtest(self) -> None:
        outcome, phase_index = self._outcome()
        explanation = outcome.explain(self.lane_index, phase_index, self.expectation_index)
        if explanation is not None:
            raise DrillFailed(explanation)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, DrillFailed | DrillEnvironmentError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"drill {self.nodeid.split('::', 1)[-1]}"


@pytest.fixture
def firedrill_session(request: pytest.FixtureRequest) -> DrillSession:
    """The session's drill runner: options from the command line, one shared stack, every result kept."""
    return request.config.stash[_SESSION]


@pytest.fixture
def firedrill_drill(firedrill_session: DrillSession) -> Callable[..., Any]:
    """Run a drill (a path or a Scenario) on the session's stack; returns one ScenarioResult per lane.

    Keyword overrides: ``compress``, ``seed``. Results go into ``--firedrill-report`` with the YAML drills'.
    """

    def run(scenario: Scenario | Path | str, **overrides: Any) -> Any:
        loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        return firedrill_session.run(loaded, **overrides).results

    return run


@pytest.fixture
def firedrill_stack(firedrill_session: DrillSession) -> Stack:
    """The session's stack (Prometheus, Alertmanager, Jaeger), reset to no rules and no targets for this test."""
    return firedrill_session.blank_stack()


@pytest.fixture
def firedrill_stub(firedrill_session: DrillSession, tmp_path: Path) -> Iterator[Callable[..., StubProcess]]:
    """Start stub services on loopback: ``firedrill_stub("customerio", lane="a")``; stopped when the test ends.

    Spans go to the session stack's Jaeger when a stack is running.
    """
    started: list[StubProcess] = []

    def start(profile: str | Path = "customerio", lane: str = "a", seed: int | None = None) -> StubProcess:
        stack = firedrill_session.shared.stack
        otlp = stack.otlp_http_url if stack is not None and "jaeger" in {c.value for c in stack.running} else None
        stub = StubProcess(profile, lane=lane, otlp_endpoint=otlp, seed=seed, workdir=tmp_path / f"stub-{lane}")
        started.append(stub.start())
        return stub

    yield start
    for stub in reversed(started):
        stub.stop()


@pytest.fixture
def firedrill_stack_factory() -> Iterator[Callable[[StackSpec], Stack]]:
    """Start stacks of your own spec; every one is torn down when the test ends, pass or fail."""
    started: list[Stack] = []

    def start(spec: StackSpec) -> Stack:
        stack = Stack(spec).start()
        started.append(stack)
        return stack

    yield start
    for stack in reversed(started):
        stack.stop()


__all__ = ["assert_drill_passed"]
