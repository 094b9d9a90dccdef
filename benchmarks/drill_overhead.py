"""Drill overhead on each Prometheus major: wall time against the scaled schedule, time-to-fire against its floor,
lanes' cost; the majors side by side.

Prints, for the Customer.io error-burst drill (x30, local processes), once on Prometheus 3 with Alertmanager 0.3x
(`make setup` builds them) and once on Debian's Prometheus 2.42 with Alertmanager 0.25:
  * wall time / scaled schedule                     (target <= 1.15)
  * time to fire - (scaled for + one evaluation)    in evaluation intervals (target <= 2)
  * firing - (pending + for)                        in evaluation intervals (Prometheus's own `for`: <= 1)
  * 4 lanes at once vs 1 lane, wall time            (target <= 1.3x)

Run: .venv/bin/python benchmarks/drill_overhead.py [--majors 3,2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from harness.drill.model import load_scenario
from harness.drill.plan import CompressionPlan
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions, run_scenario
from harness.stack.processes import binaries_for_major
from harness.stack.spec import Component

DRILL = Path(__file__).resolve().parents[1] / "scenarios" / "customerio" / "error-burst.yaml"


def timed_run(lanes: int, binaries: dict[Component, str]) -> tuple[float, list[ScenarioResult]]:
    scenario = load_scenario(DRILL)
    scenario = scenario.model_copy(update={"target": scenario.target.model_copy(update={"lanes": lanes})})
    started = time.perf_counter()
    results = run_scenario(scenario, RunOptions(stack="processes", binaries=binaries))
    return time.perf_counter() - started, results


def measure(major: int) -> dict[str, str]:
    """One column of the table: the figures for one major."""
    binaries = binaries_for_major(major)
    if binaries is None:
        return {"stack": f"no Prometheus {major} installed (make setup)"}
    scenario = load_scenario(DRILL)
    plan = CompressionPlan.for_k(scenario.compress, scenario.scrape_interval, scenario.evaluation_interval)
    schedule = sum(plan.timescale.to_wall(p.duration) for p in scenario.phases)
    evaluation = plan.evaluation_interval_s
    wall_one, (result,) = timed_run(1, binaries)
    column = {
        "stack": f"prometheus {result.versions.get('prometheus')}, alertmanager {result.versions.get('alertmanager')}",
        "verdict": result.verdict,
        "wall / scaled schedule (<= 1.15)": f"{wall_one:.1f}s / {schedule:.1f}s = {wall_one / schedule:.2f}",
    }
    rule = result.timeline.rule("CioHighErrorRate")
    fires = [v for p in result.phases for v in p.verdicts if v.kind == "fires" and v.wall_measured_s is not None]
    if fires and rule is not None:
        fired = fires[0]
        assert fired.wall_measured_s is not None
        floor = rule.for_s_wall + evaluation
        column["fired after the fault (wall)"] = f"{fired.wall_measured_s:.2f}s (floor {floor:.2f}s)"
        column["excess over the floor (<= 2 evals)"] = f"{(fired.wall_measured_s - floor) / evaluation:.1f} evals"
        if fired.pending_s is not None:
            # The rate window filling is the rule's own latency; the engine's share starts at pending.
            after = fired.wall_measured_s - fired.pending_s / result.timeline.k - rule.for_s_wall
            column["firing - (pending + for) (<= 1 eval)"] = f"{after:.2f}s = {after / evaluation:.1f} evals"
    wall_four, _ = timed_run(4, binaries)
    column["4 lanes vs 1 (<= 1.3x)"] = f"{wall_four:.1f}s vs {wall_one:.1f}s = {wall_four / wall_one:.2f}x"
    return column


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--majors", default="3,2", help="Prometheus majors to measure, in column order")
    majors = [int(m) for m in parser.parse_args().majors.split(",")]
    columns = {major: measure(major) for major in majors}
    rows = list(dict.fromkeys(row for column in columns.values() for row in column))
    width = max(len(row) for row in rows)
    print(f"{'error-burst x30':<{width}}  " + "  ".join(f"{f'Prometheus {m}':<44}" for m in majors))
    for row in rows:
        print(f"{row:<{width}}  " + "  ".join(f"{columns[m].get(row, ''):<44}" for m in majors))


if __name__ == "__main__":
    main()
