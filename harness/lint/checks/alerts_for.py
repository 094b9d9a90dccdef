"""``alerts/for``: a ``for`` shorter than the rule's evaluation interval is rounded up to it."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule
from harness.promql.duration import format_duration

ID = "alerts/for"


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """``for`` shorter than the evaluation interval of the rule's group.

    >>> from harness.lint.model import TextSpan
    >>> rule = Rule("r.yml", "g", 1, "alert", "A", 3, "up == 0", TextSpan.at(4), 60.0, for_s=30.0, for_line=5)
    >>> run(rule, None, LintContext())[0].check
    'alerts/for'
    """
    if rule.kind != "alert" or rule.for_s <= 0 or rule.for_s >= rule.evaluation_s:
        return []
    return [
        Finding(
            file=rule.file,
            line=rule.for_line or rule.line,
            check=ID,
            severity="warning",
            message=f"{rule.what}: for: {format_duration(rule.for_s)} is shorter than the evaluation interval "
            f"({format_duration(rule.evaluation_s)}): the alert cannot fire before its second evaluation, "
            f"{format_duration(rule.evaluation_s)} after it becomes pending",
            suggestion=f"use for: {format_duration(rule.evaluation_s)} or longer, or evaluate the group more often",
        )
    ]


CHECK = Check(ID, "a for: shorter than the evaluation interval (rounded up to it)", on_rule=run)
