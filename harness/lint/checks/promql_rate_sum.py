"""``promql/rate-sum``: ``rate()`` over a subquery of ``sum()`` (or over a recorded sum of counters). The sum drops
whenever one of its series resets or disappears, and rate() reads each drop as a counter reset: spikes."""

from __future__ import annotations

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.checks.promql_rate import COUNTER_ONLY
from harness.lint.model import Finding, Query
from harness.promql.expr import PromQLPrinter, unparen
from harness.promql.walk import descendants, find_token, selections

ID = "promql/rate-sum"
_SUMS = frozenset({"sum", "avg", "min", "max", "count"})


def _summed(node: pp.Expr) -> pp.AggregateExpr | None:
    """The aggregation ``node`` is (through parentheses), when it aggregates series that are not rates already."""
    node = unparen(node)
    if not isinstance(node, pp.AggregateExpr) or str(node.op) not in _SUMS:
        return None
    inner = [s for s in selections(node.expr)]
    return node if inner and all(s.range_s is None and not s.in_subquery for s in inner) else None


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """``rate(sum(x)[5m:])`` and ``rate(recorded[5m])`` where the recording rule sums raw series.

    >>> from harness.lint.model import TextSpan
    >>> text = "rate(sum(x_total)[5m:1m]) > 1"
    >>> [f.check for f in run(Query("f", "alert A", text, TextSpan.at(1), pp.parse(text)), LintContext())]
    ['promql/rate-sum']
    """
    findings = []
    printer = PromQLPrinter()
    for node in descendants(query.node):
        if not isinstance(node, pp.Call) or node.func.name not in COUNTER_ONLY or not node.args:
            continue
        arg = unparen(node.args[0])
        agg = _summed(arg.expr) if isinstance(arg, pp.SubqueryExpr) else None
        source = f"a subquery of {agg.op}()" if agg is not None else None
        if isinstance(arg, pp.MatrixSelector) and arg.vector_selector.name in ctx.recording_rules:
            rule = ctx.recording_rules[arg.vector_selector.name]
            recorded = _summed(pp.parse(rule.expr)) if rule.expr else None
            if recorded is not None:
                agg, source = recorded, f"{rule.name}, which records {recorded.op}() ({rule.file}:{rule.line})"
        if agg is None or source is None:
            continue
        inner = printer.print(agg.expr)
        findings.append(
            query.finding(
                ID,
                "error",
                f"{node.func.name}() over {source}: the {agg.op} drops whenever one of its series resets or "
                f"disappears, and {node.func.name}() reads each drop as a counter reset",
                f"take the rate first, then aggregate: {agg.op}({node.func.name}({inner}[5m]))",
                find_token(query.text, node.func.name),
            )
        )
    return findings


CHECK = Check(ID, "rate() over a subquery of sum() (or a recorded sum): every reset becomes a spike", on_query=run)
