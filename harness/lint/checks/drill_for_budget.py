"""``drill/for-budget``: a ``fires`` or ``notification`` expectation whose ``within`` is shorter than the alert's
``for`` plus one evaluation interval: the drill cannot pass, whatever the service does."""

from __future__ import annotations

from harness.lint.checks.base import Check
from harness.lint.model import Finding
from harness.lint.scenario import DrillContext
from harness.promql.duration import human_duration

ID = "drill/for-budget"


def run(drill: DrillContext) -> list[Finding]:
    """Budgets under ``for`` + one evaluation of every rule the expectation can mean."""
    findings = []
    for at, exp in drill.firing_expectations():
        rules = drill.rules_for(str(exp.alert), exp.labels)
        if not rules:
            continue
        rule = min(rules, key=lambda r: r.for_s + r.evaluation_s)
        soonest = rule.for_s + rule.evaluation_s
        if soonest <= exp.within:
            continue
        findings.append(
            drill.finding(
                (*at.loc, "within"),
                ID,
                "error",
                f"{exp.kind}: {exp.alert} within {human_duration(exp.within)}, but {rule.name} has for: "
                f"{human_duration(rule.for_s)} ({rule.file}:{rule.for_line or rule.line}): with one evaluation "
                f"({human_duration(rule.evaluation_s)}) it cannot fire before {human_duration(soonest)}",
                f"give within: {human_duration(soonest)} or more (plus the time the condition takes to hold), "
                "or shorten for:",
            )
        )
    return findings


CHECK = Check(ID, "a fires/notification budget (within) shorter than the alert's for: plus one evaluation",
              on_drill=run)  # fmt: skip
