"""One chart per alert of a drill lane: what the rule saw and what Prometheus and Alertmanager did about it.

The upper panel is the rule's value expression sampled over the drill, with the threshold line, the phases
shaded and named, and a dashed line where each phase's faults were applied. The lower panel has one row each
for the alert's pending and firing bands, the notifications (one marker each, coloured by receiver, named
beside the first of each), and one row per ``within`` budget of the alert's expectations: the window from the
phase's fault start to the end of the budget, with the measured time marked.

The x axis is production time (wall seconds x k), as in the scenario file; the top axis gives wall seconds,
and every marked element carries its times, production and wall, as a tooltip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from harness.drill.result import ScenarioResult
from harness.drill.timeline import PhaseWindow, Timeline, describe_fault
from harness.promql.duration import human_duration
from harness.promql.expr import format_number
from harness.report.svg import chart_style, figure_svg

PHASE_SHADES = ("#eef2f7", "#f8f9fb")
VALUE, THRESHOLD, FAULT = "#1f4e79", "#c0392b", "#b35806"
STATES = {"pending": "#f0ad4e", "firing": "#d9534f"}
RECEIVERS = ("#6a3d9a", "#1b9e77", "#e7298a", "#66a61e", "#386cb0", "#a6761d", "#666666")
_NICE_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


@dataclass(frozen=True)
class AlertChart:
    """One alert's chart: inline SVG and a caption (plain text)."""

    alert: str
    svg: str
    caption: str


def duration_axis(axis: Any, span_s: float, ticks: int = 8) -> None:
    """Ticks at round durations (1m, 2m, 5m, ...) labelled like ``2m30s``, about ``ticks`` of them.

    >>> fig = Figure(); ax = fig.add_subplot(); duration_axis(ax.xaxis, 1200)
    >>> ax.xaxis.get_major_formatter()(300, 0)
    '5m'
    """
    step = next((s for s in _NICE_STEPS_S if span_s / s <= ticks), _NICE_STEPS_S[-1])
    axis.set_major_locator(MultipleLocator(step))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: human_duration(value)))


def charted_alerts(result: ScenarioResult) -> list[str]:
    """The alerts to chart, once each: those the expectations name, then those that left inactive, then the
    drill's other rules (a silent alert's chart shows how far it stayed from its threshold)."""
    named = [v.alert for p in result.phases for v in p.verdicts if v.alert]
    moved = [tr.alert for tr in result.timeline.transitions]
    rules = [r.alert for r in result.timeline.rules_info]
    return list(dict.fromkeys([*named, *moved, *rules]))


def alert_charts(result: ScenarioResult, scope: str) -> list[AlertChart]:
    """A chart for every alert of the drill lane; ``scope`` makes the SVG ids unique on the page."""
    return [alert_chart(result, alert, f"{scope}-{index}") for index, alert in enumerate(charted_alerts(result))]


def lane_faults(window: PhaseWindow, lane: str) -> list[dict[str, Any]]:
    """The phase's faults that reached this lane (a fault with ``lanes: [a]`` reaches lane a only).

    >>> w = PhaseWindow(name="p", start=0, end=1, faults=[{"kind": "error", "lanes": ["a"]}, {"kind": "down"}])
    >>> [f["kind"] for f in lane_faults(w, "b")]
    ['down']
    """
    found = []
    for fault in window.faults:
        scope = fault.get("lanes")
        if scope is None or lane in ([scope] if isinstance(scope, str) else scope):
            found.append({key: value for key, value in fault.items() if key != "lanes"})
    return found


