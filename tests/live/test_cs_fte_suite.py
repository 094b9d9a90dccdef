"""The Customer Success Digital FTE suite (seed 004), live: every drill in scenarios/cs-fte/ on real Prometheus,
Alertmanager, Jaeger, the cs-fte stub and Locust, packed as `firedrill run` packs them (tests/live/suites.py:
drills tagged nightly run only at night); the restart drill runs at k=1, as firedrill recommends for its resets()
rule, and the others at x30."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.model import load_scenario
from harness.drill.result import ScenarioResult
from tests.live.suites import SuiteResults, drills_to_run, every_drill, failures

# Every selected suite runs in one batch at the first test that needs it (tests/live/suites.py).
pytestmark = [pytest.mark.live, pytest.mark.timeout(1200)]

SUITE_NAME = "cs-fte"
SUITE = drills_to_run(SUITE_NAME)
# Per-label alerts: in a drill's first faulty phase only the faulty label's alert goes pending or fires.
PER_LABEL = {
    "tool-outage": ("FteToolCallFailures", {"tool": "get_customer_history"}),
    "escalation-surge": ("FteEscalationSurge", {"reason": "billing_dispute"}),
    "satisfaction-drop": ("FteSatisfactionDrop", {"channel": "chat"}),
    "latency": ("FteHighLatency", {"endpoint": "/v1/tickets/{ticket_id}"}),
    "errors": ("FteErrorBurst", {"component": "dispatcher"}),
}


@pytest.fixture(scope="module")
def suite_results(suite_runs: dict[str, SuiteResults]) -> SuiteResults:
    return suite_runs[SUITE_NAME]  # run with every other selected suite (tests/live/suites.py)


def test_suite_has_a_drill_per_rule_plus_baseline_and_below_threshold() -> None:
    every = every_drill("cs-fte")
    names = {path.stem for path in every}
    assert {"baseline", "below-threshold", "tool-outage", "satisfaction-drop", "restart"} <= names
    expected = {load_scenario(path).name: path for path in every}
    fired = {e.fires for path in every for p in load_scenario(path).phases for e in p.expect if hasattr(e, "fires")}
    rules = (Path(__file__).parents[2] / "fixtures" / "cs-fte" / "fte_alerting_rules.yml").read_text()
    alerts = {line.split(":", 1)[1].strip() for line in rules.splitlines() if line.strip().startswith("- alert:")}
    assert alerts and alerts <= fired, f"rules no drill fires: {sorted(alerts - fired)} (drills {sorted(expected)})"


@pytest.mark.parametrize("drill", [path.stem for path in SUITE])
def test_drill_passes(drill: str, suite_results: dict[str, list[ScenarioResult]]) -> None:
    problems = failures(suite_results[drill])
    assert not problems, "\n".join(problems)
    assert all(any(v.kind == "silent" for p in r.phases for v in p.verdicts) for r in suite_results[drill])


@pytest.mark.parametrize("drill", sorted(PER_LABEL.keys() & {path.stem for path in SUITE}))
def test_only_the_faulty_label_alerts(drill: str, suite_results: dict[str, list[ScenarioResult]]) -> None:
    alert, labels = PER_LABEL[drill]
    (result,) = suite_results[drill]
    faulty = next(w for w in result.timeline.phases if w.faults)
    instances = [tr.labels for tr in result.timeline.transitions
                 if tr.alert == alert and tr.state != "inactive" and faulty.start <= tr.t <= faulty.end]  # fmt: skip
    assert instances, f"{alert} never went pending in {drill}"
    assert all(all(i.get(k) == v for k, v in labels.items()) for i in instances), instances


@pytest.mark.nightly
def test_restart_drill_runs_at_k1_because_of_resets(suite_results: dict[str, list[ScenarioResult]]) -> None:
    (restart,) = suite_results["restart"]
    assert load_scenario(SUITE[0].parent / "restart.yaml").compress == 1
    (baseline,) = suite_results["baseline"]
    notes = [n for n in baseline.notes if n.rule == "FteServiceRestarted"]
    assert notes and all(n.recommend_k1 for n in notes), baseline.notes
    assert not [n for n in restart.notes if n.recommend_k1]
