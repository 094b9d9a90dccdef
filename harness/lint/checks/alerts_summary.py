"""``alerts/summary``: an alert without a ``summary`` annotation, the first line of every notification."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule

ID = "alerts/summary"


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """A missing or empty ``summary`` annotation."""
    if rule.kind != "alert" or rule.annotations.get("summary", "").strip():
        return []
    return [
        rule.finding(
            ID,
            "warning",
            f"alert {rule.name} has no summary annotation",
            "add annotations: {summary: ...}: it is the first line of every notification",
        )
    ]


CHECK = Check(ID, "an alert without a summary annotation", on_rule=run)
