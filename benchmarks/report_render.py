"""What report.html costs at the end of a run: render time and size for a suite-sized run (median of 3).

A suite of 7 drill lanes with 6 alert rules each (42 charts), at x30 (85 samples per alert) and at full length
(k=1, a 42-minute drill: 168 samples per alert). No programs run: the results are made by hand.

Run: .venv/bin/python benchmarks/report_render.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from harness.drill.result import RunResult, ScenarioResult
from harness.drill.timeline import ExprSample
from harness.report.html import render_html

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the unit tests' hand-made drill result
from tests.unit.report_support import scenario  # noqa: E402

LANES, ALERTS = 7, 6


def suite(samples_per_alert: int) -> RunResult:
    lanes: list[ScenarioResult] = []
    for lane in range(LANES):
        result = scenario(lane % 2 == 0, lane=chr(ord("a") + lane))
        base = result.timeline.rules_info[1]
        extra = [base.model_copy(update={"alert": f"Quiet{i}"}) for i in range(ALERTS - 2)]
        result.timeline.rules_info = [*result.timeline.rules_info, *extra]
        step = result.timeline.end / samples_per_alert
        result.timeline.expr_samples = [
            ExprSample(alert=rule.alert, t=i * step, value=0.01 * (i % 7)) for rule in result.timeline.rules_info
            for i in range(samples_per_alert)
        ]  # fmt: skip
        lanes.append(result)
    return RunResult(compress=30, started_at=datetime(2024, 5, 1), scenarios=lanes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    render_html(suite(10))  # imports and font cache warmed
    for label, samples in (("x30", 85), ("k=1", 168)):
        results = suite(samples)
        times, size = [], 0
        for _ in range(args.runs):
            started = time.perf_counter()
            size = len(render_html(results).encode())
            times.append(time.perf_counter() - started)
        charts = LANES * ALERTS
        median = statistics.median(times)
        print(f"{label}: {charts} charts rendered in {median:.2f}s ({median / charts * 1000:.0f} ms each), "
              f"report.html {size / 1e6:.1f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
