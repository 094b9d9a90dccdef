"""Flakes: expectations whose verdict differed between repeated runs, and the spread of times to fire."""

from __future__ import annotations

import statistics
from collections import defaultdict

from pydantic import BaseModel

from harness.drill.result import ScenarioResult


class Flake(BaseModel):
    """One expectation that passed in some runs and failed in others."""

    scenario: str
    phase: str
    kind: str
    alert: str | None
    outcomes: list[bool]
    reasons: list[str]


class Spread(BaseModel):
    """Production-equivalent time to fire of one alert across runs."""

    scenario: str
    alert: str
    runs: int
    min_s: float
    median_s: float
    max_s: float


class FlakeReport(BaseModel):
    """Flakes and spreads over a set of repeated runs."""

    runs: int
    flakes: list[Flake]
    spreads: list[Spread]


def compare_runs(runs: list[list[ScenarioResult]]) -> FlakeReport:
    """Compare repeated runs (each a list of scenario results) expectation by expectation.

    Expectations are matched by (scenario, lane, phase, position in the phase).

    >>> compare_runs([]).flakes
    []
    """
    verdicts: dict[tuple[str, str, str, int], list[tuple[str, str | None, bool, str]]] = defaultdict(list)
    fire_times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for run in runs:
        for result in run:
            for phase in result.phases:
                for i, v in enumerate(phase.verdicts):
                    verdicts[(result.name, result.lane, phase.phase, i)].append((v.kind, v.alert, v.passed, v.reason))
                    if v.kind == "fires" and v.alert and v.measured_s is not None:
                        fire_times[(result.name, v.alert)].append(v.measured_s)
    flakes = [
        Flake(
            scenario=scenario,
            phase=phase,
            kind=seen[0][0],
            alert=seen[0][1],
            outcomes=[s[2] for s in seen],
            reasons=[s[3] for s in seen],
        )
        for (scenario, _lane, phase, _i), seen in verdicts.items()
        if len({s[2] for s in seen}) > 1
    ]
    spreads = [
        Spread(
            scenario=scenario,
            alert=alert,
            runs=len(times),
            min_s=min(times),
            median_s=statistics.median(times),
            max_s=max(times),
        )
        for (scenario, alert), times in sorted(fire_times.items())
    ]
    return FlakeReport(runs=len(runs), flakes=flakes, spreads=spreads)
