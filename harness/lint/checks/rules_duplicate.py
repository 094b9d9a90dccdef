"""``rules/duplicate``: the same alert name with the same labels twice (indistinguishable in Alertmanager and
in drills). Two alerts may share a name when their labels differ (a warning and a critical tier)."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Rule

ID = "rules/duplicate"


def run(rules: list[Rule], ctx: LintContext) -> list[Finding]:
    """Every alert defined again with the labels of an earlier one, across all rule files."""
    findings = []
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], Rule] = {}
    for rule in rules:
        if rule.kind != "alert":
            continue
        first = seen.setdefault((rule.name, tuple(sorted(rule.labels.items()))), rule)
        if first is not rule:
            findings.append(
                rule.finding(
                    ID,
                    "error",
                    f"alert {rule.name} is defined twice with the same labels (first at {first.file}:{first.line})",
                    "rename one, or give them different labels",
                )
            )
    return findings


CHECK = Check(ID, "an alert defined twice with the same labels", on_rules=run)
