"""The Customer.io suite, live: every drill in scenarios/customerio/ on real Prometheus, Alertmanager, Jaeger,
the stub and Locust, compressed x30. The drills run as `firedrill run` runs them by default: as many at once as
the machine's measured headroom allows (--parallel auto), longest first, each on its own stack."""

from __future__ import annotations

import pytest

from harness import programs
from harness.drill.result import ScenarioResult
from harness.stack.spec import Component
from tests.live.suites import SuiteResults, drills_to_run, every_drill, failures

# Every selected suite runs in one batch at the first test that needs it (tests/live/suites.py).
pytestmark = [pytest.mark.live, pytest.mark.timeout(1200)]

SUITE_NAME = "customerio"
SUITE = drills_to_run(SUITE_NAME)


@pytest.fixture(scope="module")
def suite_results(suite_runs: dict[str, SuiteResults]) -> SuiteResults:
    return suite_runs[SUITE_NAME]  # run with every other selected suite (tests/live/suites.py)


def test_suite_has_every_drill_the_issue_names() -> None:
    names = {path.stem for path in every_drill("customerio")}
    assert {"baseline", "error-burst", "latency", "bounce", "backlog", "below-threshold"} <= names


@pytest.mark.parametrize("drill", [path.stem for path in SUITE])
def test_drill_passes(drill: str, suite_results: dict[str, list[ScenarioResult]]) -> None:
    problems = failures(suite_results[drill])
    assert not problems, "\n".join(problems)
    assert all(any(v.kind == "silent" for p in r.phases for v in p.verdicts) for r in suite_results[drill])


def test_lanes_are_judged_separately(suite_results: dict[str, list[ScenarioResult]]) -> None:
    lanes = suite_results["below-threshold"]
    assert [r.lane for r in lanes] == ["a", "b"]


def test_results_record_the_versions_the_running_programs_reported(
    suite_results: dict[str, list[ScenarioResult]],
) -> None:
    """The suites run on the newest Prometheus and Alertmanager installed; each result says which, as they said."""
    for component in (Component.PROMETHEUS, Component.ALERTMANAGER):
        program = programs.chosen(component.value, None)
        assert program is not None
        said = programs.identify(program.path)
        assert said is not None
        assert {r.versions[component.value] for results in suite_results.values() for r in results} == {said[1]}
