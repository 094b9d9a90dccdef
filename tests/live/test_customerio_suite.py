"""The Customer.io suite, live: every drill in scenarios/customerio/ on real Prometheus, Alertmanager, Jaeger,
the stub and Locust, compressed x30. Drills run two at a time, each in its own stack."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.drill.model import load_scenario
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions, run_scenario

pytestmark = pytest.mark.live

SUITE = sorted((Path(__file__).parents[2] / "scenarios" / "customerio").glob("*.yaml"))


@pytest.fixture(scope="module")
def suite_results() -> dict[str, list[ScenarioResult]]:
    scenarios = [load_scenario(path) for path in SUITE]
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(lambda s: run_scenario(s, RunOptions(stack="processes")), scenarios))
    return {path.stem: batch for path, batch in zip(SUITE, batches, strict=True)}


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
