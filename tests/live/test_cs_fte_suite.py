"""The Customer Success Digital FTE suite (seed 004), live: every drill in scenarios/cs-fte/ on real Prometheus,
Alertmanager, Jaeger, the cs-fte stub and Locust. Drills run two at a time, each in its own stack; the restart
drill runs at k=1, as firedrill recommends for its resets() rule, and the others at x30."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.drill.model import load_scenario
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions, run_scenario

pytestmark = pytest.mark.live

SUITE = sorted((Path(__file__).parents[2] / "scenarios" / "cs-fte").glob("*.yaml"))
# Per-label alerts: in a drill's first faulty phase only the faulty label's alert goes pending or fires.
PER_LABEL = {
    "tool-outage": ("FteToolCallFailures", {"tool": "get_customer_history"}),
    "escalation-surge": ("FteEscalationSurge", {"reason": "billing_dispute"}),
    "satisfaction-drop": ("FteSatisfactionDrop", {"channel": "chat"}),
    "latency": ("FteHighLatency", {"endpoint": "/v1/tickets/{ticket_id}"}),
    "errors": ("FteErrorBurst", {"component": "dispatcher"}),
}


@pytest.fixture(scope="module")
def suite_results() -> dict[str, list[ScenarioResult]]:
    # The longest drill (restart, at k=1) first, so the other worker runs the rest meanwhile.
    order = sorted(SUITE, key=lambda path: path.stem != "restart")
    scenarios = [load_scenario(path) for path in order]
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(lambda s: run_scenario(s, RunOptions(stack="processes")), scenarios))
    return {path.stem: batch for path, batch in zip(order, batches, strict=True)}


def test_suite_has_a_drill_per_rule_plus_baseline_and_below_threshold() -> None:
    names = {path.stem for path in SUITE}
    assert {"baseline", "below-threshold", "tool-outage", "satisfaction-drop", "restart"} <= names
    expected = {load_scenario(path).name: path for path in SUITE}
    fired = {e.fires for path in SUITE for p in load_scenario(path).phases for e in p.expect if hasattr(e, "fires")}
    rules = (Path(__file__).parents[2] / "fixtures" / "cs-fte" / "fte_alerting_rules.yml").read_text()
    alerts = {line.split(":", 1)[1].strip() for line in rules.splitlines() if line.strip().startswith("- alert:")}
    assert alerts and alerts <= fired, f"rules no drill fires: {sorted(alerts - fired)} (drills {sorted(expected)})"


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
    assert all(result.error is None for result in suite_results[drill])
    assert all(any(v.kind == "silent" for p in r.phases for v in p.verdicts) for r in suite_results[drill])


@pytest.mark.parametrize("drill", sorted(PER_LABEL))
def test_only_the_faulty_label_alerts(drill: str, suite_results: dict[str, list[ScenarioResult]]) -> None:
    alert, labels = PER_LABEL[drill]
    (result,) = suite_results[drill]
    faulty = next(w for w in result.timeline.phases if w.faults)
    instances = [tr.labels for tr in result.timeline.transitions
                 if tr.alert == alert and tr.state != "inactive" and faulty.start <= tr.t <= faulty.end]  # fmt: skip
    assert instances, f"{alert} never went pending in {drill}"
    assert all(all(i.get(k) == v for k, v in labels.items()) for i in instances), instances


def test_restart_drill_runs_at_k1_because_of_resets(suite_results: dict[str, list[ScenarioResult]]) -> None:
    (restart,) = suite_results["restart"]
    assert load_scenario(SUITE[[p.stem for p in SUITE].index("restart")]).compress == 1
    (baseline,) = suite_results["baseline"]
    notes = [n for n in baseline.notes if n.rule == "FteServiceRestarted"]
    assert notes and all(n.recommend_k1 for n in notes), baseline.notes
    assert not [n for n in restart.notes if n.recommend_k1]
