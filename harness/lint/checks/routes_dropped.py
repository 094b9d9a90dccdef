"""``routes/dropped``: an alert routed to a receiver with no integrations; its notifications go nowhere."""

from __future__ import annotations

from harness.lint.checks.base import Check
from harness.lint.model import Finding
from harness.lint.routes import Routing

ID = "routes/dropped"


def run(routing: Routing) -> list[Finding]:
    """Alerts whose receivers include one without integrations."""
    findings = []
    for rule, row in routing.rows:
        dropped = [r for r in row.receivers if r in routing.silent]
        if dropped:
            findings.append(
                rule.finding(
                    ID,
                    "warning",
                    f"{rule.what} is routed to {', '.join(dropped)}, which has no integrations: its notifications "
                    "go nowhere",
                    "give the receiver an integration, or route the alert elsewhere",
                )
            )
    return findings


CHECK = Check(ID, "an alert routed to a receiver with no integrations", on_routes=run)
