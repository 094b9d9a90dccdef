"""The drill engine on real programs: a correct rule passes, and each kind of broken rule fails with a reason.

One drill (real Prometheus, Alertmanager, Jaeger, stub and Locust, compressed x30) carries every case, so the
whole file costs one ~40 s run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.expect import Verdict
from harness.drill.model import load_scenario
from harness.drill.run import RunOptions, run_scenario
from harness.report.results import ScenarioResult

pytestmark = pytest.mark.live

DRILL = Path(__file__).parent / "drills" / "faulty.yaml"


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    (only_lane,) = run_scenario(load_scenario(DRILL), RunOptions(stack="processes"))
    for phase in only_lane.phases:
        for verdict in phase.verdicts:
            print(f"{phase.phase:<12} {verdict.kind:<12} {verdict.alert or '':<22} {verdict.passed} {verdict.reason}")
    return only_lane


def verdict(result: ScenarioResult, phase: str, kind: str, alert: str | None = None, index: int = 0) -> Verdict:
    (phase_verdicts,) = [p for p in result.phases if p.phase == phase]
    matches = [v for v in phase_verdicts.verdicts if v.kind == kind and (alert is None or v.alert == alert)]
    return matches[index]


def test_correct_rule_fires_within_budget_with_measured_times(result: ScenarioResult) -> None:
    fired = verdict(result, "burst", "fires", "GoodErrorRate")
    assert fired.passed, fired.reason
    assert fired.measured_s is not None and fired.budget_s == 540
    # Prometheus decides: it cannot fire before for: 5m has elapsed (production-equivalent).
    assert 300 <= fired.measured_s <= 540
    assert fired.pending_s is not None and fired.pending_s < fired.measured_s


def test_misspelt_metric_fails_as_never_pending_with_no_samples(result: ScenarioResult) -> None:
    failed = verdict(result, "burst", "fires", "MisspeltMetric")
    assert not failed.passed
    assert "never pending" in failed.reason and "no samples" in failed.reason


def test_unreachable_threshold_reports_the_peak(result: ScenarioResult) -> None:
    failed = verdict(result, "burst", "fires", "UnreachableThreshold")
    assert not failed.passed
    assert "never pending" in failed.reason and "peaked at 0.0" in failed.reason and "threshold > 5" in failed.reason


def test_for_longer_than_budget_stays_pending(result: ScenarioResult) -> None:
    failed = verdict(result, "burst", "fires", "ForTooLong")
    assert not failed.passed
    assert "stayed pending" in failed.reason and "for: 1h" in failed.reason


def test_too_sensitive_rule_breaks_the_healthy_baseline(result: ScenarioResult) -> None:
    assert not verdict(result, "baseline", "silent", index=0).passed
    assert "TooSensitive" in verdict(result, "baseline", "silent", index=0).reason
    assert verdict(result, "baseline", "silent", index=1).passed


def test_wrong_receiver_fails_and_names_the_one_reached(result: ScenarioResult) -> None:
    failed = verdict(result, "burst", "notification", "GoodErrorRate")
    assert not failed.passed
    assert "team-customerio" in failed.reason


def test_seed_000_rule_verbatim_fires_below_its_threshold(result: ScenarioResult) -> None:
    """The contradiction firedrill exists to find: seed 000's ratio is error/error, so 2% errors fire it."""
    failed = verdict(result, "mild-errors", "silent")
    assert not failed.passed and "LiteralSeedErrorRate" in failed.reason
