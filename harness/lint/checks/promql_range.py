"""``promql/range``: a ``rate``-like window under twice the scrape interval, which needs two samples in it."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query
from harness.promql.duration import format_duration
from harness.promql.walk import TWO_SAMPLE_FUNCS, find_token, selections

ID = "promql/range"


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Range windows of two-sample functions shorter than 2x the scrape interval.

    >>> import promql_parser as pp
    >>> from harness.lint.model import TextSpan
    >>> [f.message for f in run(Query("f", "alert A", "rate(x[20s])", TextSpan.at(1), pp.parse("rate(x[20s])")),
    ...                         LintContext())]
    ['alert A: rate(x[20s]) covers fewer than two scrapes at 15s: it needs two samples in the window']
    """
    findings = []
    scrape = ctx.scrape_s
    for sel in selections(query.node):
        call = sel.direct_call
        if sel.range_s is None or call not in TWO_SAMPLE_FUNCS or sel.range_s >= 2 * scrape:
            continue
        window = format_duration(sel.range_s)
        findings.append(
            query.finding(
                ID,
                "error",
                f"{call}({sel.name or '...'}[{window}]) covers fewer than two scrapes at {format_duration(scrape)}: "
                "it needs two samples in the window",
                f"use at least [{format_duration(4 * scrape)}] (4x the scrape interval), or $__rate_interval in "
                "Grafana",
                find_token(query.text, window) or find_token(query.text, call),
            )
        )
    return findings


CHECK = Check(ID, "a rate() window under 2x the scrape interval (fewer than two samples)", on_query=run)
