"""Compression noise: a ratio over a window compressed k times holds k times fewer events at the same load.

A rule like ``errors / requests over [5m] > 0.05`` measures a proportion. With N events in its window and a
true error fraction p, the ratio's standard error is sqrt(p(1-p)/N). Production's 5m window holds k times the
events of the drill's compressed one, so the drill's ratio is sqrt(k) times noisier: a fault close to the
threshold can cross it, fall back (the alert goes pending, then inactive) and flap where production would not.
From the load the drill observed, this estimates N per rule window during each faulty phase; when the gap
between the fault's fraction and the threshold is within ``Z`` standard errors, it warns and names the largest
safe factor, or the load the chosen factor would need.

Example:
    >>> rule = RatioRule("CioHighErrorRate", ">", 0.05, "sum(rate(total[10s]))", 10.0)
    >>> note = noise_note(rule, k=60, fraction=0.08, events_per_s=16.0, phase="burst")
    >>> note is not None and "largest safe factor is x" in note.message
    True
    >>> noise_note(rule, k=30, fraction=0.30, events_per_s=16.0, phase="burst") is None
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import promql_parser as pp

from harness.drill.compress import AlertRuleInfo, CompressionNote
from harness.drill.model import Phase
from harness.promql.duration import human_duration, td_seconds
from harness.promql.expr import PromQLPrinter
from harness.promql.walk import descendants
from harness.stack.clients import PrometheusClient, QueryRejected
from harness.stub.fault_targets import exposes, fed_families
from harness.stub.faults import AnyFault, hit_fraction
from harness.stub.profile import Profile

# How many standard errors the fault's fraction must stand from the threshold for the ratio not to flap.
Z = 3.0
# The same in a phase that expects no alert to fire: silence breaks on any one evaluation over the threshold, and a
# rule's window spans a dozen or more of them, so the chance of one crossing at 3 is about ten times a single
# window's (0.13%), about 1% a phase: seed 002's below-threshold broke so at 3.4. At 4 it is about 0.05%.
Z_SILENT = 4.0


@dataclass(frozen=True)
class RatioRule:
    """An alert whose value is a ratio of per-second rates, and the window those rates look over (wall time)."""

    alert: str
    op: str
    threshold: float
    denominator: str
    window_wall_s: float
    value_expr: str = ""

    @cached_property
    def numerator_metrics(self) -> frozenset[str] | None:
        """The metric names the ratio's numerator reads (what a fault must feed to move it); None when the value
        expression is not one promql-parser reads as ``A / B``."""
        node = _division(self.value_expr)
        if node is None:
            return None
        return frozenset(n.name for n in descendants(node.lhs) if isinstance(n, pp.VectorSelector) and n.name)


def _division(expr: str) -> pp.BinaryExpr | None:
    """``expr`` as ``A / B`` (outer parentheses aside), or None: another shape, or one promql-parser cannot read."""
    try:
        node = pp.parse(expr)
    except Exception:  # a value expression promql-parser cannot read is simply not checked here
        return None
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node if isinstance(node, pp.BinaryExpr) and str(node.op) == "/" else None


def _range_s(node: pp.Expr) -> float | None:
    """The range of the first range selector inside ``node`` (seconds)."""
    ranges = [td_seconds(n.range) for n in descendants(node) if isinstance(n, pp.MatrixSelector)]
    return next((r for r in ranges if r), None)


def ratio_rules(rules: list[AlertRuleInfo]) -> list[RatioRule]:
    """The rules whose value is ``A / B`` over a range (a proportion of events), with a threshold below 1."""
    found = []
    for rule in rules:
        if not rule.value_expr or rule.threshold is None or rule.op is None or not 0 < rule.threshold < 1:
            continue
        node = _division(rule.value_expr)
        if node is None:
            continue
        window = _range_s(node.rhs)
        if window:
            denominator = PromQLPrinter().print(node.rhs)
            found.append(RatioRule(rule.alert, rule.op, rule.threshold, denominator, window, rule.value_expr))
    return found


def noise_note(
    rule: RatioRule, k: float, fraction: float, events_per_s: float, phase: str, z: float = Z
) -> CompressionNote | None:
    """A warning when ``fraction`` is within ``z`` standard errors of the threshold at factor ``k``; else None."""
    if events_per_s <= 0 or not 0 < fraction < 1:
        return None
    gap = abs(fraction - rule.threshold)
    variance = fraction * (1 - fraction)
    events = events_per_s * rule.window_wall_s
    if gap >= z * math.sqrt(variance / events):
        return None
    if gap == 0:  # no factor and no load decides a ratio that sits on its threshold
        message = (
            f"{rule.alert} in {phase}: a fault of {fraction:.1%} is exactly its {rule.threshold:g} threshold, so the "
            "ratio crosses it back and forth at any factor and load; move the fault away"
        )
        return CompressionNote(rule=rule.alert, severity="warning", message=message)
    window_prod = rule.window_wall_s * k
    safe_k = events_per_s * window_prod * gap**2 / (z**2 * variance)
    needed = k * z**2 * variance / (gap**2 * window_prod)
    side = "above" if fraction > rule.threshold else "below"
    advice = (
        f"the largest safe factor is x{max(1, math.floor(safe_k)):g}"
        if safe_k >= 1
        else "no factor is safe at this load (production's own window flaps)"
    )
    message = (
        f"{rule.alert} in {phase}: at x{k:g} its {human_duration(rule.window_wall_s)} window (production "
        f"{human_duration(window_prod)}) holds about {events:.0f} events ({events_per_s:.1f}/s); a fault of "
        f"{fraction:.1%}, {side} the {rule.threshold:g} threshold by {gap:.1%}, is only "
        f"{gap / math.sqrt(variance / events):.1f} standard errors away (it needs {z:g}), so the ratio may cross "
        f"back and the alert flap where production's would not; {advice}, or at x{k:g} a load of {needed:.0f} "
        "events/s"
    )
    return CompressionNote(rule=rule.alert, severity="warning", message=message)


def measure_event_rates(
    prometheus: PrometheusClient, rules: list[AlertRuleInfo], phase: Phase
) -> list[tuple[Phase, RatioRule, float]]:
    """Each ratio rule's denominator (events/s) as the load drove it, read at the end of a faulty phase."""
    if not any(hit_fraction([fault]) is not None for fault in phase.faults):
        return []
    measured = []
    for rule in ratio_rules(rules):
        try:
            rates = {_key(s.labels): s.value for s in prometheus.query(rule.denominator) if s.value >= 0}
            values = {_key(s.labels): s.value for s in prometheus.query(rule.value_expr)} if rule.value_expr else {}
        except QueryRejected:
            continue
        if not rates:
            continue
        # The series the fault drives has the highest ratio; without a match, the quietest (noisiest) series.
        driven = max((key for key in values if key in rates), key=lambda key: values[key], default=None)
        measured.append((phase, rule, rates[driven] if driven is not None else min(rates.values())))
    return measured


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def noise_notes(
    measured: list[tuple[Phase, RatioRule, float]], k: float, profile: Profile | None = None
) -> list[CompressionNote]:
    """The warnings for what :func:`measure_event_rates` found."""
    notes = []
    for phase, rule, rate in measured:
        z = _standard_errors_needed(phase, rule.alert)
        if z is None:
            continue
        fraction = rule_fraction(rule, list(phase.faults), profile)
        note = noise_note(rule, k, fraction, rate, phase.name, z) if fraction is not None else None
        if note is not None:
            notes.append(note)
    return notes


