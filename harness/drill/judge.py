"""Judging: one verdict per expectation, from the scenario and a timeline only (no programs run).

Budgets in the scenario are production time; the timeline is wall-clock. A budget ``within: 7m`` at k=30 means
14 s of wall time after the phase's reference time t0 (its faults applied). Measured times are reported as
production-equivalent seconds (wall * k) next to the wall value. Each kind judges itself
(:mod:`harness.drill.expectations`); this module walks the phases and applies ``xfail``.
"""

from __future__ import annotations

from harness.drill.expectations import JudgeContext, PhaseVerdicts, Verdict, judge_one
from harness.drill.model import Scenario
from harness.drill.timeline import Timeline


def judge(scenario: Scenario, timeline: Timeline, tolerance_s: float = 0.0) -> list[PhaseVerdicts]:
    """Judge every expectation of every phase against the timeline.

    ``tolerance_s`` (wall seconds) is added to budgets to absorb the observer's polling interval.

    >>> [pv.passed for pv in judge(scenario, timeline)]  # doctest: +SKIP
    [True, True, False]
    """
    ctx = JudgeContext(timeline, tolerance_s)
    out = []
    for phase in scenario.phases:
        window = timeline.phase(phase.name)
        verdicts = []
        for exp in phase.expect:
            if window is None:
                verdicts.append(Verdict(kind=exp.kind, alert=exp.alert, passed=False, reason="the phase did not run"))
                continue
            verdicts.append(judge_one(exp, ctx, window))
        out.append(PhaseVerdicts(phase=phase.name, verdicts=verdicts))
    return out
