"""Why an expectation failed, as plain text for CI logs: the phases and faults, the alert's state changes,
the rule's value at the moments that matter, and the notifications that arrived, on one time axis.

Times are production-equivalent (wall seconds x k) since the drill started, as in the scenario file.
"""

from __future__ import annotations

from harness.drill.expectations import Verdict
from harness.drill.result import ScenarioResult
from harness.drill.timeline import PhaseWindow, Timeline, describe_fault
from harness.promql.duration import human_duration
from harness.promql.expr import format_number

_MAX_TRANSITIONS = 12
_STRIP_WIDTH = 60
_MAX_NOTIFICATIONS = 8


def explain(result: ScenarioResult, phase: str, verdict: Verdict) -> str:
    """A multi-line account of one verdict against its drill's timeline.

    Example:
        >>> print(explain(result, "burst", result.phases[1].verdicts[0]))   # doctest: +SKIP
        fires CioHighErrorRate: stayed pending ... (FAIL)
          phases (production time since start):
            baseline    0s .. 2m     no faults
          > burst       2m .. 12m    error(operation=track, rate=0.08)
          ...
    """
    timeline = result.timeline
    mark = (verdict.outcome or ("pass" if verdict.passed else "fail")).upper()
    lines = [f"{verdict.kind} {verdict.alert or ''}".rstrip() + f": {verdict.reason} ({mark})"]
    lines += _phases(timeline, phase)
    lines += _strip(timeline, verdict.alert)
    if verdict.alert:
        lines += _transitions(timeline, verdict.alert)
        window = timeline.phase(phase)
        if window is not None:
            lines += _values(timeline, verdict, window)
    lines += _notifications(timeline, verdict.alert)
    return "\n".join(lines)


def _at(timeline: Timeline, wall_s: float) -> str:
    return human_duration(max(0.0, wall_s) * timeline.k)


def _phases(timeline: Timeline, current: str) -> list[str]:
    lines = ["  phases (production time since start):"]
    width = max((len(w.name) for w in timeline.phases), default=0)
    for window in timeline.phases:
        pointer = ">" if window.name == current else " "
        span = f"{_at(timeline, window.start)} .. {_at(timeline, window.end)}"
        faults = ", ".join(describe_fault(f) for f in window.faults) or "no faults"
        applied = (
            f" (applied at {_at(timeline, window.faults_applied_at)})"
            if window.faults and window.faults_applied_at is not None
            else ""
        )
        lines.append(f"  {pointer} {window.name:<{width}}  {span:<18} {faults}{applied}")
    return lines


def _strip(timeline: Timeline, alert: str | None, width: int = _STRIP_WIDTH) -> list[str]:
    """Phases, faults, the alert's state and its notifications as aligned rows of characters, one column per
    equal slice of the drill, so what happened when can be read at a glance in a CI log."""
    end = timeline.end
    if end <= 0:
        return []
    cell = end / width

    def column(wall_s: float) -> int:
        return min(width - 1, max(0, int(wall_s / cell)))

    phases = [" "] * width
    for window in timeline.phases:
        first, last = column(window.start), column(window.end)
        phases[first] = "|"
        for offset, char in enumerate(window.name[: max(0, last - first - 1)]):
            phases[first + 1 + offset] = char
    middles = [(i + 0.5) * cell for i in range(width)]
    faults = ["~" if _faulted(timeline, t) else "." for t in middles]
    rows = [
        f"  timeline (production time, one column = {human_duration(cell * timeline.k)}):",
        f"    phases  {''.join(phases)}".rstrip(),
        f"    faults  {''.join(faults)}   (~ faults applied)",
    ]
    if alert:
        states = {"inactive": ".", "pending": "p", "firing": "F"}
        rows.append(
            f"    alert   {''.join(states[timeline.state_at(alert, t)] for t in middles)}   (p pending, F firing)"
        )
        sent = ["."] * width
        for n in timeline.notifications:
            if alert in n.alertnames:
                sent[column(n.t)] = "^" if n.status == "firing" else "v"
        rows.append(f"    notify  {''.join(sent)}   (^ firing, v resolved)")
    end_label = _at(timeline, end)
    rows.append(f"            0s{end_label:>{width - 2}}")
    return rows


def _faulted(timeline: Timeline, wall_s: float) -> bool:
    for window in timeline.phases:
        if window.start <= wall_s < window.end and window.faults:
            applied = window.faults_applied_at if window.faults_applied_at is not None else window.start
            return wall_s >= applied
    return False


def _transitions(timeline: Timeline, alert: str) -> list[str]:
    found = timeline.transitions_for(alert)
    if not found:
        return [f"  {alert}: never left inactive"]
    lines = [f"  {alert} state changes:"]
    for tr in found[:_MAX_TRANSITIONS]:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(tr.labels.items()) if k not in ("alertname",))
        value = "" if tr.value is None else f"  value {_value(tr.value)}"
        lines.append(f"    {_at(timeline, tr.t):>8}  {tr.state:<8} {{{labels}}}{value}")
    if len(found) > _MAX_TRANSITIONS:
        lines.append(f"    ... {len(found) - _MAX_TRANSITIONS} more")
    return lines


def _values(timeline: Timeline, verdict: Verdict, window: PhaseWindow) -> list[str]:
    """The rule's value at the phase's start, at the budget, at its end, and its peak within the phase."""
    assert verdict.alert is not None
    rule = timeline.rule(verdict.alert)
    samples = [s for s in timeline.expr_samples if s.alert == verdict.alert and s.value is not None]
    if rule is None or not samples:
        return []
    threshold = "" if rule.op is None or rule.threshold is None else f", alert when {rule.op} "
    threshold += "" if rule.threshold is None else format_number(rule.threshold)
    lines = [f"  value of {rule.value_expr or rule.expr}{threshold}:"]
    moments = [("phase start", window.t0)]
    if verdict.budget_s is not None:
        moments.append(("budget ends", window.t0 + verdict.budget_s / timeline.k))
    moments.append(("phase end", window.end))
    for label, wall in moments:
        nearest = min(samples, key=lambda s: abs(s.t - wall))
        if abs(nearest.t - wall) <= max(2.0, (window.end - window.start) / 4):
            lines.append(f"    {label:<12} {_at(timeline, wall):>8}  {_value(nearest.value)}")
    inside = [s for s in samples if window.t0 <= s.t <= window.end and s.value is not None]
    if inside:
        peak = max(inside, key=lambda s: s.value or 0.0)
        lines.append(f"    {'phase peak':<12} {_at(timeline, peak.t):>8}  {_value(peak.value)}")
    return lines


def _value(value: float | None) -> str:
    return "no data" if value is None else f"{value:.4g}"


def _notifications(timeline: Timeline, alert: str | None) -> list[str]:
    relevant = [n for n in timeline.notifications if alert is None or alert in n.alertnames]
    if not relevant:
        return [f"  notifications{' for ' + alert if alert else ''}: none received"]
    lines = ["  notifications received:"]
    for n in sorted(relevant, key=lambda n: n.t)[:_MAX_NOTIFICATIONS]:
        lines.append(f"    {_at(timeline, n.t):>8}  {n.status:<8} -> {n.receiver}  {', '.join(n.alertnames)}")
    if len(relevant) > _MAX_NOTIFICATIONS:
        lines.append(f"    ... {len(relevant) - _MAX_NOTIFICATIONS} more")
    return lines
