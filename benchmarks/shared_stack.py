"""What a shared stack saves: a fresh start per drill vs reconfiguring one running stack (median of 5).

Run: .venv/bin/python benchmarks/shared_stack.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from harness.errors import StackError
from harness.stack import PrometheusSettings, Stack, StackSpec
from harness.stack.shared import SharedStack

RULES = "groups:\n  - name: bench\n    rules:\n      - alert: Never\n        expr: vector(1) > 2\n"
SETTINGS = PrometheusSettings(scrape_interval_s=0.5, evaluation_interval_s=0.5, resend_delay_s=0.5)


def _spec(provider: str, rules: Path) -> StackSpec:
    return StackSpec(provider=provider, rule_files=[rules], prometheus=SETTINGS, quiet=True)  # type: ignore[arg-type]


def measure(provider: str, runs: int, rules: Path) -> tuple[list[float], list[float]]:
    fresh, reused = [], []
    for _ in range(runs):
        started = time.perf_counter()
        with Stack(_spec(provider, rules)):
            fresh.append(time.perf_counter() - started)
    shared = SharedStack()
    try:
        shared.acquire(_spec(provider, rules))
        for _ in range(runs):
            started = time.perf_counter()
            shared.acquire(_spec(provider, rules))
            reused.append(time.perf_counter() - started)
    finally:
        shared.close()
    return fresh, reused


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("FIREDRILL_NETWORK", "host")
    os.environ.setdefault("FIREDRILL_PULL", "never")
    for name in ("PROMETHEUS", "ALERTMANAGER", "JAEGER"):
        os.environ.setdefault(f"FIREDRILL_IMAGE_{name}", f"firedrill/{name.lower()}:offline")
    with tempfile.TemporaryDirectory() as work:
        rules = Path(work) / "rules.yml"
        rules.write_text(RULES)
        for provider in ("processes", "containers"):
            try:
                fresh, reused = measure(provider, args.runs, rules)
            except StackError as exc:
                print(f"{provider:<11} unavailable: {exc}")
                continue
            start, reset = statistics.median(fresh), statistics.median(reused)
            print(
                f"{provider:<11} fresh start + teardown {start:5.2f} s   reconfigure {reset:5.2f} s   "
                f"saved per drill {start - reset:5.2f} s"
            )


if __name__ == "__main__":
    main()
