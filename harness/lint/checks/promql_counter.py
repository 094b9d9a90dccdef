"""``promql/counter``: an alert that compares a raw counter, whose value depends on the process's uptime."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.contract import ALERT_SERIES
from harness.lint.model import Finding, Query
from harness.promql.walk import find_token, selections

ID = "promql/counter"
# Calls and aggregations under which a raw counter is fine: they do not compare its ever-growing value.
_RAW_COUNTER_OK_CALLS = frozenset({"absent", "absent_over_time", "timestamp", "changes", "resets"})
_RAW_COUNTER_OK_AGGS = frozenset({"count", "group", "count_values"})


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Counters selected without a range function in an alerting rule."""
    if ctx.contract is None or query.rule is None or query.rule.kind != "alert":
        return []
    findings = []
    for sel in selections(query.node):
        if sel.range_s is not None or sel.in_subquery or sel.name is None or sel.name in ALERT_SERIES:
            continue
        if set(sel.calls) & _RAW_COUNTER_OK_CALLS or set(sel.aggregations) & _RAW_COUNTER_OK_AGGS:
            continue
        view = ctx.contract.view(sel.selector)
        series = view.series(sel.name) if view is not None and sel.name not in ctx.recorded else None
        if series is not None and series.is_counter:
            findings.append(
                query.finding(
                    ID,
                    "warning",
                    f"counter {series.name} is compared without rate(): "
                    "its value only grows from the last restart, so the alert depends on uptime",
                    f"compare rate({series.name}[5m]) or increase({series.name}[1h])",
                    find_token(query.text, series.name),
                )
            )
    return findings


CHECK = Check(ID, "an alert comparing a raw counter, whose value depends on uptime", on_query=run)
