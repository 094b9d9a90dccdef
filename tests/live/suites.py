"""The live suites: which drills run on every push and which only at night, and running them as `firedrill run`
does (packed by the measured headroom, longest first, a stack per slot, on local processes).

A drill tagged ``nightly`` runs only with FIREDRILL_NIGHTLY=1 (the nightly workflow sets it): every push runs
each seed suite's drills that fit the CI budget, the night runs them all. A test that needs a drill the push
did not run is marked ``nightly`` and deselected on a push (tests/live/conftest.py).

Every drill a test session selects runs in one packed batch (the ``batch`` fixture of tests/live/conftest.py): the
machine stays busy until the last drill ends, where module after module would each wait for its longest drill. A
test module names its suite in ``SUITE_NAME`` (all its drills join the batch), or lists the drills it reads in
``BATCH_DRILLS``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from harness import interrupt
from harness.drill.model import load_scenario
from harness.drill.packing import choose_packing
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions
from harness.drill.suite import describe_runs, raise_first_error, run_suite
from harness.stack.shared import StackPool
from tests.conftest import OFFLINE_IMAGES, docker_ready, programs_of_major

SCENARIOS = Path(__file__).parents[2] / "scenarios"
NIGHTLY = os.environ.get("FIREDRILL_NIGHTLY") == "1"


@dataclass(frozen=True)
class BatchDrill:
    """A drill of the session's batch, and the key its tests read its results by. ``major``: on that Prometheus
    major's programs (else the newest); ``stack: auto``: on containers of the offline images where Docker answers."""

    key: str
    path: Path
    major: int | None = None
    stack: Literal["processes", "auto"] = "processes"


def suite_drills(suite: str) -> list[BatchDrill]:
    """The suite's drills this session runs, keyed ``SUITE/STEM``."""
    return [BatchDrill(f"{suite}/{path.stem}", path) for path in drills_to_run(suite)]


def every_drill(suite: str) -> list[Path]:
    return sorted((SCENARIOS / suite).glob("*.yaml"))


def drills_to_run(suite: str) -> list[Path]:
    """Every drill of scenarios/SUITE/ at night; on every push those not tagged ``nightly``."""
    paths = every_drill(suite)
    return paths if NIGHTLY else [p for p in paths if "nightly" not in load_scenario(p, programs=False).tags]


class SuiteResults(dict[str, list[ScenarioResult]]):
    """Each drill's results by file stem; asking for a drill this run left out is the test's mistake."""

    def __missing__(self, drill: str) -> list[ScenarioResult]:
        raise AssertionError(f"{drill}: not run in this session (a nightly drill? mark the test nightly)")


def run_batch(drills: list[BatchDrill]) -> dict[str, list[ScenarioResult]]:
    """Run the drills as `firedrill run` does by default (packed, a stack per slot); results by key. An
    environment error raises."""
    interrupt.reset()
    # Docker is asked only when a drill may use it.
    containers = any(drill.stack == "auto" for drill in drills) and docker_ready() is None
    options = [RunOptions(stack="processes" if drill.stack == "processes" or not containers else "auto",
                          images=dict(OFFLINE_IMAGES) if drill.stack == "auto" and containers else {},
                          binaries=programs_of_major(drill.major) if drill.major is not None else {})
               for drill in drills]  # fmt: skip
    scenarios = [load_scenario(drill.path) for drill in drills]
    packing = choose_packing(scenarios, "auto")
    print(f"packing: {packing.describe()}")
    with StackPool() as pool:
        runs = run_suite(scenarios, options, packing, pool)
    print(f"ran {describe_runs(runs)}")
    raise_first_error(runs)
    return {drill.key: run.results for drill, run in zip(drills, runs, strict=True)}


def failures(results: list[ScenarioResult]) -> list[str]:
    """Every environment error and failed expectation of one drill's lanes, one line each."""
    problems = [f"[{r.lane}] environment error: {r.error.message}" for r in results if r.error is not None]
    return problems + [f"[{r.lane}] {p.phase}: {v.kind} {v.alert or ''}: {v.outcome}: {v.reason}"
                       for r in results for p in r.phases for v in p.verdicts if not v.passed]  # fmt: skip
