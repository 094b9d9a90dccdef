"""What a run produced: per scenario lane, its timeline and verdicts. The input to every report writer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from harness.drill.compress import CompressionNote
from harness.drill.expect import PhaseVerdicts
from harness.drill.timeline import Timeline


class ScenarioResult(BaseModel):
    """One lane of one scenario: the timeline it observed and the verdicts judged from it."""

    name: str
    lane: str = "0"
    timeline: Timeline
    phases: list[PhaseVerdicts]
    notes: list[CompressionNote] = []

    @property
    def passed(self) -> bool:
        """True when every phase passed."""
        return all(p.passed for p in self.phases)


class RunResult(BaseModel):
    """A whole ``firedrill run``; ``repeats`` holds earlier runs of the same drills for flake analysis.

    >>> RunResult(compress=30, started_at=datetime(2024, 1, 1), scenarios=[]).passed
    True
    """

    compress: float
    started_at: datetime
    scenarios: list[ScenarioResult]
    repeats: list[list[ScenarioResult]] = []

    @property
    def passed(self) -> bool:
        """True when every scenario passed."""
        return all(s.passed for s in self.scenarios)
