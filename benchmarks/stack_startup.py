"""Time-to-ready per provider and component (median of 5). Targets: <= 3 s processes, <= 6 s containers.

Run: .venv/bin/python benchmarks/stack_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from harness.errors import StackError
from harness.stack import Component, Stack, StackSpec
from harness.stack.launch import START_ORDER, Launch


class _TimedStack(Stack):
    """A Stack that notes when each component became ready."""

    def __init__(self, spec: StackSpec) -> None:
        super().__init__(spec)
        self.started = time.perf_counter()
        self.ready_at: dict[str, float] = {}

    def _wait_ready(self, component: Component, launch: Launch) -> None:
        super()._wait_ready(component, launch)
        self.ready_at[component.value] = time.perf_counter() - self.started


def measure(provider: str, runs: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {}
    for _ in range(runs):
        stack = _TimedStack(StackSpec(provider=provider, quiet=True))  # type: ignore[arg-type]
        with stack:
            total = time.perf_counter() - stack.started
        previous = 0.0
        for component in START_ORDER:
            if component.value in stack.ready_at:
                figures.setdefault(component.value, []).append(stack.ready_at[component.value] - previous)
                previous = stack.ready_at[component.value]
        figures.setdefault("total", []).append(total)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for provider, target in (("processes", 3.0), ("containers", 6.0)):
        if provider == "containers":
            os.environ.setdefault("FIREDRILL_NETWORK", "host")
            os.environ.setdefault("FIREDRILL_PULL", "never")
            for name in ("PROMETHEUS", "ALERTMANAGER", "JAEGER"):
                os.environ.setdefault(f"FIREDRILL_IMAGE_{name}", f"firedrill/{name.lower()}:offline")
        try:
            figures = measure(provider, args.runs)
        except StackError as exc:
            print(f"{provider:<11} unavailable: {exc}")
            continue
        parts = ", ".join(f"{name} {statistics.median(v):.2f}s" for name, v in figures.items() if name != "total")
        total = statistics.median(figures["total"])
        verdict = "meets" if total <= target else "misses"
        print(f"{provider:<11} ready in {total:.2f}s median of {args.runs} ({parts}); {verdict} target {target:.0f}s")


if __name__ == "__main__":
    main()
