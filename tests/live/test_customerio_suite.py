"""The Customer.io suite, live: every drill in scenarios/customerio/ on real Prometheus, Alertmanager, Jaeger,
the stub and Locust, compressed x30. Drills run two at a time, each in its own stack."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.drill.model import load_scenario
from harness.drill.run import RunOptions, run_scenario
from harness.report.results import ScenarioResult

pytestmark = pytest.mark.live

SUITE = sorted((Path(__file__).parents[2] / "scenarios" / "customerio").glob("*.yaml"))


@pytest.fixture(scope="module")
def suite_results() -> dict[str, ScenarioResult]:
    scenarios = [load_scenario(path) for path in SUITE]
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(lambda s: run_scenario(s, RunOptions(stack="processes")), scenarios))
    return {path.stem: batch[0] for path, batch in zip(SUITE, batches, strict=True)}


def test_suite_has_every_drill_the_issue_names() -> None:
    names = {path.stem for path in SUITE}
    assert {"baseline", "error-burst", "latency", "bounce", "backlog", "below-threshold"} <= names


@pytest.mark.parametrize("drill", [path.stem for path in SUITE])
def test_drill_passes(drill: str, suite_results: dict[str, ScenarioResult]) -> None:
    result = suite_results[drill]
    failures = [
        f"{phase.phase}: {v.kind} {v.alert or ''}: {v.reason}"
        for phase in result.phases
        for v in phase.verdicts
        if not v.passed
    ]
    assert not failures, "\n".join(failures)
    assert any(v.kind == "silent" for phase in result.phases for v in phase.verdicts)
