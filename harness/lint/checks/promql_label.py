"""``promql/label``: a label a selector matches on, or an aggregation groups by, that the series do not have.

An error when the contract is complete (a stub profile, a saved exposition marked complete), else a warning:
relabelling may add labels a live exposition does not show.
"""

from __future__ import annotations

import difflib

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.contract import ALERT_SERIES
from harness.lint.exposition import TARGET_LABELS
from harness.lint.labelsets import label_set
from harness.lint.model import Finding, Query, Severity
from harness.lint.names import matcher_text, matches_empty, names
from harness.promql.walk import descendants, find_token, output_labels, selections

ID = "promql/label"


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Unknown label matchers and ``by`` labels no series of the aggregated expression has."""
    if ctx.contract is None:
        return []
    findings: list[Finding] = []
    for sel in selections(query.node):
        if sel.name is None or sel.name in ALERT_SERIES or sel.name in ctx.recorded:
            continue
        view = ctx.contract.view(sel.selector)
        series = view.series(sel.name) if view is not None else None
        if view is None or series is None:
            continue
        known = series.labels | TARGET_LABELS | view.extra_labels | {"__name__"}
        for m in sel.matchers:
            if m.name in known or matches_empty(m):
                continue
            close = difflib.get_close_matches(m.name, sorted(series.labels), n=1)
            hint = f"did you mean {close[0]}?" if close else f"{series.name} has labels {names(series.labels)}"
            findings.append(
                query.finding(
                    ID,
                    certainty(view.complete),
                    f"{series.name} has no label {m.name}: {matcher_text(m)} matches nothing",
                    hint,
                    find_token(query.text, m.name, find_token(query.text, series.name)),
                )
            )
    return findings + _grouping(query, ctx)


def certainty(complete: bool) -> Severity:
    """An error when the contract is complete, else a warning."""
    return "error" if complete else "warning"


def _grouping(query: Query, ctx: LintContext) -> list[Finding]:
    assert ctx.contract is not None
    findings = []
    for node in descendants(query.node):
        if not isinstance(node, pp.AggregateExpr) or node.modifier is None:
            continue
        if node.modifier.type != pp.AggModifierType.By:
            continue
        inner = output_labels(node.expr, ctx.labels_of)
        if inner is None:
            continue
        structure = label_set(node.expr, lambda sel: None)
        views = [ctx.contract.view(s.selector) for s in selections(node.expr) if s.name]
        complete = bool(views) and all(v is not None and v.complete for v in views)
        for label in node.modifier.labels:
            if label in inner or structure.is_removed(label):  # removed by an inner operator: promql/impossible
                continue
            findings.append(
                query.finding(
                    ID,
                    certainty(complete),
                    f"{node.op} by ({label}): no series of the aggregated expression has label {label}",
                    f"its labels are {names(inner)}",
                    find_token(query.text, label),
                )
            )
    return findings


CHECK = Check(
    ID,
    "a label matched or grouped by that the series do not have (an error when the contract is complete)",
    on_query=run,
)
