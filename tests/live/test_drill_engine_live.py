"""The drill engine on real programs: a correct rule passes, and each kind of broken rule fails with a reason.

One drill (real Prometheus, Alertmanager, Jaeger, stub and Locust, compressed x30) carries every case; it runs in
the session's packed batch with the suites' drills.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.expectations import Verdict
from harness.drill.result import ScenarioResult
from tests.live.suites import BatchDrill

pytestmark = pytest.mark.live

DRILLS = Path(__file__).parent / "drills"


# In the session's one packed batch (tests/live/conftest.py). The faulty drill runs on local processes; the lanes
# drill on `auto`, which picks containers of the offline images where Docker answers (as in CI here), so the
# engine is exercised on both providers.
BATCH_DRILLS = [BatchDrill("engine/faulty", DRILLS / "faulty.yaml"),
                BatchDrill("engine/lanes", DRILLS / "lanes.yaml", stack="auto")]  # fmt: skip


@pytest.fixture(scope="module")
def drills(batch: dict[str, list[ScenarioResult]]) -> dict[str, list[ScenarioResult]]:
    """The faulty-rules drill and the two-lane drill, by name."""
    results = {name: batch[f"engine/{name}"] for name in ("faulty", "lanes")}
    for lane_results in results.values():
        for lane in lane_results:
            for phase in lane.phases:
                for v in phase.verdicts:
                    print(f"{lane.name}[{lane.lane}] {phase.phase:<12} {v.kind:<12} {v.alert or '':<22} {v.reason}")
    return results


@pytest.fixture(scope="module")
def result(drills: dict[str, list[ScenarioResult]]) -> ScenarioResult:
    (only_lane,) = drills["faulty"]
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


def test_healthy_baseline_catches_the_rule_without_data(result: ScenarioResult) -> None:
    failed = verdict(result, "baseline", "rules_have_data")
    assert not failed.passed
    assert "MisspeltMetric" in failed.reason and "GoodErrorRate" not in failed.reason


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


def test_lanes_share_a_stack_but_are_judged_apart(drills: dict[str, list[ScenarioResult]]) -> None:
    lane_a, lane_b = drills["lanes"]
    assert (lane_a.lane, lane_b.lane) == ("a", "b")
    fired_a = verdict(lane_a, "burst-on-a", "fires", "CioHighErrorRate")
    fired_b = verdict(lane_b, "burst-on-a", "fires", "CioHighErrorRate")
    assert fired_a.passed, fired_a.reason
    assert not fired_b.passed and "never pending" in fired_b.reason
    assert all(t.labels.get("lane", "a") == "a" for t in lane_a.timeline.transitions)


def test_the_rule_value_is_sampled_at_every_evaluation(drills: dict[str, list[ScenarioResult]]) -> None:
    """The report's charts need the rule's value at each evaluation (15s, 0.5 s wall at x30): a fixed cadence."""
    for result in [*drills["faulty"], *drills["lanes"]]:
        evaluation_s = 15 / result.timeline.k
        for rule in result.timeline.rules_info:
            times = [s.t for s in result.timeline.expr_samples if s.alert == rule.alert]
            expected = result.timeline.end / evaluation_s
            assert len(times) >= 0.9 * expected, f"{result.name}[{result.lane}] {rule.alert}: {len(times)} samples"
    lane_a, lane_b = drills["lanes"]
    assert len(lane_a.timeline.expr_samples) == len(lane_b.timeline.expr_samples), "each lane gets every sample"


def test_report_html_charts_every_alert_of_the_drill(result: ScenarioResult, tmp_path: Path) -> None:
    """report.html on the real drill: one chart per alert, holding what Prometheus and Alertmanager did."""
    from datetime import UTC, datetime

    from harness.drill.result import RunResult
    from harness.report.html import write_html
    from tests.unit.html_checks import charts, groups, parse_valid, path_points, title

    page = write_html(tmp_path, RunResult(compress=30, started_at=datetime.now(UTC), scenarios=[result]))
    found = {chart.attrib["aria-label"].removesuffix(" over the drill"): chart for chart in charts(parse_valid(
        page.read_text()))}  # fmt: skip
    rules = [r.alert for r in result.timeline.rules_info]
    assert sorted(found) == sorted(rules)
    good = groups(found["GoodErrorRate"])
    samples = [s for s in result.timeline.expr_samples if s.alert == "GoodErrorRate" and s.value is not None]
    assert path_points(good["value"]) == len(samples) and "threshold" in good
    assert title(good["fault-2"]).startswith("faults applied at") and "error(operation=track, rate=0.08)" in title(
        good["fault-2"]
    )
    assert any(key.startswith("pending-") for key in good) and any(key.startswith("firing-") for key in good)
    notified = [title(good[key]) for key in good if key.startswith("notification-")]
    assert notified and all("team-customerio" in text for text in notified)
    assert [key for key in good if key.startswith("budget-")] == ["budget-0", "budget-1"]  # fires 9m, notification
    assert "no-samples" in groups(found["MisspeltMetric"]), "a rule without data says so instead of a flat line"
