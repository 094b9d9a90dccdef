"""``smells/self-ratio``: ``rate(x{status="error"}) / rate(x)`` without aggregation: vector matching pairs each
error series with itself, so the ratio is 1 whenever any error happens."""

from __future__ import annotations

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query
from harness.promql.expr import PromQLPrinter, unparen
from harness.promql.walk import descendants, find_token, is_scalar, selections

ID = "smells/self-ratio"


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """``a{l="v"} / a`` (same metric, one side filtered, label kept on both sides): the ratio is always 1.

    >>> from harness.lint.model import TextSpan
    >>> text = 'rate(x{status="error"}[5m]) / rate(x[5m]) > 0.05'
    >>> [f.check for f in run(Query("f", "alert A", text, TextSpan.at(1), pp.parse(text)), LintContext())]
    ['smells/self-ratio']
    """
    findings = []
    for node in descendants(query.node):
        if not isinstance(node, pp.BinaryExpr) or str(node.op) != "/" or is_scalar(node.lhs) or is_scalar(node.rhs):
            continue
        if node.modifier is not None and (
            node.modifier.matching is not None
            or node.modifier.card is not None
            and node.modifier.card != pp.VectorMatchCardinality.OneToOne
        ):
            continue
        lhs, rhs = selections(node.lhs), selections(node.rhs)
        if len(lhs) != 1 or len(rhs) != 1 or lhs[0].name is None or lhs[0].name != rhs[0].name:
            continue
        rhs_matchers = {(m.name, str(m.op), m.value) for m in rhs[0].matchers}
        rhs_equal = {m.name for m in rhs[0].matchers if m.op == pp.MatchOp.Equal}
        for m in lhs[0].matchers:
            if m.op != pp.MatchOp.Equal or not m.value or (m.name, str(m.op), m.value) in rhs_matchers:
                continue
            if m.name in rhs_equal:
                continue  # a different value on the right: the sides never match (promql/vector-matching)
            if not (_keeps(node.lhs, m.name) and _keeps(node.rhs, m.name)):
                continue
            printer = PromQLPrinter()
            fix = (
                f"sum without ({m.name}) ({printer.print(unparen(node.lhs))}) / "
                f"sum without ({m.name}) ({printer.print(unparen(node.rhs))})"
            )
            findings.append(
                query.finding(
                    ID,
                    "error",
                    f'{lhs[0].name}{{{m.name}="{m.value}"}} is divided by {lhs[0].name} without aggregating {m.name} '
                    f'away: each {m.name}="{m.value}" series is matched with itself, so the ratio is 1 whenever '
                    f'there is any {m.name}="{m.value}" (and empty otherwise)',
                    f"aggregate {m.name} away on both sides: {fix}",
                    find_token(query.text, lhs[0].name),
                )
            )
            break
    return findings


def _keeps(node: pp.Expr, label: str) -> bool:
    """Whether every result series of ``node`` keeps ``label`` from its selector (conservative: False if unsure)."""
    node = unparen(node)
    if isinstance(node, pp.VectorSelector | pp.MatrixSelector):
        return True
    if isinstance(node, pp.UnaryExpr | pp.SubqueryExpr):
        return _keeps(node.expr, label)
    if isinstance(node, pp.Call):
        vector_args = [a for a in node.args if not is_scalar(a)]
        if not vector_args or (node.func.name.startswith("histogram_") and label == "le"):
            return False
        return _keeps(vector_args[0], label)
    if isinstance(node, pp.AggregateExpr):
        if str(node.op) in ("topk", "bottomk", "limitk", "limit_ratio"):
            return _keeps(node.expr, label)
        if node.modifier is None:
            return False
        listed = label in node.modifier.labels
        by = node.modifier.type == pp.AggModifierType.By
        return (listed if by else not listed) and _keeps(node.expr, label)
    return False


CHECK = Check(ID, 'x{status="error"} / x without aggregating: each series divided by itself', on_query=run)
