"""``alerts/runbook``: an alert without a ``runbook_url`` annotation. A house style, so off unless enabled."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule

ID = "alerts/runbook"


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """A missing ``runbook_url`` annotation."""
    if rule.kind != "alert" or rule.annotations.get("runbook_url", "").strip():
        return []
    return [
        rule.finding(
            ID,
            "warning",
            f"alert {rule.name} has no runbook_url annotation",
            "add annotations: {runbook_url: https://...}: the on-call reads it first",
        )
    ]


CHECK = Check(ID, "an alert without a runbook_url annotation (off unless --enable)", on_rule=run, default=False)
