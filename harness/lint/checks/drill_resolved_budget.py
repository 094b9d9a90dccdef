"""``drill/resolved-budget``: a resolved ``notification`` whose ``within`` is shorter than the time the phase allows
the alert to resolve plus its route's ``group_interval``.

Alertmanager sends a resolved alert at its group's next flush, which comes up to one ``group_interval`` after the
resolve. A budget shorter than both holds only when the flush happens to fall early: in TokPulse's webhooks drill
5m30s against a 5m resolve and a 5m group_interval held four runs in five. A warning: the drill may pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.drill.expectations import NotificationExpectation, ResolvesExpectation
from harness.lint.checks.base import Check
from harness.lint.model import Finding
from harness.lint.scenario import DrillContext
from harness.promql.duration import human_duration, parse_duration_s

ID = "drill/resolved-budget"
# Alertmanager's own default, for a route tree that sets none.
DEFAULT_GROUP_INTERVAL_S = 300.0


def group_intervals(config: Path) -> dict[str, float]:
    """Each receiver's shortest ``group_interval`` over the routes that lead to it (inherited from their parents).

    Example:
        >>> group_intervals(Path("fixtures/tokpulse/alertmanager.yml"))["team-tokpulse"]
        300.0
    """
    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}  # routes/config reports an unreadable config
    found: dict[str, float] = {}

    def walk(route: dict[str, Any], receiver: str | None, interval: float) -> None:
        receiver = route.get("receiver", receiver)
        try:
            interval = parse_duration_s(str(route["group_interval"])) if "group_interval" in route else interval
        except ValueError:
            return
        if receiver is not None:
            found[receiver] = min(found.get(receiver, interval), interval)
        for child in route.get("routes") or []:
            if isinstance(child, dict):
                walk(child, receiver, interval)

    root = doc.get("route") if isinstance(doc, dict) else None
    if isinstance(root, dict):
        walk(root, None, DEFAULT_GROUP_INTERVAL_S)
    return found


def run(drill: DrillContext) -> list[Finding]:
    """Resolved-notification budgets under the phase's resolve budget plus the receiver's group_interval."""
    routing = drill.routing
    if routing is None:
        return []
    intervals = group_intervals(routing.path)
    findings = []
    for at in drill.expectations():
        exp = at.expectation
        if not isinstance(exp, NotificationExpectation) or exp.status != "resolved" or exp.receiver not in intervals:
            continue
        resolves = [e.within for e in at.phase.expect if isinstance(e, ResolvesExpectation)
                    and e.resolves == exp.notification]  # fmt: skip
        rules = drill.rules_for(exp.notification, exp.labels)
        if not resolves and not rules:
            continue
        # The phase's own resolve budget; without one, the soonest a rule can resolve: one evaluation.
        resolve_s = min(resolves) if resolves else min(rule.evaluation_s for rule in rules)
        interval = intervals[exp.receiver]
        latest = resolve_s + interval
        if exp.within >= latest:
            continue
        findings.append(
            drill.finding(
                (*at.loc, "within"),
                ID,
                "warning",
                f"notification: {exp.notification} resolved within {human_duration(exp.within)}, but Alertmanager "
                f"sends it at the group's next flush, up to group_interval ({human_duration(interval)}, "
                f"{routing.file}) after the resolve, which this phase allows {human_duration(resolve_s)}: it may "
                f"come at {human_duration(latest)}",
                f"give within: {human_duration(latest)} (and the phase that long), or shorten group_interval",
            )
        )
    return findings


CHECK = Check(ID, "a resolved-notification budget shorter than the resolve budget plus the route's group_interval",
              on_drill=run)  # fmt: skip
