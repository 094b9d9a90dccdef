"""``smells/rate-units``: ``rate(x[w]) > N`` whose annotations claim a percentage, a per-hour or per-minute figure,
or a count over a period; ``rate`` is per second. The rule's own text contradicts its expression: an error."""

from __future__ import annotations

import re

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.contract import Contract
from harness.lint.model import Finding, Query, Rule
from harness.promql.duration import format_duration
from harness.promql.expr import format_number, top_level_comparison, unparen
from harness.promql.walk import PER_SECOND_FUNCS, find_token, selections

ID = "smells/rate-units"
_PEELABLE_AGGS = frozenset({"sum", "max", "min", "avg"})
_PER_SECOND = re.compile(r"per[ -]second|/\s?s\b|/sec\b|\bper sec\b|\ba second\b|\bpersecond\b")
_PERCENT = re.compile(r"%|\bpercent|\bratio\b")
_PER_MINUTE = re.compile(r"per[ -]minute|/\s?min\b|\ba minute\b")
_PER_HOUR = re.compile(r"per[ -]hour|/\s?hour\b|/\s?hr\b|/h\b|\ban hour\b|\bhourly\b")
_WINDOW = re.compile(
    r"(?:in|over|during|within)\s+(?:the\s+)?last\s+(\d+)\s*(hours?|days?|minutes?|h|d|m)\b|per[ -]day|/\s?day\b"
    r"|\bdaily\b"
)
_UNIT_S = {"m": 60, "minute": 60, "minutes": 60, "h": 3600, "hour": 3600, "hours": 3600, "d": 86400, "day": 86400,
           "days": 86400}  # fmt: skip
_ACTION = re.compile(r"\{\{.*?\}\}", re.S)


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """A bare per-second ``rate`` compared with a number the annotations describe in other units.

    >>> from harness.lint.model import TextSpan
    >>> rule = Rule("r.yml", "g", 1, "alert", "A", 3, "rate(e_total[5m]) > 0.05", TextSpan.at(4), 15.0,
    ...             annotations={"summary": "error rate above 5%"})
    >>> [f.severity for f in run(rule, Query("r.yml", "alert A", rule.expr, TextSpan.at(4), pp.parse(rule.expr),
    ...                                      rule), LintContext())]
    ['error']
    """
    cmp = top_level_comparison(query.node) if query is not None else None
    if query is None or rule.kind != "alert" or cmp is None or cmp.op not in (">", ">=", "<", "<="):
        return []
    if cmp.threshold == 0:
        return []  # > 0 means the same in every unit
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
                ID,
                "error",
                f"{said}, but the annotations read it as a percentage: {cmp.op} {thr} compares {thr} {metric} "
                f"per second, not {format_number(cmp.threshold * 100)}%",
                f"divide by the total: sum(rate({metric}[{w}])) / sum(rate({_total(metric, ctx.contract)}[{w}])) "
                f"{cmp.op} {thr}",
                offset,
            )
        ]
    for pattern, per, seconds in ((_PER_HOUR, "hour", 3600), (_PER_MINUTE, "minute", 60)):
        if pattern.search(text):
            return [
                query.finding(
                    ID,
                    "error",
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
                ID,
                "error",
                f"{said}, but the annotations count events in a period ({window.group(0)!r}): {cmp.op} {thr} means "
                f"{format_number(cmp.threshold * span_s)} in {period}",
                f"compare increase({metric}[{period}]) {cmp.op} {thr}",
                offset,
            )
        ]
    return []


def _total(metric: str, contract: Contract | None) -> str:
    """The metric that counts everything ``metric`` counts the failures of (``http_errors_total`` ->
    ``http_requests_total``) when the contract has it."""
    guess = "_".join("requests" if t in ("errors", "failures", "failed") else t for t in metric.split("_"))
    return guess if contract is not None and guess != metric and guess in contract.all.expo.series else "<all requests>"


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


CHECK = Check(
    ID, "a per-second rate() whose annotations claim a percentage, a per-hour figure or a count over a period",
    on_rule=run,
)  # fmt: skip
