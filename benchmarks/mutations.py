"""Mutation check: break every Customer.io rule one way at a time and show which drills catch it.

Four mutations, each applied to every rule of fixtures/customerio/alerts.yml at once: the metric names of
seed 001 instead of seed 000's, the threshold x100, `for: 1h`, and the severity swapped (warning <-> critical,
which reroutes the notification). For each, the whole suite runs live and the table shows, per drill, the
first expectation that failed and why. A drill made only of `silent` expectations cannot catch a rule that
fires less; that is what the fires/notification drills are for.

Run: .venv/bin/python benchmarks/mutations.py [--parallel 2]  (about 10 minutes)
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

from harness.drill.model import load_scenario
from harness.drill.run import RunOptions, run_scenario
from harness.promql.expr import top_level_comparison

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "fixtures" / "customerio" / "alerts.yml"
SUITE = sorted((ROOT / "scenarios" / "customerio").glob("*.yaml"))


def seed_001_names(rule: dict[str, Any]) -> None:
    rule["expr"] = rule["expr"].replace("customerio_requests_total", "customerio_api_requests_total")
    rule["expr"] = rule["expr"].replace("customerio_request_duration_seconds", "customerio_api_latency_ms")
    rule["expr"] = rule["expr"].replace("customerio_queue_depth", "customerio_api_queue_depth")
    rule["expr"] = rule["expr"].replace("customerio_email_", "customerio_api_email_")


def threshold_x100(rule: dict[str, Any]) -> None:
    comparison = top_level_comparison(rule["expr"])
    if comparison is not None:
        rule["expr"] = f"{comparison.value_expr} {comparison.op} {comparison.threshold * 100:g}"


def for_one_hour(rule: dict[str, Any]) -> None:
    rule["for"] = "1h"


def swap_severity(rule: dict[str, Any]) -> None:
    rule["labels"]["severity"] = {"warning": "critical", "critical": "warning"}[rule["labels"]["severity"]]


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    "seed-001 metric names": seed_001_names,
    "threshold x100": threshold_x100,
    "for: 1h": for_one_hour,
    "severity swapped": swap_severity,
}


def mutated_rules(mutation: Callable[[dict[str, Any]], None], directory: Path) -> Path:
    document = yaml.safe_load(RULES.read_text())
    for group in document["groups"]:
        for rule in group["rules"]:
            mutation(rule)
    path = directory / "alerts.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def first_failure(scenario_path: Path, rules: Path) -> str:
    scenario = load_scenario(scenario_path).model_copy(update={"rules": [rules]})
    for result in run_scenario(scenario, RunOptions(stack="processes")):
        for phase in result.phases:
            for verdict in phase.verdicts:
                if not verdict.passed:
                    return f"CAUGHT {phase.phase}: {verdict.kind} {verdict.alert or ''}: {verdict.reason}"[:150]
    return "not caught (all expectations held)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    for name, mutation in MUTATIONS.items():
        with tempfile.TemporaryDirectory() as directory:
            rules = mutated_rules(mutation, Path(directory))
            with ThreadPoolExecutor(max_workers=args.parallel) as pool:
                outcomes = list(pool.map(lambda path, rules=rules: first_failure(path, rules), SUITE))
        print(f"== {name}")
        for path, outcome in zip(SUITE, outcomes, strict=True):
            print(f"   {path.stem:<16} {outcome}")


if __name__ == "__main__":
    main()
