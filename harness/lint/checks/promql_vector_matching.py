"""``promql/vector-matching``: a binary operation whose two sides never have matching label sets, so its result
is always empty: ``sum by (operation) (a) / sum(b)`` (``{operation}`` against ``{}``), or a division across two
jobs (``job="app"`` against ``job="node"``: one-to-one matching compares ``job`` too).

Label names come from the contract (or the operators: ``by``, ``sum``); values from ``=`` matchers and the job of
each ``--target JOB=...``. Where either side is unknown, nothing is said.
"""

from __future__ import annotations

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.labelsets import LabelSet, matching_labels
from harness.lint.model import Finding, Query
from harness.lint.names import names
from harness.promql.walk import descendants, find_token, is_scalar

ID = "promql/vector-matching"


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Every vector-to-vector operation whose sides' label sets can never be equal on the matching labels.

    >>> from harness.lint.model import TextSpan
    >>> text = "sum by (operation) (rate(a[5m])) / sum(rate(b[5m])) > 0.1"
    >>> [f.check for f in run(Query("f", "w", text, TextSpan.at(1), pp.parse(text)), LintContext())]
    ['promql/vector-matching']
    """
    findings = []
    for node in descendants(query.node):
        if not isinstance(node, pp.BinaryExpr) or str(node.op) == "or":
            continue
        if is_scalar(node.lhs) or is_scalar(node.rhs):
            continue
        problem = _never(node, ctx.label_set(node.lhs), ctx.label_set(node.rhs))
        if problem is not None:
            message, fix = problem
            offset = find_token(query.text, str(node.op)) if str(node.op).isalpha() else query.text.find(str(node.op))
            findings.append(query.finding(ID, "error", message, fix, max(offset, 0)))
    return findings


def _never(node: pp.BinaryExpr, lhs: LabelSet, rhs: LabelSet) -> tuple[str, str] | None:
    kind, labels = matching_labels(node)
    op = str(node.op)
    empty = "so no pair ever matches: the result is always empty"
    if kind != "on" and lhs.names is not None and rhs.names is not None:
        left, right = lhs.names - labels, rhs.names - labels
        if left != right:
            return (
                f"the two sides of {op} never match: the left has labels {names(left)}, the right {names(right)}, "
                f"and {kind + '(...)' if kind == 'ignoring' else 'one-to-one'} matching needs the same labels, {empty}",
                _fix(left, right, labels),
            )
    for label in sorted(labels) if kind == "on" else []:
        has = (lhs.has(label), rhs.has(label))
        if set(has) == {True, False} and not (lhs.is_removed(label) or rhs.is_removed(label)):
            lacking = "left" if has[0] is False else "right"
            return (
                f"on({label}): the {lacking} side's series have no {label} label, {empty}",
                f"match on labels both sides have, or drop {label} from on()",
            )
    for label in sorted(set(lhs.values) & set(rhs.values)):
        if (label in labels) != (kind == "on"):
            continue  # not a matching label
        if lhs.values[label] & rhs.values[label]:
            continue
        also = ", instance" if label == "job" else ""
        return (
            f"the two sides of {op} never match: the left has {label}={names(lhs.values[label])}, the right "
            f"{label}={names(rhs.values[label])}, and matching compares {label}, {empty}",
            f"ignoring({label}{also}) when each side has one series, or on(...) a label both sides share",
        )
    return None


def _fix(left: frozenset[str], right: frozenset[str], ignored: frozenset[str]) -> str:
    same = "aggregate both sides by the same labels"
    if left > right:
        return f"ignoring({', '.join(sorted(left - right | ignored))}) group_left, or {same}"
    if right > left:
        return f"ignoring({', '.join(sorted(right - left | ignored))}) group_right, or {same}"
    common = sorted(left & right)
    return f"on({', '.join(common)})" if common else same


CHECK = Check(ID, "the two sides of a binary operation never have matching labels: always empty", on_query=run)
