"""Suite wall time with drills at once: every suite in scenarios/, packed (--parallel auto) and one by one.

Prints, for every suite directory under scenarios/ (each holding drill YAMLs):
  * suite wall over its longest drill's schedule                 (target, Customer.io on 2 cores: <= 1.3x, <= 80 s)
  * verdict equality with a sequential run of the same drills    (target: identical)
  * CPU utilisation: the machine's, and firedrill's processes' by kind (Locust, stubs, Prometheus, ...)
  * time-to-fire precision: firing - (pending + for) per alert, in evaluation intervals, packed and sequential
                                                                 (target: <= 1 evaluation interval)

The sequential run is the pre-packing default: one drill after another on one shared stack.
Run: .venv/bin/python benchmarks/suite_wall.py [--suite customerio] [--no-sequential]  (wrap it in the live lock)
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cpu_usage import CpuUsage

from harness import interrupt
from harness.drill.model import Scenario, load_scenario
from harness.drill.packing import Parallel, choose_packing
from harness.drill.plan import CompressionPlan
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions
from harness.drill.suite import DrillRun, describe_runs, raise_first_error, run_suite
from harness.stack.shared import StackPool

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TARGET_RATIO = 1.3


@dataclass
class SuiteRun:
    wall_s: float
    runs: list[DrillRun]
    usage: CpuUsage
    packing: str

    @property
    def results(self) -> list[ScenarioResult]:
        return [result for run in self.runs for result in run.results]


def run(scenarios: list[Scenario], parallel: Parallel) -> SuiteRun:
    interrupt.reset()
    packing = choose_packing(scenarios, parallel)
    with CpuUsage() as usage, StackPool() as pool:
        started = time.monotonic()
        runs = run_suite(scenarios, RunOptions(stack="processes"), packing, pool)
        wall = time.monotonic() - started
    raise_first_error(runs)
    return SuiteRun(wall, runs, usage, packing.describe())


def verdicts(results: list[ScenarioResult]) -> dict[str, str]:
    """(drill, lane, phase, expectation) -> outcome; an environment error is its own outcome."""
    out: dict[str, str] = {}
    for result in results:
        if result.error is not None:
            out[f"{result.name}[{result.lane}]"] = f"error: {result.error.message}"
        for phase in result.phases:
            for index, v in enumerate(phase.verdicts):
                out[f"{result.name}[{result.lane}] {phase.phase} #{index} {v.kind} {v.alert or ''}"] = str(v.outcome)
    return out


def fire_precision(results: list[ScenarioResult], scenarios: dict[str, Scenario]) -> list[tuple[str, float, float]]:
    """(alert, firing - (pending + for) in wall seconds, the drill's evaluation interval) per alert that fired."""
    found = []
    for result in results:
        scenario = scenarios[result.name]
        evaluation = CompressionPlan.for_k(scenario.compress, scenario.scrape_interval,
                                           scenario.evaluation_interval).evaluation_interval_s  # fmt: skip
        pending: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
        for t in sorted(result.timeline.transitions, key=lambda t: t.t):
            key = (t.alert, frozenset(t.labels.items()))
            rule = result.timeline.rule(t.alert)
            if t.state == "pending":
                pending[key] = t.t
            elif t.state == "firing" and key in pending and rule is not None:
                found.append((f"{result.name}[{result.lane}] {t.alert}", t.t - pending.pop(key) - rule.for_s_wall,
                              evaluation))  # fmt: skip
            else:
                pending.pop(key, None)
    return found


def print_precision(label: str, found: list[tuple[str, float, float]]) -> None:
    if not found:
        print(f"  time to fire ({label}): no alert went from pending to firing")
        return
    worst = max(found, key=lambda f: f[1] / f[2])
    verdict = "OK" if all(delta <= evaluation for _, delta, evaluation in found) else "MISSED"
    print(f"  time to fire ({label}): firing - (pending + for) over {len(found)} alerts: worst {worst[1]:.2f}s "
          f"= {worst[1] / worst[2]:.2f} evaluation intervals ({worst[0]}) (target <= 1) {verdict}")  # fmt: skip
    for name, delta, evaluation in sorted(found):
        print(f"      {name:<48} {delta:6.2f}s  {delta / evaluation:5.2f} x {evaluation:g}s")


def print_failures(label: str, results: list[ScenarioResult]) -> None:
    failed = [f"{r.name}[{r.lane}] {p.phase}: {v.kind} {v.alert or ''}: {v.reason}"
              for r in results for p in r.phases for v in p.verdicts if not v.passed]  # fmt: skip
    failed += [f"{r.name}[{r.lane}]: environment error: {r.error.message}" for r in results if r.error is not None]
    print(f"  verdicts ({label}): " + ("every expectation held" if not failed else f"{len(failed)} failed:"))
    for line in failed:
        print(f"      {line}")


def print_usage(label: str, suite: SuiteRun) -> None:
    cores = suite.usage.cores()
    ours = sum(cores.values())
    shares = ", ".join(f"{kind} {value:.2f}" for kind, value in cores.items())
    print(f"  CPU ({label}): machine {suite.usage.utilisation:.0%} busy over {suite.usage.wall_s:.0f}s "
          f"(others' work included); firedrill's processes {ours:.2f} of {suite.usage.cpus} cores "
          f"= {ours / suite.usage.cpus:.0%}: {shares}")  # fmt: skip


def bench_suite(directory: Path, sequential: bool) -> bool:
    paths = sorted(directory.glob("*.yaml"))
    scenarios = [load_scenario(path) for path in paths]
    by_name = {s.name: s for s in scenarios}
    longest = max(sum(p.duration for p in s.phases) / s.compress for s in scenarios)
    print(f"\n== {directory.name}: {len(scenarios)} drills, longest schedule {longest:.0f}s, "
          f"all schedules {sum(sum(p.duration for p in s.phases) / s.compress for s in scenarios):.0f}s")  # fmt: skip
    packed = run(scenarios, "auto")
    ratio = packed.wall_s / longest
    print(f"  packing: {packed.packing}")
    print(f"  packed: {describe_runs(packed.runs)}; suite wall {packed.wall_s:.1f}s = {ratio:.2f}x the longest "
          f"schedule (target <= {TARGET_RATIO}x{', <= 80 s' if directory.name == 'customerio' else ''}) "
          f"{'OK' if ratio <= TARGET_RATIO else 'MISSED'}")  # fmt: skip
    print_usage("packed", packed)
    print_precision("packed", fire_precision(packed.results, by_name))
    print_failures("packed", packed.results)
    if not sequential:
        return ratio <= TARGET_RATIO
    one_by_one = run(scenarios, 1)
    print(f"  sequential: {describe_runs(one_by_one.runs)}; suite wall {one_by_one.wall_s:.1f}s "
          f"({one_by_one.wall_s / packed.wall_s:.1f}x the packed wall)")  # fmt: skip
    print_usage("sequential", one_by_one)
    print_failures("sequential", one_by_one.results)
    print_precision("sequential", fire_precision(one_by_one.results, by_name))
    a, b = verdicts(packed.results), verdicts(one_by_one.results)
    differ = sorted(key for key in a.keys() | b.keys() if a.get(key) != b.get(key))
    if differ:
        print(f"  verdicts: {len(differ)} of {len(a | b)} DIFFER between packed and sequential runs:")
        for key in differ:
            print(f"      {key}: packed {a.get(key)}, sequential {b.get(key)}")
    else:
        print(f"  verdicts: identical in both runs ({len(a)} expectations) OK")
    return ratio <= TARGET_RATIO and not differ


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", action="append", help="only this suite (a directory name under scenarios/)")
    parser.add_argument("--no-sequential", dest="sequential", action="store_false", help="skip the sequential run")
    args = parser.parse_args()
    suites = sorted(d for d in SCENARIOS.iterdir() if d.is_dir() and any(d.glob("*.yaml")))
    if args.suite:
        suites = [d for d in suites if d.name in args.suite]
    results = [bench_suite(directory, args.sequential) for directory in suites]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
