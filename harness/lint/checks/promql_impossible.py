"""``promql/impossible``: an ``on``/``by``/``group_left`` label that an inner operator already removed.

``sum by (operation) (x) / on(status) y``: the left side has no ``status`` any more, so no pair matches while the
right side has it (an error: always empty); when both sides lost it, or ``by``/``group_left`` names it, the
label silently does nothing (a warning). Needs no contract: the operators alone say the label is gone.
"""

from __future__ import annotations

import promql_parser as pp

from harness.lint.checks.base import Check, LintContext
from harness.lint.labelsets import matching_labels
from harness.lint.model import Finding, Query
from harness.promql.walk import descendants, find_token, is_scalar

ID = "promql/impossible"


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Joins and groupings on removed labels.

    >>> from harness.lint.model import TextSpan
    >>> text = 'sum by (operation) (rate(x[5m])) / on(status) sum by (status) (rate(x[5m]))'
    >>> [f.severity for f in run(Query("f", "w", text, TextSpan.at(1), pp.parse(text)), LintContext())]
    ['error']
    """
    findings = []
    for node in descendants(query.node):
        if isinstance(node, pp.AggregateExpr) and node.modifier is not None:
            if node.modifier.type != pp.AggModifierType.By:
                continue
            inner = ctx.label_set(node.expr)
            for label in node.modifier.labels:
                if inner.is_removed(label):
                    findings.append(
                        query.finding(
                            ID,
                            "warning",
                            f"{node.op} by ({label}): {label} was already aggregated away inside, so this groups "
                            "by nothing",
                            f"keep {label} in the inner aggregation, or drop it here",
                            find_token(query.text, label),
                        )
                    )
        elif isinstance(node, pp.BinaryExpr) and not (is_scalar(node.lhs) or is_scalar(node.rhs)):
            findings += _join(query, node, ctx)
    return findings


def _join(query: Query, node: pp.BinaryExpr, ctx: LintContext) -> list[Finding]:
    kind, labels = matching_labels(node)
    lhs, rhs = ctx.label_set(node.lhs), ctx.label_set(node.rhs)
    findings = []
    if kind == "on" and str(node.op) != "or":
        for label in sorted(labels):
            gone = [side for side, s in (("left", lhs), ("right", rhs)) if s.is_removed(label)]
            if not gone:
                continue
            kept = "right" if gone == ["left"] else "left"
            other = rhs if gone == ["left"] else lhs
            if len(gone) == 1 and other.has(label) is not False:
                message = (
                    f"on({label}): the {gone[0]} side has no {label} (an aggregation removed it) while the {kept} "
                    f"side has it, so no pair ever matches: the result is always empty"
                )
                findings.append(query.finding(ID, "error", message, f"keep {label} in the {gone[0]} side's "
                                              "aggregation (by (..., {label}))".replace("{label}", label),
                                              find_token(query.text, label)))  # fmt: skip
            elif len(gone) == 2:
                findings.append(
                    query.finding(
                        ID,
                        "warning",
                        f"on({label}): both sides lost {label} in an aggregation, so this matches on nothing",
                        f"keep {label} in both aggregations, or drop it from on()",
                        find_token(query.text, label),
                    )
                )
    mod = node.modifier
    if mod is not None and mod.group_labels and mod.card is not None:
        one = rhs if mod.card == pp.VectorMatchCardinality.ManyToOne else lhs
        for label in mod.group_labels:
            if one.is_removed(label):
                findings.append(
                    query.finding(
                        ID,
                        "warning",
                        f"group_x({label}): the side it would copy {label} from aggregated it away, so nothing is "
                        "copied",
                        f"keep {label} in that side's aggregation",
                        find_token(query.text, label),
                    )
                )
    return findings


CHECK = Check(ID, "on()/by()/group_left() on a label an inner aggregation already removed", on_query=run)
