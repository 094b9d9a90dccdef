"""What a run produced: per scenario lane, its timeline and verdicts, or the environment error that stopped it.

The input to every report writer. ``verdict`` is ``pass``, ``fail`` or ``error``: a drill whose own stack broke
(a component died, a poll failed) has no verdicts at all, only the error naming the component.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from harness.drill.compress import CompressionNote
from harness.drill.expectations import PhaseVerdicts
from harness.drill.timeline import Timeline

VerdictName = Literal["pass", "fail", "error"]


class DrillError(BaseModel):
    """Why a drill gave no verdict: the component that failed and what happened to it."""

    component: str
    message: str


class ScenarioResult(BaseModel):
    """One lane of one scenario: the timeline it observed and the verdicts judged from it (or its error)."""

    name: str
    lane: str = "0"
    timeline: Timeline
    phases: list[PhaseVerdicts]
    notes: list[CompressionNote] = []
    error: DrillError | None = None
    # Each component's version as the running program reported it ({"prometheus": "3.16.0", ...}).
    versions: dict[str, str] = {}

    @property
    def passed(self) -> bool:
        """True when the drill ran to the end and every phase passed."""
        return self.error is None and all(p.passed for p in self.phases)

    @property
    def verdict(self) -> VerdictName:
        """pass, fail, or error (the environment broke: nothing was judged)."""
        return "error" if self.error is not None else "pass" if self.passed else "fail"


class RunResult(BaseModel):
    """A whole ``firedrill run``; ``repeats`` holds earlier runs of the same drills for flake analysis.

    >>> RunResult(compress=30, started_at=datetime(2024, 1, 1), scenarios=[]).verdict
    'pass'
    """

    compress: float
    started_at: datetime
    scenarios: list[ScenarioResult]
    repeats: list[list[ScenarioResult]] = []

    @property
    def passed(self) -> bool:
        """True when every scenario passed."""
        return all(s.passed for s in self.scenarios)

    @property
    def versions(self) -> dict[str, str]:
        """Every component's version over the run's drills; several versions of one component joined by ", ".

        >>> lane = dict(timeline={"scenario": "s", "lane": "a", "k": 30}, phases=[])
        >>> RunResult(compress=30, started_at=datetime(2024, 1, 1), scenarios=[
        ...     ScenarioResult(name="a", versions={"prometheus": "3.16.0"}, **lane),
        ...     ScenarioResult(name="b", versions={"prometheus": "2.42.0+ds"}, **lane)]).versions
        {'prometheus': '2.42.0+ds, 3.16.0'}
        """
        seen: dict[str, set[str]] = {}
        for run in [*self.repeats, self.scenarios]:
            for scenario in run:
                for component, version in scenario.versions.items():
                    seen.setdefault(component, set()).add(version)
        return {component: ", ".join(sorted(found)) for component, found in seen.items()}

    @property
    def verdict(self) -> VerdictName:
        """error when any drill had an environment error, else fail when any failed, else pass."""
        runs = [*self.repeats, self.scenarios]
        if any(s.error is not None for run in runs for s in run):
            return "error"
        return "pass" if all(s.passed for run in runs for s in run) else "fail"

    @property
    def exit_code(self) -> int:
        """0 pass, 1 fail, 2 error."""
        return {"pass": 0, "fail": 1, "error": 2}[self.verdict]
