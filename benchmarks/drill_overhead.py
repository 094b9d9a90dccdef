"""Drill overhead: wall time against the scaled schedule, time-to-fire against its floor, lanes' cost.

Prints, for the Customer.io error-burst drill (x30, local processes):
  * wall time / scaled schedule                     (target <= 1.15)
  * time to fire - (scaled for + one evaluation)    in evaluation intervals (target <= 2)
  * 4 lanes at once vs 1 lane, wall time            (target <= 1.3x)

Run: .venv/bin/python benchmarks/drill_overhead.py
"""

from __future__ import annotations

import time
from pathlib import Path

from harness.drill.model import load_scenario
from harness.drill.plan import CompressionPlan
from harness.drill.run import RunOptions, run_scenario

DRILL = Path(__file__).resolve().parents[1] / "scenarios" / "customerio" / "error-burst.yaml"


def timed_run(lanes: int) -> tuple[float, list]:  # type: ignore[type-arg]
    scenario = load_scenario(DRILL)
    scenario = scenario.model_copy(update={"target": scenario.target.model_copy(update={"lanes": lanes})})
    started = time.perf_counter()
    results = run_scenario(scenario, RunOptions(stack="processes"))
    return time.perf_counter() - started, results


def main() -> None:
    scenario = load_scenario(DRILL)
    plan = CompressionPlan.for_k(scenario.compress, scenario.scrape_interval, scenario.evaluation_interval)
    schedule = sum(plan.timescale.to_wall(p.duration) for p in scenario.phases)
    wall_one, results = timed_run(1)
    print(f"schedule {schedule:.1f}s, wall {wall_one:.1f}s: ratio {wall_one / schedule:.2f} (target <= 1.15)")
    (result,) = results
    rule = result.timeline.rule("CioHighErrorRate")
    for phase in result.phases:
        for verdict in phase.verdicts:
            if verdict.kind == "fires" and verdict.wall_measured_s is not None and rule is not None:
                floor = rule.for_s_wall + plan.evaluation_interval_s
                extra = (verdict.wall_measured_s - floor) / plan.evaluation_interval_s
                print(
                    f"{verdict.alert}: fired {verdict.wall_measured_s:.2f}s after the fault; floor (for + 1 eval) "
                    f"{floor:.2f}s; excess {extra:.1f} evaluation intervals (target <= 2)"
                )
                if verdict.pending_s is not None:
                    # The rate window filling up is the rule's own latency; the engine's share starts at pending.
                    after_pending = verdict.wall_measured_s - verdict.pending_s / result.timeline.k - rule.for_s_wall
                    print(
                        f"  of which after pending: firing - (pending + for) = {after_pending:.2f}s = "
                        f"{after_pending / plan.evaluation_interval_s:.1f} evaluation intervals"
                    )
    wall_four, _ = timed_run(4)
    print(f"4 lanes {wall_four:.1f}s vs 1 lane {wall_one:.1f}s: {wall_four / wall_one:.2f}x (target <= 1.3x)")


if __name__ == "__main__":
    main()
