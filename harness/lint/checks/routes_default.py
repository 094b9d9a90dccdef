"""``routes/default``: an alert that reaches only the root route's receiver while lacking a label the child routes
match on: it was probably meant to be routed (``team`` forgotten, ``severity`` misspelt)."""

from __future__ import annotations

from harness.lint.checks.base import Check
from harness.lint.model import Finding
from harness.lint.routes import Routing

ID = "routes/default"


def run(routing: Routing) -> list[Finding]:
    """Alerts that fall to the default route lacking a routed-on label."""
    findings = []
    for rule, row in routing.rows:
        missing = sorted(routing.route_labels - row.labels.keys())
        if row.default_only and missing:
            findings.append(
                rule.finding(
                    ID,
                    "warning",
                    f"{rule.what} reaches only the default receiver {', '.join(row.receivers)}: it has no "
                    f"{', '.join(missing)} label, which the routes of {routing.file} match on",
                    f"add the label{'s' if len(missing) > 1 else ''} {', '.join(missing)} to the rule",
                )
            )
    return findings


CHECK = Check(ID, "an alert that falls to the default route lacking a label the child routes match on", on_routes=run)
