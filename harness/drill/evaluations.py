"""When each alert state really began: the rule evaluation that found it, from Prometheus's own ``ALERTS`` samples.

The observer polls ``/api/v1/alerts`` and stamps a transition with the time its poll returned. On a machine busy
with other drills a poll can return a second late, and a time to fire measured by it grows with the harness's
load, not the user's rules. Prometheus writes an ``ALERTS`` sample at every evaluation, stamped with the
evaluation's time, so after the drill each pending and firing transition moves back to the first evaluation of
the unbroken run of samples that its poll saw. Resolutions keep their poll time: Prometheus writes no sample for
an inactive alert.

Example:
    >>> from harness.drill.timeline import AlertTransition
    >>> polled = [AlertTransition(alert="A", state="pending", t=10.9),
    ...           AlertTransition(alert="A", state="firing", t=13.2)]
    >>> samples = {("A", frozenset(), "pending"): [10.0, 10.5, 11.0, 11.5, 12.0, 12.5],
    ...            ("A", frozenset(), "firing"): [13.0]}
    >>> [t.t for t in at_evaluations(polled, samples, evaluation_interval_s=0.5)]
    [10.0, 13.0]
"""

from __future__ import annotations

import bisect
import itertools
import time
from collections.abc import Sequence

from harness.drill.timeline import AlertTransition
from harness.stack.clients import PrometheusClient

# (alert, its labels without alertstate, state) -> the drill times of its ALERTS samples, ascending.
SampleKey = tuple[str, frozenset[tuple[str, str]], str]
# Samples further apart than this many evaluation intervals belong to two runs of the state, not one.
RUN_GAP_INTERVALS = 1.5


def transitions_at_evaluations(
    transitions: Sequence[AlertTransition],
    prometheus: PrometheusClient,
    origin_wall: float,
    evaluation_interval_s: float,
) -> list[AlertTransition]:
    """The observer's transitions, each pending or firing one at the evaluation that began it. Reading ``ALERTS``
    is a query like any other: if Prometheus fails it, the StackError is the drill's environment error."""
    if not transitions:
        return []
    samples = alert_samples(prometheus, origin_wall, time.time())
    return at_evaluations(transitions, samples, evaluation_interval_s)


def alert_samples(prometheus: PrometheusClient, origin_wall: float, end_wall: float) -> dict[SampleKey, list[float]]:
    """Every ``ALERTS`` sample Prometheus wrote between ``origin_wall`` and ``end_wall``, in drill seconds."""
    out: dict[SampleKey, list[float]] = {}
    for labels, points in prometheus.stored_samples("ALERTS", end_wall - origin_wall, at=end_wall):
        own = {k: v for k, v in labels.items() if k not in ("__name__", "alertstate")}
        key = (labels.get("alertname", ""), frozenset(own.items()), labels.get("alertstate", ""))
        out.setdefault(key, []).extend(t - origin_wall for t, _ in points)
    for times in out.values():
        times.sort()
    return out


def at_evaluations(
    transitions: Sequence[AlertTransition], samples: dict[SampleKey, list[float]], evaluation_interval_s: float
) -> list[AlertTransition]:
    """``transitions`` with each pending or firing one moved to the evaluation that began its state, never before
    the same series' previous transition; one without samples keeps its poll time."""
    out: list[AlertTransition] = []
    previous: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    gaps: dict[SampleKey, float] = {}
    for transition in transitions:
        series = (transition.alert, frozenset(transition.labels.items()))
        t = transition.t
        key = (*series, transition.state)
        if transition.state != "inactive" and key in samples:
            if key not in gaps:
                gaps[key] = _run_gap(samples[key], evaluation_interval_s)
            began = _run_start(samples[key], t, gaps[key])
            if began is not None:
                t = max(began, previous.get(series, 0.0))
        previous[series] = t
        out.append(transition if t == transition.t else transition.model_copy(update={"t": t}))
    return out


def _run_gap(times: list[float], evaluation_interval_s: float) -> float:
    """How far apart two samples of one run of a state may be. A rule group may set its own, longer interval: the
    series' own closest spacing counts when it is the longer one."""
    spacing = min((b - a for a, b in itertools.pairwise(times) if b > a), default=evaluation_interval_s)
    return RUN_GAP_INTERVALS * max(evaluation_interval_s, spacing)


def _run_start(times: list[float], seen_at: float, gap: float) -> float | None:
    """The first sample of the unbroken run that holds the last sample at or before ``seen_at``."""
    index = bisect.bisect_right(times, seen_at) - 1
    if index < 0:
        return None
    while index > 0 and times[index] - times[index - 1] <= gap:
        index -= 1
    return times[index]
