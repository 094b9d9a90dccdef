"""``promql/rate``: ``rate``/``irate``/``increase`` on a gauge, or ``delta``/``deriv`` on a counter."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.contract import ALERT_SERIES
from harness.lint.model import Finding, Query
from harness.promql.walk import find_token, selections

ID = "promql/rate"
COUNTER_ONLY = frozenset({"rate", "irate", "increase"})
_GAUGE_ONLY = frozenset({"delta", "idelta", "deriv", "predict_linear"})


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Each range function against the type of the series it reads."""
    if ctx.contract is None:
        return []
    findings = []
    for sel in selections(query.node):
        call = sel.direct_call if sel.range_s is not None else None
        if call is None or sel.name is None or sel.name in ALERT_SERIES or sel.name in ctx.recorded:
            continue
        view = ctx.contract.view(sel.selector)
        series = view.series(sel.name) if view is not None else None
        if series is None:
            continue
        if call in COUNTER_ONLY and series.is_gauge:
            findings.append(
                query.finding(
                    ID,
                    "error",
                    f"{call}() on {series.name}, which is a {series.type}: "
                    f"{call}() treats every decrease as a counter reset",
                    "use deriv() or delta() for a gauge, or max_over_time()/avg_over_time()",
                    find_token(query.text, call),
                )
            )
        elif call in _GAUGE_ONLY and series.is_counter:
            findings.append(
                query.finding(
                    ID,
                    "warning",
                    f"{call}() on counter {series.name} ignores counter resets (restarts)",
                    "use rate() or increase()",
                    find_token(query.text, call),
                )
            )
    return findings


CHECK = Check(ID, "rate()/increase() on a gauge (error), delta()/deriv() on a counter (warning)", on_query=run)
