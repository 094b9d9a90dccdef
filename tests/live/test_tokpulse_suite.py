"""The TokPulse suite (seed 002), live: every drill in scenarios/tokpulse/ on real Prometheus, Alertmanager,
Jaeger, the six-service stub and Locust, packed as `firedrill run` packs them (tests/live/suites.py: drills
tagged nightly run only at night)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.model import load_scenario
from harness.drill.result import ScenarioResult
from tests.live.suites import SuiteResults, drills_to_run, every_drill, failures

# Every selected suite runs in one batch at the first test that needs it (tests/live/suites.py).
pytestmark = [pytest.mark.live, pytest.mark.timeout(1200)]

ROOT = Path(__file__).parents[2]
SUITE_NAME = "tokpulse"
SUITE = drills_to_run(SUITE_NAME)
DASHBOARDS = sorted((ROOT / "fixtures" / "tokpulse").glob("*.json"))


@pytest.fixture(scope="module")
def suite_results(suite_runs: dict[str, SuiteResults]) -> SuiteResults:
    return suite_runs[SUITE_NAME]  # run with every other selected suite (tests/live/suites.py)


def test_suite_has_every_drill_the_issue_names() -> None:
    names = {path.stem for path in every_drill("tokpulse")}
    families = {"webhooks", "api", "widgets", "jobs", "backlog", "noisy-tenant"}
    assert families | {"baseline", "below-threshold", "inhibition"} <= names
    assert {path.name for path in DASHBOARDS} == {"webhooks-health.json", "widget-performance.json", "api-health.json",
                                                  "jobs-queues.json", "tenancy-overview.json"}  # fmt: skip


@pytest.mark.parametrize("drill", [path.stem for path in SUITE])
def test_drill_passes(drill: str, suite_results: dict[str, list[ScenarioResult]]) -> None:
    (result,) = suite_results[drill]
    assert not failures([result]), "\n".join(failures([result]))
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
