"""``drill/window-fill``: a ratio alert that the phase's fault rate crosses only once enough of the rule's rate
window holds the faulty traffic, too late for the budget (or never).

In steady state, with healthy traffic before the fault, a ratio of rates over a window ``w`` reaches the fault's
rate ``r`` only when the window is full of faulty traffic; it crosses threshold ``T`` once ``T/r`` of the window
holds it. Then come ``for``, one scrape and one evaluation. 8% errors against 5% over 5m: 5/8 of 5m (3m7.5s) +
for: 5m + 15s + 15s = 8m37.5s. A short baseline makes a drill look faster (the window is nearly empty before the
fault), which production never is: this is a warning, with the arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import promql_parser as pp

from harness.lint.checks.base import Check
from harness.lint.model import Finding, Rule
from harness.lint.scenario import DrillContext
from harness.promql.duration import human_duration
from harness.promql.expr import format_number, top_level_comparison, unparen
from harness.promql.walk import selections
from harness.stub.faults import hit_fraction as fault_rate

ID = "drill/window-fill"


def ratio_window(drill: DrillContext, rule: Rule) -> tuple[float, float, str] | None:
    """(threshold, window seconds, operator) when ``rule`` is ``a / b > T`` with a rate window in ``a``."""
    query = drill.query(rule)
    cmp = top_level_comparison(query.node) if query is not None else None
    if cmp is None or cmp.op not in (">", ">=") or cmp.threshold <= 0:
        return None
    value = unparen(pp.parse(cmp.value_expr))
    if not isinstance(value, pp.BinaryExpr) or str(value.op) != "/":
        return None
    windows = [s.range_s for s in selections(value.lhs) if s.range_s is not None]
    return (cmp.threshold, max(windows), cmp.op) if windows else None


def _fraction(part: float, whole: float) -> str:
    ratio = Fraction(str(part)) / Fraction(str(whole))
    return f"{ratio.numerator}/{ratio.denominator}" if ratio.denominator <= 100 else format_number(float(ratio))


def run(drill: DrillContext) -> list[Finding]:
    """Budgets shorter than window fill + for + scrape + evaluation, in steady state."""
    findings = []
    scrape = drill.ctx.scrape_s
    for at, exp in drill.firing_expectations():
        rate = fault_rate(at.phase.faults)
        rules = [(r, w) for r in drill.rules_for(str(exp.alert), exp.labels) if (w := ratio_window(drill, r))]
        if rate is None or not rules or any(r.for_s + r.evaluation_s > exp.within for r, _ in rules):
            continue  # no ratio to fill, or drill/for-budget already says the budget is too short
        pct = f"{format_number(rate * 100)}%"
        rule, (threshold, window_s, op) = rules[0]
        if rate < threshold or (rate == threshold and op == ">"):
            findings.append(
                drill.finding(
                    (*at.loc, "within"),
                    ID,
                    "warning",
                    f"{exp.kind}: {exp.alert}: the fault's rate ({pct}) never makes {rule.name}'s ratio "
                    f"{op} {format_number(threshold)}: it cannot fire",
                    f"raise the fault's rate above {format_number(threshold)}, or expect silent: [{rule.name}]",
                )
            )
            continue
        fill = window_s * threshold / rate
        total = fill + rule.for_s + scrape + rule.evaluation_s
        if total <= exp.within:
            continue
        findings.append(
            drill.finding(
                (*at.loc, "within"),
                ID,
                "warning",
                f"{exp.kind}: {exp.alert} within {human_duration(exp.within)} is too short in steady state: "
                f"{pct} against {op} {format_number(threshold)} crosses it once {_fraction(threshold, rate)} of the "
                f"{human_duration(window_s)} window holds the faulty traffic ({human_duration(fill)}), then "
                f"for: {human_duration(rule.for_s)}, one scrape ({human_duration(scrape)}) and one evaluation "
                f"({human_duration(rule.evaluation_s)}): {human_duration(total)}",
                f"give within: {human_duration(total)} or more",
            )
        )
    return findings


CHECK = Check(ID, "a ratio alert that the fault's rate crosses only after its rate window fills, past the budget",
              on_drill=run)  # fmt: skip
