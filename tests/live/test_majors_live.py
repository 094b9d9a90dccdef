"""Every suite passes on both Prometheus majors: one drill per suite in scenarios/ (the one tagged ``majors``)
runs on Prometheus 3 (with Alertmanager 0.3x, the default) and on Debian's Prometheus 2.42 (with Alertmanager
0.25), and each result records the versions its stack's programs reported. The rest of the live suite runs on the
default (the newest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import programs
from harness.drill.expectations import FiresExpectation
from harness.drill.model import load_scenario
from harness.drill.result import ScenarioResult
from harness.stack.spec import Component
from tests.conftest import MAJORS, programs_of_major
from tests.live.suites import NIGHTLY, BatchDrill, drills_to_run

pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def drill_of(suite: Path) -> Path:
    """The suite's drill tagged ``majors``; untagged suites: their shortest drill that expects an alert to fire."""
    drills = [(path, load_scenario(path)) for path in sorted(suite.glob("*.yaml")) if path in drills_to_run(suite.name)]
    tagged = [path for path, scenario in drills if "majors" in scenario.tags]
    if tagged:
        return tagged[0]
    firing = [(path, s) for path, s in drills if any(isinstance(e, FiresExpectation) for p in s.phases
                                                     for e in p.expect)]  # fmt: skip
    return min(firing, key=lambda item: sum(p.duration for p in item[1].phases) / item[1].compress)[0]


# Every push runs the suites on the newest (3, the default) in their own tests; here it adds Prometheus 2. The
# nightly run drills both here.
RUN_MAJORS = MAJORS if NIGHTLY else [major for major in MAJORS if major != 3]
CASES = [(suite.name, major) for suite in sorted(p for p in SCENARIOS.iterdir() if p.is_dir()) for major in RUN_MAJORS]


# In the session's one packed batch (tests/live/conftest.py), beside the suites' drills on the newest.
BATCH_DRILLS = [
    BatchDrill(f"majors/{suite}/{major}", drill_of(SCENARIOS / suite), major=major) for suite, major in CASES
]


@pytest.mark.parametrize(("suite", "major"), CASES, ids=[f"{suite}-prometheus{major}" for suite, major in CASES])
def test_one_drill_per_suite_passes_on_each_major(
    suite: str, major: int, batch: dict[str, list[ScenarioResult]]
) -> None:
    binaries = programs_of_major(major)
    for result in batch[f"majors/{suite}/{major}"]:
        assert result.error is None, result.error.message
        failures = [f"{p.phase}: {v.kind} {v.alert or ''}: {v.reason}" for p in result.phases for v in p.verdicts
                    if not v.passed]  # fmt: skip
        assert not failures, "\n".join(failures)
        assert any(v.kind == "fires" and v.passed for p in result.phases for v in p.verdicts)
        # What the running programs said, not what firedrill assumed.
        for component in (Component.PROMETHEUS, Component.ALERTMANAGER):
            said = programs.identify(binaries[component])
            assert said is not None and result.versions[component.value] == said[1]
        assert result.versions["prometheus"].startswith(f"{major}.")
        assert "jaeger" in result.versions
