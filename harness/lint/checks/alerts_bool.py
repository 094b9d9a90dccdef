"""``alerts/bool``: an alert whose condition is a ``bool`` comparison. ``x > bool 1`` returns 0 or 1 for every
series instead of filtering them, so the alert fires always, at 0 as at 1."""

from __future__ import annotations

from harness.lint.checks.alerts_comparison import has_bool, has_condition
from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule
from harness.promql.walk import find_token

ID = "alerts/bool"


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """A ``bool`` comparison where the alert's filter should be."""
    if query is None or rule.kind != "alert" or has_condition(query.node) or not has_bool(query.node):
        return []
    return [
        query.finding(
            ID,
            "error",
            "the condition uses bool: it returns 0 or 1 for every series instead of dropping the healthy ones, "
            "so the alert always fires",
            "drop bool (x > 1), or compare its result: (x > bool 1) == 1",
            find_token(query.text, "bool"),
        )
    ]


CHECK = Check(ID, "a bool comparison as an alert's condition: it always fires", on_rule=run)
