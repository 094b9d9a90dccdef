"""The live suites: which drills run on every push and which only at night, and running them as `firedrill run`
does (packed by the measured headroom, longest first, a stack per slot, on local processes).

A drill tagged ``nightly`` runs only with FIREDRILL_NIGHTLY=1 (the nightly workflow sets it): every push runs
each seed suite's drills that fit the CI budget, the night runs them all. A test that needs a drill the push
did not run is marked ``nightly`` and deselected on a push (tests/live/conftest.py).

Every suite a test session selects runs in one packed batch (the ``suite_runs`` fixture of tests/live/conftest.py):
the machine stays busy until the last drill ends, where suite after suite would each wait for its longest drill.
A test module names its suite in ``SUITE_NAME``.
"""

from __future__ import annotations

import os
from pathlib import Path

from harness import interrupt
from harness.drill.model import load_scenario
from harness.drill.packing import choose_packing
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions
from harness.drill.suite import describe_runs, raise_first_error, run_suite
from harness.stack.shared import StackPool

SCENARIOS = Path(__file__).parents[2] / "scenarios"
NIGHTLY = os.environ.get("FIREDRILL_NIGHTLY") == "1"


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


def run_in_order(paths: list[Path], **options: object) -> list[list[ScenarioResult]]:
    """Run the drills as `firedrill run` does by default; their results in the order of ``paths`` (drills of
    several suites may share a name). An environment error raises."""
    interrupt.reset()
    scenarios = [load_scenario(path) for path in paths]
    packing = choose_packing(scenarios, "auto")
    print(f"packing: {packing.describe()}")
    with StackPool() as pool:
        runs = run_suite(scenarios, RunOptions(stack="processes", **options), packing, pool)  # type: ignore[arg-type]
    print(f"ran {describe_runs(runs)}")
    raise_first_error(runs)
    return [run.results for run in runs]


def failures(results: list[ScenarioResult]) -> list[str]:
    """Every environment error and failed expectation of one drill's lanes, one line each."""
    problems = [f"[{r.lane}] environment error: {r.error.message}" for r in results if r.error is not None]
    return problems + [f"[{r.lane}] {p.phase}: {v.kind} {v.alert or ''}: {v.outcome}: {v.reason}"
                       for r in results for p in r.phases for v in p.verdicts if not v.passed]  # fmt: skip
