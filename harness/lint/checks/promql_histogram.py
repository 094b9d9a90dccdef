"""``promql/histogram``: ``histogram_quantile`` over something that is not a classic histogram's ``_bucket``
series, or with ``le`` aggregated away (it then returns nothing). The ``le`` check needs no contract."""

from __future__ import annotations

import difflib

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query
from harness.promql.walk import Selection, calls, find_token, output_labels, selections

ID = "promql/histogram"


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """``histogram_quantile`` sources and their ``le``.

    >>> from harness.lint.model import TextSpan
    >>> text = "histogram_quantile(0.9, sum by (op) (rate(x_bucket[5m])))"
    >>> [f.check for f in run(Query("f", "w", text, TextSpan.at(1), pp.parse(text)), LintContext())]
    ['promql/histogram']
    """
    findings = []

    def with_le(sel: pp.VectorSelector) -> frozenset[str] | None:
        known = ctx.labels_of(sel)
        if known is None and sel.name and sel.name.endswith("_bucket"):
            return frozenset({"le"})  # at least le; other labels unknown but irrelevant here
        return known

    for call in calls(query.node, "histogram_quantile"):
        if len(call.args) < 2:
            continue
        arg = call.args[1]
        for sel in selections(arg):
            findings += _source(query, sel, ctx)
        labels = output_labels(arg, with_le)
        if labels is not None and "le" not in labels and _classic(arg, ctx):
            findings.append(
                query.finding(
                    ID,
                    "error",
                    "histogram_quantile() argument has no le label (the aggregation drops it), so it returns nothing",
                    "keep le in the aggregation: sum by (le, ...) (rate(x_bucket[5m]))",
                    find_token(query.text, "histogram_quantile"),
                )
            )
    return findings


def _classic(arg: pp.Expr, ctx: LintContext) -> bool:
    """Whether the histogram in ``arg`` is a classic one (native histograms have no ``le``)."""
    buckets = ctx.contract.all.expo.buckets if ctx.contract is not None else {}
    return any(s.name.endswith("_bucket") or s.name in buckets for s in selections(arg) if s.name)


def _source(query: Query, sel: Selection, ctx: LintContext) -> list[Finding]:
    name = sel.name
    if name is None or name.endswith("_bucket") or ":" in name or name in ctx.recorded:
        return []
    offset = find_token(query.text, name)
    view = ctx.contract.view(sel.selector) if ctx.contract is not None else None
    series = view.series(name) if view is not None else None
    if series is not None and series.type == "summary":
        return [
            query.finding(
                ID,
                "error",
                f"histogram_quantile() on {name}, which is a summary: summaries have no buckets",
                f'read its quantile series: {name}{{quantile="0.95"}}',
                offset,
            )
        ]
    if series is not None and view is not None:
        close = difflib.get_close_matches(name, sorted(view.expo.buckets), n=1, cutoff=0.3)
        return [
            query.finding(
                ID,
                "error",
                f"histogram_quantile() on {name}, which is a {series.type}, not a histogram's _bucket series",
                f"select a histogram's _bucket series{f' (e.g. {close[0]})' if close else ''}",
                offset,
            )
        ]
    if ctx.contract is None:
        return [
            query.finding(
                ID,
                "warning",
                f"histogram_quantile() on {name}, which is not a _bucket series (fine only for a native histogram)",
                f"select {name}_bucket if it is a classic histogram",
                offset,
            )
        ]
    return []


CHECK = Check(ID, "histogram_quantile() on a non-_bucket series, or with le aggregated away", on_query=run)