def state_bands(timeline: Timeline, alert: str) -> list[tuple[float, float, str]]:
    """(start, end, pending|firing) in wall seconds: when the alert's most severe series was in that state.

    >>> from harness.drill.timeline import AlertTransition
    >>> tl = Timeline(scenario="s", k=30, phases=[PhaseWindow(name="p", start=0, end=10)],
    ...               transitions=[AlertTransition(alert="A", state="pending", t=2),
    ...                            AlertTransition(alert="A", state="firing", t=4)])
    >>> state_bands(tl, "A")
    [(2.0, 4.0, 'pending'), (4.0, 10.0, 'firing')]
    """
    changes = sorted({tr.t for tr in timeline.transitions_for(alert)})
    end = max([timeline.end, *changes], default=0.0)
    bands: list[tuple[float, float, str]] = []
    for index, start in enumerate(changes):
        stop = changes[index + 1] if index + 1 < len(changes) else end
        state = timeline.state_at(alert, start)
        if state == "inactive" or stop <= start:
            continue
        if bands and bands[-1][2] == state and bands[-1][1] == start:
            bands[-1] = (bands[-1][0], stop, state)
        else:
            bands.append((float(start), float(stop), state))
    return bands


class _Times:
    """Wall seconds as production time for labels: ``2m30s (wall 5s)``."""

    def __init__(self, k: float) -> None:
        self.k = k

    def prod(self, wall_s: float) -> float:
        return wall_s * self.k

    def both(self, wall_s: float) -> str:
        return f"{human_duration(wall_s * self.k)} (wall {wall_s:.1f}s)"

    def span(self, start: float, end: float) -> str:
        return f"{human_duration(start * self.k)} .. {human_duration(end * self.k)} (wall {start:.1f}s .. {end:.1f}s)"


def alert_chart(result: ScenarioResult, alert: str, scope: str) -> AlertChart:
    """The chart of one alert (see the module's docstring)."""
    with chart_style():
        return _alert_chart(result, alert, scope)


def _alert_chart(result: ScenarioResult, alert: str, scope: str) -> AlertChart:
    timeline = result.timeline
    times = _Times(timeline.k)
    budgets = [(phase.phase, v) for phase in result.phases for v in phase.verdicts
               if v.alert == alert and v.budget_s is not None]  # fmt: skip
    rows = ["alert state", "notifications", *(_budget_label(v) for _, v in budgets)]
    figure = Figure(figsize=(10, 2.6 + 0.22 * len(rows)), layout="constrained")
    upper, lower = figure.subplots(2, 1, sharex=True, height_ratios=[3.2, 0.35 * len(rows)])
    titles: dict[str, str] = {}
    end = max(timeline.end, 1e-9)
    for ax in (upper, lower):
        titles |= _phases(ax, timeline, result.lane, times, label=ax is upper)
    titles |= _value(upper, timeline, alert, times)
    y = {name: len(rows) - 1 - index for index, name in enumerate(rows)}
    titles |= _states(lower, timeline, alert, y["alert state"], times)
    titles |= _notifications(lower, timeline, alert, y["notifications"], times)
    for index, (phase, verdict) in enumerate(budgets):
        window = timeline.phase(phase)
        if window is not None:
            titles |= _budget(lower, window, verdict, len(rows) - 3 - index, index, times)
    lower.set_yticks(range(len(rows)), list(reversed(rows)))
    lower.set_ylim(-0.6, len(rows) - 0.4)
    lower.tick_params(axis="y", length=0)
    lower.set_xlim(0, times.prod(end))
    duration_axis(lower.xaxis, times.prod(end))
    lower.set_xlabel(f"production time since the drill started (x{timeline.k:g} compressed)")
    top = upper.secondary_xaxis("top", functions=(lambda x: x / timeline.k, lambda x: x * timeline.k))
    top.set_xlabel("wall seconds", fontsize=7)
    top.tick_params(labelsize=7)
    upper.set_title(alert, loc="left", fontweight="bold")
    return AlertChart(
        alert=alert,
        svg=figure_svg(figure, scope, titles, f"{alert} over the drill"),
        caption=_caption(result, alert, times),
    )


