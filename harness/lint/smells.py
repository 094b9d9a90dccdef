"""Semantic smells: expressions that parse and select real series but cannot mean what their text says.

- ``smells/rate-units``: ``rate(x[w]) > N`` whose annotations read the value as a percentage, a per-hour
  figure or a count over a period; ``rate`` is per second.
- ``smells/self-ratio``: ``rate(x{status="error"}) / rate(x)`` without aggregation: vector matching pairs each
  error series with itself, so the ratio is 1 whenever any error happens.
- ``smells/unreachable``: thresholds the value can never cross (a ratio above 1, a percentage above 100, a
  ``histogram_quantile`` above the largest finite bucket bound).

The drills confirm these live (an alert that fires at 2% errors, one that never fires); lint finds them first.
"""

from __future__ import annotations

import re

import promql_parser as pp

from harness.lint.exposition import Exposition
from harness.lint.model import Finding, Query, Rule
from harness.lint.walk import PER_SECOND_FUNCS, descendants, find_token, is_scalar, selections
from harness.promql.duration import format_duration
from harness.promql.expr import PromQLPrinter, format_number, top_level_comparison, unparen

_PEELABLE_AGGS = frozenset({"sum", "max", "min", "avg"})
_PER_SECOND = re.compile(r"per[ -]second|/\s?s\b|/sec\b|\bper sec\b|\ba second\b|\bpersecond\b")
_PERCENT = re.compile(r"%|\bpercent|\bratio\b")
_PER_MINUTE = re.compile(r"per[ -]minute|/\s?min\b|\ba minute\b")
_PER_HOUR = re.compile(r"per[ -]hour|/\s?hour\b|/\s?hr\b|/h\b|\ban hour\b|\bhourly\b")
_WINDOW = re.compile(
    r"(?:in|over|during|within)\s+(?:the\s+)?last\s+(\d+)\s*(hours?|days?|minutes?|h|d|m)\b|per[ -]day|/\s?day\b"
    r"|\bdaily\b"
)
_UNIT_S = {
    "m": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_PERCENT_SUFFIXES = ("_percent", "_percentage", "_pct")
_ACTION = re.compile(r"\{\{.*?\}\}", re.S)


def check_rate_units(rule: Rule, query: Query, expo: Exposition | None = None) -> list[Finding]:
    """A bare per-second ``rate`` compared with a number the annotations describe in other units.

    >>> from harness.lint.model import TextSpan
    >>> rule = Rule("r.yml", "g", 1, "alert", "A", 3, "rate(e_total[5m]) > 0.05", TextSpan.at(4), 15.0,
    ...             annotations={"summary": "error rate above 5%"})
    >>> [f.check for f in check_rate_units(rule, Query("r.yml", "alert A", rule.expr, TextSpan.at(4),
    ...                                                      pp.parse(rule.expr), rule))]
    ['smells/rate-units']
    """
    cmp = top_level_comparison(query.node)
    if rule.kind != "alert" or cmp is None or cmp.op not in (">", ">=", "<", "<="):
        return []
    rate = _bare_rate(pp.parse(cmp.value_expr))
    if rate is None:
        return []
    func, metric, window_s = rate
    raw = " ".join(rule.annotations.values())
    text = _ACTION.sub(" ", raw).lower()
    if _PER_SECOND.search(text):
        return []
    thr, w = format_number(cmp.threshold), format_duration(window_s)
    offset = find_token(query.text, func)
    said = f"{func}({metric}[{w}]) is a per-second rate"
    if "humanizePercentage" in raw or _PERCENT.search(text):
        return [
            query.finding(
                "smells/rate-units",
                "warning",
                f"{said}, but the annotations read it as a "
                f"percentage: {cmp.op} {thr} compares {thr} {metric} per second, not "
                f"{format_number(cmp.threshold * 100)}%",
                f"divide by the total: sum(rate({metric}[{w}])) / sum(rate({_total(metric, expo)}[{w}])) "
                f"{cmp.op} {thr}",
                offset,
            )
        ]
    for pattern, per, seconds in ((_PER_HOUR, "hour", 3600), (_PER_MINUTE, "minute", 60)):
        if pattern.search(text):
            return [
                query.finding(
                    "smells/rate-units",
                    "warning",
                    f"{said}, but the annotations speak per {per}: "
                    f"{cmp.op} {thr} means {format_number(cmp.threshold * seconds)} per {per}",
                    f"compare increase({metric}[1{per[0]}]) {cmp.op} {thr} (or {func}(...) * {seconds})",
                    offset,
                )
            ]
    window = _WINDOW.search(text)
    if window:
        span_s = _UNIT_S.get(window.group(2) or "", 86400) * int(window.group(1) or 1)
        period = format_duration(span_s)
        return [
            query.finding(
                "smells/rate-units",
                "warning",
                f"{said}, but the annotations count events in a "
                f"period ({window.group(0)!r}): {cmp.op} {thr} means "
                f"{format_number(cmp.threshold * span_s)} in {period}",
                f"compare increase({metric}[{period}]) {cmp.op} {thr}",
                offset,
            )
        ]
    return []


def _total(metric: str, expo: Exposition | None) -> str:
    """The metric that counts everything ``metric`` counts the failures of (``http_errors_total`` ->
    ``http_requests_total``) when the exposition has it."""
    tokens = metric.split("_")
    guess = "_".join("requests" if t in ("errors", "failures", "failed") else t for t in tokens)
    return guess if expo is not None and guess != metric and guess in expo.series else "<all requests>"


def _bare_rate(node: pp.Expr) -> tuple[str, str, float] | None:
    """(function, metric, window) when ``node`` is ``rate(metric[w])``, optionally summed/maxed."""
    node = unparen(node)
    while isinstance(node, pp.AggregateExpr) and str(node.op) in _PEELABLE_AGGS:
        node = unparen(node.expr)
    if not isinstance(node, pp.Call) or node.func.name not in PER_SECOND_FUNCS:
        return None
    found = selections(node)
    if len(found) != 1 or found[0].name is None or found[0].range_s is None:
        return None
    return node.func.name, found[0].name, found[0].range_s


def check_self_ratio(query: Query) -> list[Finding]:
    """``a{l="v"} / a`` (same metric, one side filtered, label kept on both sides): the ratio is always 1.

    >>> from harness.lint.model import TextSpan
    >>> text = 'rate(x{status="error"}[5m]) / rate(x[5m]) > 0.05'
    >>> [f.check for f in check_self_ratio(Query("f", "alert A", text, TextSpan.at(1), pp.parse(text)))]
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
        for m in lhs[0].matchers:
            if m.op != pp.MatchOp.Equal or not m.value or (m.name, str(m.op), m.value) in rhs_matchers:
                continue
            if not (_keeps(node.lhs, m.name) and _keeps(node.rhs, m.name)):
                continue
            printer = PromQLPrinter()
            fix = (
                f"sum without ({m.name}) ({printer.print(unparen(node.lhs))}) / "
                f"sum without ({m.name}) ({printer.print(unparen(node.rhs))})"
            )
            findings.append(
                query.finding(
                    "smells/self-ratio",
                    "error",
                    f'{lhs[0].name}{{{m.name}="{m.value}"}} is '
                    f"divided by {lhs[0].name} without aggregating {m.name} away: each "
                    f'{m.name}="{m.value}" series is matched with itself, so the ratio is '
                    f'1 whenever there is any {m.name}="{m.value}" (and empty otherwise)',
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


def check_unreachable(rule: Rule, query: Query, expo: Exposition | None) -> list[Finding]:
    """Thresholds the compared value can never cross.

    >>> from harness.lint.model import TextSpan
    >>> text = "db_pool_utilization_percent > 120"
    >>> rule = Rule("r.yml", "g", 1, "alert", "A", 3, text, TextSpan.at(4), 15.0)
    >>> [f.message for f in check_unreachable(rule, Query("r.yml", "alert A", text, TextSpan.at(4),
    ...                                                        pp.parse(text), rule), None)]
    ['alert A: a percentage never exceeds 100: > 120 can never be true']
    """
    cmp = top_level_comparison(query.node)
    if rule.kind != "alert" or cmp is None or cmp.op not in (">", ">="):
        return []
    value = unparen(pp.parse(cmp.value_expr))
    thr = cmp.threshold

    def never(limit: float) -> bool:
        return thr >= limit if cmp.op == ">" else thr > limit

    offset = find_token(query.text, format_number(thr)) if format_number(thr) in query.text else 0
    if _is_percent(value) and never(100):
        return [
            query.finding(
                "smells/unreachable",
                "error",
                f"a percentage never exceeds 100: {cmp.op} {format_number(thr)} can never be true",
                "compare with a threshold in 0..100",
                offset,
            )
        ]
    if _is_ratio(value, rule) and never(1):
        return [
            query.finding(
                "smells/unreachable",
                "error",
                f"a ratio never exceeds 1: {cmp.op} {format_number(thr)} can never be true",
                f"write the threshold as a fraction ({format_number(thr / 100)} for {format_number(thr)}%)",
                offset,
            )
        ]
    ceiling = _quantile_ceiling(value, expo)
    if ceiling is not None and never(ceiling[1]):
        bound = format_number(ceiling[1])
        return [
            query.finding(
                "smells/unreachable",
                "error",
                f"histogram_quantile() never returns more than the "
                f"largest finite bucket bound of {ceiling[0]} ({bound}): {cmp.op} "
                f"{format_number(thr)} can never be true",
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


def _quantile_ceiling(value: pp.Expr, expo: Exposition | None) -> tuple[str, float] | None:
    if expo is None or not isinstance(value, pp.Call) or value.func.name != "histogram_quantile":
        return None
    bounds = [
        (s.name, max(expo.buckets[s.name]))
        for s in selections(value)
        if s.name in expo.buckets and expo.buckets[s.name]
    ]
    return max(bounds, key=lambda b: b[1]) if bounds else None
