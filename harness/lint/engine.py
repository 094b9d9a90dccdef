"""One lint run: load the inputs, run every check, return a report. The CLI is a thin layer over :func:`lint`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.lint import contract, dashboards, routes, rules, smells, templates, timing
from harness.lint.exposition import Exposition, load_target
from harness.lint.model import Finding, LintReport, Query, RouteRow
from harness.lint.source import display_path
from harness.promql.duration import format_duration


@dataclass(frozen=True)
class LintInputs:
    """What to lint and against what.

    ``targets`` name expositions (``http://.../metrics``, ``profile:NAME``, a saved file); without one the metric
    contract is not checked. Intervals are production seconds.
    """

    rules: list[Path] = field(default_factory=list)
    dashboards: list[Path] = field(default_factory=list)
    alertmanager: Path | None = None
    targets: list[str] = field(default_factory=list)
    scrape_s: float = 15.0
    evaluation_s: float = 15.0


def lint(inputs: LintInputs) -> LintReport:
    """Run every check over ``inputs``; an unreadable input raises InputError (exit 2).

    >>> report = lint(LintInputs(rules=[Path("fixtures/customerio/alerts.yml")], targets=["profile:customerio"]))
    >>> report.errors, report.warnings
    (0, 0)
    """
    findings: list[Finding] = []
    notes: list[str] = []
    rule_files = [rules.load_rule_file(path, inputs.evaluation_s) for path in inputs.rules]
    boards = [dashboards.load_dashboard(path, inputs.scrape_s) for path in inputs.dashboards]
    expo = Exposition.merge([load_target(t) for t in inputs.targets]) if inputs.targets else None
    if expo is None:
        notes.append("metric contract not checked: give --target (a /metrics URL, profile:NAME or a saved exposition)")

    all_rules = [r for rf in rule_files for r in rf.rules]
    recorded = {r.name for r in all_rules if r.kind == "record"}
    labels_of = contract.labels_function(expo, recorded)
    for rf, path in zip(rule_files, inputs.rules, strict=True):
        own = list(rf.findings)
        for rule in rf.rules:
            query = next((q for q in rf.queries if q.rule is rule), None)
            own += templates.check_templates(rule, query, labels_of)
            own += timing.check_for(rule)
            if query is not None:
                own += smells.check_rate_units(rule, query, expo)
                own += smells.check_unreachable(rule, query, expo)
        own += rules.promtool_findings(rf, path, own)
        findings += own
    findings += rules.check_rules(all_rules)
    queries: list[Query] = [q for rf in rule_files for q in rf.queries] + [q for b in boards for q in b.queries]
    for board in boards:
        findings += board.findings
    for query in queries:
        findings += timing.check_ranges(query, inputs.scrape_s)
        findings += smells.check_self_ratio(query)
        findings += contract.check_histograms(query, expo, recorded)
        if expo is not None:
            findings += contract.check_contract(query, expo, recorded)

    report_routes: list[RouteRow] = []
    if inputs.alertmanager is not None:
        route_findings, report_routes = routes.check_routes(inputs.alertmanager, all_rules)
        findings += route_findings
    notes.append(
        f"scrape interval {format_duration(inputs.scrape_s)}, evaluation interval "
        f"{format_duration(inputs.evaluation_s)}"
    )
    unique = list(dict.fromkeys(findings))
    unique.sort(key=lambda f: (f.file, f.line, f.column or 0, f.check))
    return LintReport(
        findings=unique,
        routes=report_routes,
        alertmanager=display_path(inputs.alertmanager) if inputs.alertmanager else None,
        targets=list(expo.sources) if expo else [],
        notes=notes,
    )