def _budget_label(verdict: Any) -> str:
    """``fires ≤ 9m``, ``notified team-x ≤ 9m30s``; a budget not met as expected says so (FAIL, XFAIL, ...)."""
    name = {"notification": "notified", "fires": "fires", "resolves": "resolves"}.get(verdict.kind, verdict.kind)
    if verdict.kind == "notification" and verdict.receiver and verdict.outcome == "pass":
        name += f" {verdict.receiver}"
    mark = "" if verdict.outcome == "pass" else f" ({(verdict.outcome or 'fail').upper()})"
    return f"{name} ≤ {human_duration(verdict.budget_s)}{mark}"


def _phases(ax: Axes, timeline: Timeline, lane: str, times: _Times, label: bool) -> dict[str, str]:
    titles = {}
    for index, window in enumerate(timeline.phases):
        gid = f"phase-{index}" if label else f"phase-{index}-lower"
        ax.axvspan(times.prod(window.start), times.prod(window.end), color=PHASE_SHADES[index % 2], zorder=0,
                   gid=gid, lw=0)  # fmt: skip
        faults = lane_faults(window, lane)
        titles[gid] = f"phase {window.name}: {times.span(window.start, window.end)}" + (
            f"; faults: {', '.join(describe_fault(f) for f in faults)}" if faults else "; no faults"
        )
        if not label:
            continue
        ax.text(times.prod(window.start), 0.98, f" {window.name}", transform=ax.get_xaxis_transform(),
                va="top", ha="left", fontsize=7.5, color="#44546a", clip_on=True)  # fmt: skip
        if faults and window.faults_applied_at is not None:
            x = times.prod(window.faults_applied_at)
            what = ", ".join(describe_fault(f) for f in faults)
            ax.axvline(x, color=FAULT, ls="--", lw=1.1, gid=f"fault-{index}", zorder=2)
            titles[f"fault-{index}"] = f"faults applied at {times.both(window.faults_applied_at)}: {what}"
            ax.text(x, 0.86, f" {what[:70]}", transform=ax.get_xaxis_transform(), ha="left", va="top",
                    fontsize=7, color=FAULT, clip_on=True, zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})  # fmt: skip
    return titles


def _value(ax: Axes, timeline: Timeline, alert: str, times: _Times) -> dict[str, str]:
    rule = timeline.rule(alert)
    samples = sorted((s for s in timeline.expr_samples if s.alert == alert), key=lambda s: s.t)
    values = [s.value for s in samples if s.value is not None]
    titles = {}
    if values:
        xs = [times.prod(s.t) for s in samples]
        ys = [math.nan if s.value is None else s.value for s in samples]
        ax.plot(xs, ys, color=VALUE, lw=1.4, marker=".", ms=2.5, gid="value", label="value", zorder=4)
        peak = max(samples, key=lambda s: s.value if s.value is not None else -math.inf)
        titles["value"] = f"{len(samples)} samples; peak {peak.value:.4g} at {times.both(peak.t)}"
    else:
        ax.text(0.5, 0.5, "no samples of the rule's expression (metric missing?)", transform=ax.transAxes,
                ha="center", va="center", color="#888888", gid="no-samples")  # fmt: skip
    if rule is not None and rule.threshold is not None and rule.op is not None:
        ax.axhline(rule.threshold, color=THRESHOLD, ls="--", lw=1.2, gid="threshold",
                   label=f"threshold {rule.op} {format_number(rule.threshold)}", zorder=3)  # fmt: skip
        titles["threshold"] = f"alert when value {rule.op} {format_number(rule.threshold)}"
    _value_range(ax, values + ([] if rule is None or rule.threshold is None else [rule.threshold]))
    if values or (rule is not None and rule.threshold is not None):
        ax.legend(loc="upper right", fontsize=7, framealpha=0.85)
    ax.set_ylabel("rule value")
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    ax.tick_params(axis="x", labelbottom=False)
    return titles


