"""``alerts/comparison``: an alert expression with no condition. Every series it returns is an alert, so it fires
whenever the series exist, whatever their value. ``absent()`` is a condition (it returns only when missing)."""

from __future__ import annotations

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule
from harness.promql.expr import unparen
from harness.promql.walk import is_scalar

ID = "alerts/comparison"
COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})


def has_condition(node: pp.Expr) -> bool:
    """Whether ``node`` can return nothing when healthy: a filtering comparison reaches its result.

    >>> has_condition(pp.parse("sum(rate(x[5m])) > 1")), has_condition(pp.parse("rate(x[5m]) > bool 1"))
    (True, False)
    >>> has_condition(pp.parse("absent(up)")), has_condition(pp.parse("max_over_time((x > 1)[5m:])"))
    (True, True)
    """
    node = unparen(node)
    if isinstance(node, pp.BinaryExpr):
        op = str(node.op)
        if op in COMPARISONS:
            returns_bool = node.modifier is not None and node.modifier.return_bool
            return not returns_bool or has_condition(node.lhs) or has_condition(node.rhs)
        if op == "or":
            return has_condition(node.lhs) and has_condition(node.rhs)
        if op == "unless":
            return has_condition(node.lhs)
        # and, arithmetic: a pair exists only where both sides have a series.
        sides = [s for s in (node.lhs, node.rhs) if not is_scalar(s)]
        return any(has_condition(s) for s in sides)
    if isinstance(node, pp.Call):
        if node.func.name in ("absent", "absent_over_time"):
            return True
        return any(has_condition(a) for a in node.args if not is_scalar(a))
    if isinstance(node, pp.AggregateExpr | pp.SubqueryExpr | pp.UnaryExpr):
        return has_condition(node.expr)
    return False


def has_bool(node: pp.Expr) -> bool:
    """Whether a ``bool`` comparison is in ``node``."""
    node = unparen(node)
    if isinstance(node, pp.BinaryExpr) and node.modifier is not None and node.modifier.return_bool:
        return True
    children = {
        pp.BinaryExpr: lambda n: [n.lhs, n.rhs],
        pp.Call: lambda n: list(n.args),
        pp.AggregateExpr: lambda n: [n.expr],
        pp.SubqueryExpr: lambda n: [n.expr],
        pp.UnaryExpr: lambda n: [n.expr],
    }
    for kind, get in children.items():
        if isinstance(node, kind):
            return any(has_bool(c) for c in get(node))
    return False


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """An alerting rule whose expression has no filtering comparison (and no ``bool`` one: see alerts/bool)."""
    if query is None or rule.kind != "alert" or has_condition(query.node) or has_bool(query.node):
        return []
    return [
        query.finding(
            ID,
            "error",
            "the expression has no comparison: every series it returns is an alert, so it fires whenever the "
            "series exist, whatever their value",
            "add the condition (e.g. ... > 0), or absent(...) for a missing series",
        )
    ]


CHECK = Check(ID, "an alert expression with no comparison: it fires whenever the series exist", on_rule=run)