def rule_fraction(rule: RatioRule, faults: list[AnyFault], profile: Profile | None) -> float | None:
    """The fraction the phase's faults give this rule's ratio: with the stub's profile, that of the faults that
    feed a family the ratio's numerator reads (a phase may fail 2% of conversations and 5% of one tool's calls: the
    tool rule sees 5%; errors among a tenant's requests do not move its share of throttled ones); without one (a
    URL target), the faults' common fraction. None when no fault's fraction reaches it.

    Example:
        >>> from harness.stub.faults import parse_fault
        >>> from harness.stub.profile import load_profile
        >>> faults = [parse_fault({"kind": "error", "operation": "handle_message", "rate": 0.02}),
        ...           parse_fault({"kind": "error", "event": "tool_call", "rate": 0.05})]
        >>> tools = RatioRule("FteToolCallFailures", ">", 0.1, "sum(rate(fte_agent_tool_calls_total[10s]))", 10.0,
        ...                   'sum(rate(fte_agent_tool_calls_total{status="error"}[10s])) / '
        ...                   'sum(rate(fte_agent_tool_calls_total[10s]))')
        >>> fte = load_profile("fixtures/cs-fte/profile.yaml")
        >>> rule_fraction(tools, faults, fte), rule_fraction(tools, faults, None)
        (0.05, None)
    """
    samples = rule.numerator_metrics
    if profile is None or samples is None:
        return hit_fraction(faults)
    feeding = [fault for fault in faults if any(exposes(family, sample) for family in fed_families(fault, profile)
                                                for sample in samples)]  # fmt: skip
    return hit_fraction(feeding)


def _standard_errors_needed(phase: Phase, alert: str) -> float | None:
    """How far the phase's fault must keep this alert's ratio from its threshold: ``Z`` for an alert the phase
    expects to fire (or be notified), ``Z_SILENT`` for one it keeps silent (by name, or every alert in a phase that
    expects none to fire). None when no verdict rests on it: a fault on one route says nothing of another
    family's ratio, whose noise would only be a false warning.

    >>> from harness.drill.model import load_scenario
    >>> burst = load_scenario("scenarios/customerio/error-burst.yaml").phase("burst")
    >>> [_standard_errors_needed(burst, name) for name in ("CioHighErrorRate", "CioHighBounceRate", "Unnamed")]
    [3.0, 4.0, None]
    """
    firing = _expected_to_fire(phase)
    if alert in firing:
        return Z
    if not firing or alert in _kept_silent(phase):
        return Z_SILENT
    return None


def _expected_to_fire(phase: Phase) -> set[str]:
    """The alerts the phase expects to fire or be notified."""
    return {name for e in phase.expect for name in (getattr(e, "fires", None), getattr(e, "notification", None))
            if isinstance(name, str)}  # fmt: skip


def _kept_silent(phase: Phase) -> set[str]:
    """The alerts the phase names as silent."""
    return {name for e in phase.expect if isinstance(names := getattr(e, "silent", None), list) for name in names}
