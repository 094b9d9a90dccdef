"""``alerts/severity``: an alert without a ``severity`` label, which Alertmanager routes usually match on."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule

ID = "alerts/severity"


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """A missing ``severity`` label."""
    if rule.kind != "alert" or "severity" in rule.labels:
        return []
    return [
        rule.finding(
            ID,
            "warning",
            f"alert {rule.name} has no severity label",
            "add labels: {severity: warning} (or critical); Alertmanager routes usually match on it",
        )
    ]


CHECK = Check(ID, "an alert without a severity label", on_rule=run)
