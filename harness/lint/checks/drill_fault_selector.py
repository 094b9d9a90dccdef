"""``drill/fault-selector``: a fault that aims at something the target's profile does not have (an operation, a
service, an event, a gauge, a queue, a label or a label value): the fault would change nothing."""

from __future__ import annotations

from harness.lint.checks.base import Check
from harness.lint.model import Finding
from harness.lint.scenario import DrillContext
from harness.stub.fault_targets import fault_problems

ID = "drill/fault-selector"


def run(drill: DrillContext) -> list[Finding]:
    profile = drill.scenario.profile()
    if profile is None:
        return []
    findings = []
    for pi, phase in enumerate(drill.scenario.phases):
        for fi, fault in enumerate(phase.faults):
            for field, message in fault_problems(fault, profile):
                at = ("phases", pi, "faults", fi, field)
                fix = "aim it at a name the profile has, or add it to the profile"
                findings.append(drill.finding(at, ID, "error", f"fault {fault.describe()}: {message}", fix))
    return findings


CHECK = Check(ID, "a fault that aims at an operation, event, gauge, queue, label or value the profile lacks",
              on_drill=run)  # fmt: skip
