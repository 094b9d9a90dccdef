"""A stand-in for ``run_scenario`` in unit tests: real judging of an empty timeline, no programs started.

Every phase "ran" for its scheduled wall time; nothing fired, so ``silent`` holds and ``fires`` fails, as they
would on a healthy service. :class:`Recorder` counts the drills running at once.
"""

from __future__ import annotations

import threading
import time

from harness import interrupt
from harness.drill.judge import judge
from harness.drill.model import Scenario
from harness.drill.result import ScenarioResult
from harness.drill.run import RunOptions, lane_names
from harness.drill.timeline import PhaseWindow, Timeline


def quiet_results(scenario: Scenario) -> list[ScenarioResult]:
    """One judged result per lane, from a timeline where nothing happened."""
    windows, t = [], 0.0
    for phase in scenario.phases:
        end = t + phase.duration / scenario.compress
        windows.append(PhaseWindow(name=phase.name, start=t, end=end))
        t = end
    results = []
    for lane in lane_names(scenario.target.lanes):
        timeline = Timeline(scenario=scenario.name, lane=lane, k=scenario.compress, phases=windows)
        results.append(ScenarioResult(name=scenario.name, lane=lane, timeline=timeline,
                                      phases=judge(scenario, timeline)))  # fmt: skip
    return results


class Recorder:
    """A fake run_scenario taking ``seconds`` (interruptibly); records who ran, in what order, how many at once."""

    def __init__(self, seconds: float = 0.05, fail: set[str] | None = None) -> None:
        self.seconds = seconds
        self.fail = fail or set()
        self.started: list[str] = []
        self.options: list[RunOptions] = []
        self.most_at_once = 0
        self._now = 0
        self._lock = threading.Lock()

    def __call__(self, scenario: Scenario, options: RunOptions) -> list[ScenarioResult]:
        with self._lock:
            self.started.append(scenario.name)
            self.options.append(options)
            self._now += 1
            self.most_at_once = max(self.most_at_once, self._now)
        try:
            if scenario.name in self.fail:
                raise RuntimeError(f"{scenario.name} broke")
            deadline = time.monotonic() + self.seconds
            while time.monotonic() < deadline:
                interrupt.sleep(0.01, f"the fake drill {scenario.name}")
            return quiet_results(scenario)
        finally:
            with self._lock:
                self._now -= 1
