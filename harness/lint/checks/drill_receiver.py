"""``drill/receiver``: a ``notification`` expectation whose receiver the Alertmanager routing tree does not give
for the alert's labels (its static labels and the expectation's), as ``amtool config routes test`` routes them.

When a route matches on a label only the firing series can carry (one the expression keeps), the receiver is
not known before the drill and nothing is said.
"""

from __future__ import annotations

from harness.drill.expectations import NotificationExpectation
from harness.lint.checks.base import Check
from harness.lint.model import Finding
from harness.lint.routes import static_labels
from harness.lint.scenario import DrillContext
from harness.promql.walk import output_labels

ID = "drill/receiver"


def run(drill: DrillContext) -> list[Finding]:
    """Expected receivers that the routing tree gives to none of the rules the expectation can mean."""
    routing = drill.routing
    if routing is None or not routing.usable:
        return []
    findings = []
    for at in drill.expectations():
        exp = at.expectation
        if not isinstance(exp, NotificationExpectation):
            continue
        routed: dict[str, list[str]] = {}
        uncertain = False
        for rule in drill.rules_for(exp.notification, exp.labels):
            labels = {**static_labels(rule), **exp.labels}
            unknown = routing.route_labels - labels.keys()
            query = drill.query(rule)
            carried = output_labels(query.node, drill.ctx.labels_of) if query is not None else None
            if unknown and (carried is None or unknown & carried):
                uncertain = True
                continue
            receivers, _ = routing.route(labels)
            routed[", ".join(f"{k}={v}" for k, v in labels.items() if k != "alertname") or "no labels"] = receivers
        if uncertain or not routed or any(exp.receiver in r for r in routed.values()):
            continue
        shown, receivers = next(iter(routed.items()))
        findings.append(
            drill.finding(
                (*at.loc, "receiver"),
                ID,
                "error",
                f"notification: {exp.notification} expects receiver {exp.receiver}, but {routing.file} routes "
                f"{exp.notification} ({shown}) to {', '.join(receivers) or 'no receiver'}",
                f"expect receiver: {receivers[0] if receivers else '...'}, or change the rule's labels or the routes",
            )
        )
    return findings


CHECK = Check(ID, "an expected notification receiver the routing tree does not give for the alert's labels",
              on_drill=run)  # fmt: skip