def _value_range(ax: Axes, values: list[float]) -> None:
    """The values and the threshold in view, from 0 unless something is negative (a flat 0 line would otherwise
    be centred on a made-up range that leaves the threshold out)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return
    low, high = min(0.0, *finite), max(finite)
    pad = (high - low) * 0.12 or max(abs(high), 1.0) * 0.12
    ax.set_ylim(low - pad if low < 0 else 0.0, high + pad if high > low else low + 1.0)


def _states(ax: Axes, timeline: Timeline, alert: str, row: int, times: _Times) -> dict[str, str]:
    titles = {}
    for index, (start, stop, state) in enumerate(state_bands(timeline, alert)):
        gid = f"{state}-{index}"
        ax.broken_barh([(times.prod(start), times.prod(stop - start))], (row - 0.35, 0.7), color=STATES[state],
                       gid=gid, zorder=3)  # fmt: skip
        titles[gid] = f"{state} {times.span(start, stop)}"
        if stop - start > 0.07 * timeline.end:  # named inside the band when it is wide enough to hold the word
            ax.text(times.prod((start + stop) / 2), row, state, ha="center", va="center", fontsize=7, color="white")
    return titles


def _notifications(ax: Axes, timeline: Timeline, alert: str, row: int, times: _Times) -> dict[str, str]:
    titles: dict[str, str] = {}
    colours: dict[str, str] = {}
    for index, n in enumerate(sorted((n for n in timeline.notifications if alert in n.alertnames),
                                     key=lambda n: n.t)):  # fmt: skip
        first = n.receiver not in colours
        colour = colours.setdefault(n.receiver, RECEIVERS[len(colours) % len(RECEIVERS)])
        gid = f"notification-{index}"
        ax.plot([times.prod(n.t)], [row], marker="^" if n.status == "firing" else "v", ms=7, color=colour,
                ls="none", gid=gid, zorder=4)  # fmt: skip
        titles[gid] = f"{n.status} notification to {n.receiver} at {times.both(n.t)}"
        if first:
            ax.annotate(n.receiver, (times.prod(n.t), row), xytext=(6, 0), textcoords="offset points",
                        va="center", fontsize=7, color=colour)  # fmt: skip
    return titles


def _budget(ax: Axes, window: PhaseWindow, verdict: Any, row: int, index: int, times: _Times) -> dict[str, str]:
    start = times.prod(window.t0)
    held = verdict.outcome in ("pass", "xfail")
    colour = "#5cb85c" if verdict.outcome == "pass" else "#d9534f" if verdict.outcome in ("fail", "xpass") \
        else "#999999"  # fmt: skip
    gid = f"budget-{index}"
    ax.broken_barh([(start, verdict.budget_s)], (row - 0.3, 0.6), facecolor=colour, alpha=0.35, edgecolor=colour,
                   gid=gid, zorder=2)  # fmt: skip
    title = (f"{verdict.kind}{' to ' + verdict.receiver if verdict.receiver else ''} within "
             f"{human_duration(verdict.budget_s)} of {times.both(window.t0)} (phase {window.name}): "
             f"{(verdict.outcome or '').upper()}, {verdict.reason}")  # fmt: skip
    titles = {gid: title}
    if verdict.measured_s is not None:
        ax.plot([start + verdict.measured_s], [row], marker="D", ms=5, color=colour if held else "#a94442",
                ls="none", gid=f"measured-{index}", zorder=4)  # fmt: skip
        titles[f"measured-{index}"] = f"measured {human_duration(verdict.measured_s)} after {times.both(window.t0)}"
    return titles


def _caption(result: ScenarioResult, alert: str, times: _Times) -> str:
    timeline = result.timeline
    rule = timeline.rule(alert)
    if rule is None:
        what = f"{alert}: no rule information (the rule's value was not sampled)."
    else:
        condition = "" if rule.op is None or rule.threshold is None else f", alert when {rule.op} " \
            f"{format_number(rule.threshold)}"  # fmt: skip
        held = f", for: {human_duration(rule.for_s_prod)}" if rule.for_s_prod else ""
        what = f"{alert}: value of {rule.value_expr or rule.expr}{condition}{held}."
    return (f"{what} Production time on the x axis (x{timeline.k:g}), wall seconds on the top axis; the drill "
            f"ran {times.span(0, timeline.end)}. Hover a band, marker or budget for its times.")  # fmt: skip
