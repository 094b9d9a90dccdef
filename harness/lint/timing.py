"""Windows and waits against the scrape and evaluation intervals.

- ``promql/range``: a ``rate``-like function needs two samples in its window, so a window under twice the scrape
  interval returns nothing (or flickers) whenever a scrape is late.
- ``alerts/for``: a ``for`` shorter than the rule's evaluation interval is rounded up to it: the alert fires on
  its second evaluation in any case, later than written.
"""

from __future__ import annotations

from harness.lint.model import Finding, Query, Rule
from harness.lint.walk import TWO_SAMPLE_FUNCS, find_token, selections
from harness.promql.duration import format_duration


def check_ranges(query: Query, scrape_s: float) -> list[Finding]:
    """Range windows of two-sample functions shorter than 2x the scrape interval.

    >>> import promql_parser as pp
    >>> from harness.lint.model import TextSpan
    >>> [f.message for f in check_ranges(Query("f", "alert A", "rate(x[20s])", TextSpan.at(1),
    ...                                             pp.parse("rate(x[20s])")), 15.0)]
    ['alert A: rate(x[20s]) covers fewer than two scrapes at 15s: it needs two samples in the window']
    """
    findings = []
    for sel in selections(query.node):
        call = sel.direct_call
        if sel.range_s is None or call not in TWO_SAMPLE_FUNCS or sel.range_s >= 2 * scrape_s:
            continue
        window = format_duration(sel.range_s)
        findings.append(
            query.finding(
                "promql/range",
                "error",
                f"{call}({sel.name or '...'}[{window}]) covers fewer than two scrapes at {format_duration(scrape_s)}: "
                "it needs two samples in the window",
                f"use at least [{format_duration(4 * scrape_s)}] (4x the scrape interval), or $__rate_interval in "
                "Grafana",
                find_token(query.text, window) or find_token(query.text, call),
            )
        )
    return findings


def check_for(rule: Rule) -> list[Finding]:
    """``for`` shorter than the evaluation interval of the rule's group.

    >>> from harness.lint.model import TextSpan
    >>> rule = Rule("r.yml", "g", 1, "alert", "A", 3, "up == 0", TextSpan.at(4), 60.0, for_s=30.0, for_line=5)
    >>> check_for(rule)[0].check
    'alerts/for'
    """
    if rule.kind != "alert" or rule.for_s <= 0 or rule.for_s >= rule.evaluation_s:
        return []
    return [
        Finding(
            file=rule.file,
            line=rule.for_line or rule.line,
            check="alerts/for",
            severity="warning",
            message=f"{rule.what}: for: {format_duration(rule.for_s)} is shorter than the evaluation interval "
            f"({format_duration(rule.evaluation_s)}): the alert cannot fire before its second evaluation, "
            f"{format_duration(rule.evaluation_s)} after it becomes pending",
            suggestion=f"use for: {format_duration(rule.evaluation_s)} or longer, or evaluate the group more often",
        )
    ]
