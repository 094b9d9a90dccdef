"""The Customer.io suite, live: every drill in scenarios/customerio/ on real Prometheus, Alertmanager, Jaeger,
the stub and Locust, compressed x30. The drills run as `firedrill run` runs them by default: as many at once as
the machine's measured headroom allows (--parallel auto), longest first, each on its own stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import interrupt
from harness.drill.model import load_scenario
from harness.drill.packing import choose_packing
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions
from harness.drill.suite import raise_first_error, run_suite
from harness.stack.shared import StackPool

pytestmark = pytest.mark.live

SUITE = sorted((Path(__file__).parents[2] / "scenarios" / "customerio").glob("*.yaml"))


@pytest.fixture(scope="module")
def suite_results() -> dict[str, list[ScenarioResult]]:
    interrupt.reset()
    scenarios = [load_scenario(path) for path in SUITE]
    packing = choose_packing(scenarios, "auto")
    print(f"packing: {packing.describe()}")
    with StackPool() as pool:
        runs = run_suite(scenarios, RunOptions(stack="processes"), packing, pool)
    raise_first_error(runs)
    return {path.stem: run.results for path, run in zip(SUITE, runs, strict=True)}


def test_suite_has_every_drill_the_issue_names() -> None:
    names = {path.stem for path in SUITE}
    assert {"baseline", "error-burst", "latency", "bounce", "backlog", "below-threshold"} <= names


@pytest.mark.parametrize("drill", [path.stem for path in SUITE])
def test_drill_passes(drill: str, suite_results: dict[str, list[ScenarioResult]]) -> None:
    failures = [
        f"[{result.lane}] {phase.phase}: {v.kind} {v.alert or ''}: {v.reason}"
        for result in suite_results[drill]
        for phase in result.phases
        for v in phase.verdicts
        if not v.passed
    ]
    assert not failures, "\n".join(failures)
    assert all(any(v.kind == "silent" for p in r.phases for v in p.verdicts) for r in suite_results[drill])


def test_lanes_are_judged_separately(suite_results: dict[str, list[ScenarioResult]]) -> None:
    lanes = suite_results["below-threshold"]
    assert [r.lane for r in lanes] == ["a", "b"]
