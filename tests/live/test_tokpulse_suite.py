"""The TokPulse suite (seed 002), live: every drill in scenarios/tokpulse/ on real Prometheus, Alertmanager,
Jaeger, the six-service stub and Locust. Drills run two at a time, each in its own stack."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.drill.model import load_scenario
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions, run_scenario

pytestmark = pytest.mark.live

ROOT = Path(__file__).parents[2]
SUITE = sorted((ROOT / "scenarios" / "tokpulse").glob("*.yaml"))
DASHBOARDS = sorted((ROOT / "fixtures" / "tokpulse").glob("*.json"))


@pytest.fixture(scope="module")
def suite_results() -> dict[str, list[ScenarioResult]]:
    scenarios = [load_scenario(path) for path in SUITE]
    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(lambda s: run_scenario(s, RunOptions(stack="processes")), scenarios))
    return {path.stem: batch for path, batch in zip(SUITE, batches, strict=True)}


def test_suite_has_every_drill_the_issue_names() -> None:
    names = {path.stem for path in SUITE}
    families = {"webhooks", "api", "widgets", "jobs", "backlog", "noisy-tenant"}
    assert families | {"baseline", "below-threshold", "inhibition"} <= names
    assert {path.name for path in DASHBOARDS} == {"webhooks-health.json", "widget-performance.json", "api-health.json",
                                                  "jobs-queues.json", "tenancy-overview.json"}  # fmt: skip


@pytest.mark.parametrize("drill", [path.stem for path in SUITE])
def test_drill_passes(drill: str, suite_results: dict[str, list[ScenarioResult]]) -> None:
    (result,) = suite_results[drill]
    assert result.error is None, result.error
    failures = [f"{phase.phase}: {v.kind} {v.alert or ''}: {v.reason}"
                for phase in result.phases for v in phase.verdicts if not v.passed]  # fmt: skip
    assert not failures, "\n".join(failures)
    assert any(v.kind == "silent" for p in result.phases for v in p.verdicts)


def test_every_dashboard_panel_had_data_in_some_drill(suite_results: dict[str, list[ScenarioResult]]) -> None:
    passed = set()
    for path in SUITE:
        (result,) = suite_results[path.stem]
        for phase, judged in zip(load_scenario(path).phases, result.phases, strict=True):
            for exp, verdict in zip(phase.expect, judged.verdicts, strict=True):
                if exp.kind == "dashboard" and verdict.passed:
                    passed.add(Path(str(exp.dashboard)).name)  # type: ignore[attr-defined]
    assert passed == {path.name for path in DASHBOARDS}


def test_the_noisy_tenant_alert_names_its_store_and_only_it(suite_results: dict[str, list[ScenarioResult]]) -> None:
    (result,) = suite_results["noisy-tenant"]
    stores = {t.labels.get("storeId") for t in result.timeline.transitions if t.alert == "TokPulseTenantThrottled"}
    assert stores == {"store_3"}
    assert not [t for t in result.timeline.transitions if t.alert == "TokPulseFleetThrottled"]


def test_the_inhibited_warning_fired_but_was_never_sent(suite_results: dict[str, list[ScenarioResult]]) -> None:
    (result,) = suite_results["inhibition"]
    down = next(p for p in result.phases if p.phase == "api-down")
    (quiet,) = [v for v in down.verdicts if v.kind == "no_notification"]
    assert quiet.passed and "although it fired" in quiet.reason
    window = next(w for w in result.timeline.phases if w.name == "api-down")
    sent = {n.receiver for n in result.timeline.notifications if window.start <= n.t <= window.end
            and "TokPulseWebhookFailureRatio" in n.alertnames}  # fmt: skip
    assert sent == set()
