"""``smells/unreachable``: thresholds the compared value can never cross (a ratio above 1, a percentage above 100,
a ``histogram_quantile`` above the largest finite bucket bound)."""

from __future__ import annotations

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.contract import Contract
from harness.lint.model import Finding, Query, Rule
from harness.promql.expr import format_number, top_level_comparison, unparen
from harness.promql.walk import find_token, selections

ID = "smells/unreachable"
_PERCENT_SUFFIXES = ("_percent", "_percentage", "_pct")


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """Thresholds the compared value can never cross.

    >>> from harness.lint.model import TextSpan
    >>> text = "db_pool_utilization_percent > 120"
    >>> rule = Rule("r.yml", "g", 1, "alert", "A", 3, text, TextSpan.at(4), 15.0)
    >>> [f.message for f in run(rule, Query("r.yml", "alert A", text, TextSpan.at(4), pp.parse(text), rule),
    ...                         LintContext())]
    ['alert A: a percentage never exceeds 100: > 120 can never be true']
    """
    cmp = top_level_comparison(query.node) if query is not None else None
    if query is None or rule.kind != "alert" or cmp is None or cmp.op not in (">", ">="):
        return []
    value = unparen(pp.parse(cmp.value_expr))
    thr = cmp.threshold

    def never(limit: float) -> bool:
        return thr >= limit if cmp.op == ">" else thr > limit

    offset = find_token(query.text, format_number(thr)) if format_number(thr) in query.text else 0
    if _is_percent(value) and never(100):
        return [
            query.finding(
                ID,
                "error",
                f"a percentage never exceeds 100: {cmp.op} {format_number(thr)} can never be true",
                "compare with a threshold in 0..100",
                offset,
            )
        ]
    if _is_ratio(value, rule) and never(1):
        return [
            query.finding(
                ID,
                "error",
                f"a ratio never exceeds 1: {cmp.op} {format_number(thr)} can never be true",
                f"write the threshold as a fraction ({format_number(thr / 100)} for {format_number(thr)}%)",
                offset,
            )
        ]
    ceiling = _quantile_ceiling(value, ctx.contract)
    if ceiling is not None and never(ceiling[1]):
        bound = format_number(ceiling[1])
        return [
            query.finding(
                ID,
                "error",
                f"histogram_quantile() never returns more than the largest finite bucket bound of {ceiling[0]} "
                f"({bound}): {cmp.op} {format_number(thr)} can never be true",
                f"compare >= {bound} (at or past the last bucket), or add a bucket above {format_number(thr)}",
                offset,
            )
        ]
    return []


def _is_percent(value: pp.Expr) -> bool:
    found = selections(value)
    if len(found) == 1 and found[0].name and found[0].name.endswith(_PERCENT_SUFFIXES):
        return not isinstance(value, pp.BinaryExpr)
    if isinstance(value, pp.BinaryExpr) and str(value.op) == "*":
        sides = (unparen(value.lhs), unparen(value.rhs))
        hundred = [s for s in sides if isinstance(s, pp.NumberLiteral) and s.val == 100]
        other = [s for s in sides if s not in hundred]
        return bool(hundred) and len(other) == 1 and _is_subset_ratio(other[0])
    return False


def _is_ratio(value: pp.Expr, rule: Rule) -> bool:
    found = selections(value)
    if len(found) == 1 and found[0].name and found[0].name.endswith("_ratio"):
        return not isinstance(value, pp.BinaryExpr)
    if _is_subset_ratio(value):
        return True
    percent_words = any("humanizePercentage" in text for text in rule.annotations.values())
    return percent_words and isinstance(value, pp.BinaryExpr) and str(value.op) == "/"


def _is_subset_ratio(value: pp.Expr) -> bool:
    """``f(x{filter}) / f(x)``: a part of a metric divided by the whole of it."""
    value = unparen(value)
    if not isinstance(value, pp.BinaryExpr) or str(value.op) != "/":
        return False
    lhs, rhs = selections(value.lhs), selections(value.rhs)
    if len(lhs) != 1 or len(rhs) != 1 or lhs[0].name is None or lhs[0].name != rhs[0].name:
        return False
    return {(m.name, m.value) for m in rhs[0].matchers} < {(m.name, m.value) for m in lhs[0].matchers}


def _quantile_ceiling(value: pp.Expr, contract: Contract | None) -> tuple[str, float] | None:
    if contract is None or not isinstance(value, pp.Call) or value.func.name != "histogram_quantile":
        return None
    buckets = contract.all.expo.buckets
    bounds = [(s.name, max(buckets[s.name])) for s in selections(value) if s.name in buckets and buckets[s.name]]
    return max(bounds, key=lambda b: b[1]) if bounds else None


CHECK = Check(ID, "a threshold a ratio, a percentage or a histogram's last bucket can never reach", on_rule=run)
