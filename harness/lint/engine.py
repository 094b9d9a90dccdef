"""One lint run: load the inputs, run every enabled check, drop what inline comments disable, return a report.
The CLI is a thin layer over :func:`lint`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.drill.model import Scenario
from harness.lint import dashboards, prom3, registry, rules, suppress
from harness.lint.checks.base import LintContext
from harness.lint.contract import load_contract
from harness.lint.model import Finding, LintReport, Query, RouteRow, Rule
from harness.lint.routes import Routing, load_routing
from harness.lint.scenario import DrillContext
from harness.promql.duration import format_duration


@dataclass(frozen=True)
class LintInputs:
    """What to lint and against what.

    ``targets`` name expositions (``[JOB=]http://.../metrics``, ``profile:NAME``, a saved file); without one the
    metric contract is not checked. ``scenarios`` add the drill checks. Intervals are production seconds.
    """

    rules: list[Path] = field(default_factory=list)
    dashboards: list[Path] = field(default_factory=list)
    alertmanagers: list[Path] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    scrape_s: float = 15.0
    evaluation_s: float = 15.0
    scenarios: list[Scenario] = field(default_factory=list)
    complete: bool = False  # every target exports every label value the service can have
    target_labels: frozenset[str] = frozenset()  # labels the scrape adds to every target besides job, instance
    disable: list[str] = field(default_factory=list)
    enable: list[str] = field(default_factory=list)
    # The Prometheus binary whose promtool and major judge the rules; None: the one the drills run.
    prometheus: str | None = None


def lint(inputs: LintInputs) -> LintReport:
    """Run every enabled check over ``inputs``; an unreadable input raises InputError (exit 2).

    >>> report = lint(LintInputs(rules=[Path("fixtures/customerio/alerts.yml")], targets=["profile:customerio"]))
    >>> report.errors, report.warnings
    (0, 0)
    """
    enabled = registry.selected(inputs.disable, inputs.enable)
    checks = [c for c in registry.CHECKS if c.id in enabled]
    notes: list[str] = []
    paths = inputs.rules + [p for s in inputs.scenarios for p in s.rules]
    rule_files: dict[Path, rules.RuleFile] = {}
    for path in paths:
        if path.resolve() not in rule_files:
            rule_files[path.resolve()] = rules.load_rule_file(path, inputs.evaluation_s)
    boards = [dashboards.load_dashboard(path, inputs.scrape_s) for path in inputs.dashboards]
    target = prom3.prometheus_target(inputs.prometheus)
    contract = load_contract(inputs.targets, inputs.complete, inputs.target_labels) if inputs.targets else None
    contract = prom3.as_stored(contract, target.major)
    if contract is None:
        notes.append("metric contract not checked: give --target (a /metrics URL, profile:NAME or a saved exposition)")
    all_rules = [r for rf in rule_files.values() for r in rf.rules]
    ctx = LintContext(
        contract=contract,
        recorded=frozenset(r.name for r in all_rules if r.kind == "record"),
        scrape_s=inputs.scrape_s,
        recording_rules={r.name: r for r in all_rules if r.kind == "record"},
        prometheus_major=target.major,
    )
    queries: dict[tuple[str, int], Query] = {
        (q.rule.file, q.rule.line): q for rf in rule_files.values() for q in rf.queries if q.rule is not None
    }
    findings: list[Finding] = []
    suppressions: list[suppress.Suppression] = []
    for path, rf in rule_files.items():
        own = list(rf.findings)
        for rule in rf.rules:
            query = queries.get((rule.file, rule.line))
            own += [f for c in checks if c.on_rule for f in c.on_rule(rule, query, ctx)]
        for query in rf.queries:
            own += [f for c in checks if c.on_query for f in c.on_query(query, ctx)]
        own += rules.promtool_findings(rf, path, own, target.promtool)
        for rule in rf.rules:
            own = prom3.without_superseded(own, rule)
        findings += own
        found = suppress.comments(rf.source.file, rf.source.lines, set(registry.BY_ID))
        suppressions += suppress.spans(rf.source.file, found, [(r.line, r.end_line) for r in rf.rules], rf.source.lines)
    findings += [f for c in checks if c.on_rules for f in c.on_rules(all_rules, ctx)]
    for board in boards:
        findings += board.findings
        findings += [f for q in board.queries for c in checks if c.on_query for f in c.on_query(q, ctx)]

    routings = _routings(inputs, rule_files)
    report_routes: list[RouteRow] = []
    for routing in routings.values():
        findings += routing.findings
        findings += [f for c in checks if c.on_routes for f in c.on_routes(routing)]
        report_routes += [row for _, row in routing.rows]
    for scenario in inputs.scenarios:
        drill = DrillContext.load(
            scenario,
            [r for p in scenario.rules for r in rule_files[p.resolve()].rules],
            queries=queries,
            routing=routings.get(scenario.alertmanager.resolve()) if scenario.alertmanager else None,
            ctx=ctx,
        )
        findings += [f for c in checks if c.on_drill for f in c.on_drill(drill)]
        suppressions += _expectation_suppressions(drill)
    notes.append(
        f"scrape interval {format_duration(inputs.scrape_s)}, evaluation interval "
        f"{format_duration(inputs.evaluation_s)}"
    )
    notes.append(f"rules judged for {target.describe()}")
    # A finding of an id the registry does not list is kept, never dropped in silence (tests reject such ids).
    on = [f for f in prom3.without_restated(list(dict.fromkeys(findings)))
          if f.check in enabled or f.check not in registry.BY_ID]  # fmt: skip
    kept = [f for f in on if not any(s.covers(f) for s in suppressions)]
    kept.sort(key=lambda f: (f.file, f.line, f.column or 0, f.check))
    return LintReport(
        findings=kept,
        routes=report_routes,
        alertmanagers=[r.file for r in routings.values()],
        targets=contract.sources if contract else [],
        notes=notes,
    )


def _routings(inputs: LintInputs, rule_files: dict[Path, rules.RuleFile]) -> dict[Path, Routing]:
    """Each Alertmanager config with the rules routed through it: its scenarios' rules, or every rule."""
    every: list[Rule] = [r for rf in rule_files.values() for r in rf.rules]
    out: dict[Path, Routing] = {}
    for path in inputs.alertmanagers + [s.alertmanager for s in inputs.scenarios if s.alertmanager]:
        key = path.resolve()
        if key in out:
            continue
        users = [s for s in inputs.scenarios if s.alertmanager is not None and s.alertmanager.resolve() == key]
        files = list(dict.fromkeys(p.resolve() for s in users for p in s.rules))
        routed = [r for f in files for r in rule_files[f].rules] if users else every
        out[key] = load_routing(path, routed)
    return out


def _expectation_suppressions(drill: DrillContext) -> list[suppress.Suppression]:
    lines = Path(str(drill.scenario.source)).read_text(encoding="utf-8").splitlines()
    found = suppress.comments(drill.file, lines, set(registry.BY_ID))
    if not found:
        return []
    blocks = []
    for at in drill.expectations():
        node = drill.doc.find(at.loc)
        if node is not None:
            blocks.append(suppress.node_lines(node, lines))
    return suppress.spans(drill.file, found, blocks, lines)
