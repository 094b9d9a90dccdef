"""``promql/renamed``: a function Prometheus 3 renamed (``holt_winters``, now ``double_exponential_smoothing``):
an error when the drills run 3 (the rule does not load), a warning on 2 (it will not load after the upgrade).

promql-parser already follows 3, so on 2 its "unknown function" complaint is dropped (the engine does it, with
:func:`harness.lint.prom3.without_superseded`): Prometheus 2 accepts the rule."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule, Severity
from harness.promql.v3 import rename_advice, renamed_calls

ID = "promql/renamed"


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """A finding per call of a renamed function in ``rule``, at the call.

    >>> from harness.lint.model import TextSpan
    >>> rule = Rule("r.yml", "g", 1, "alert", "Trend", 4, "holt_winters(x[10m], 0.5, 0.5) > 1", TextSpan.at(5, 11), 15)
    >>> [(f.line, f.column, f.severity) for f in run(rule, None, LintContext()) + run(rule, None,
    ...                                                  LintContext(prometheus_major=2))]
    [(5, 11, 'error'), (5, 11, 'warning')]
    """
    major = ctx.prometheus_major
    severity: Severity = "error" if major >= 3 else "warning"
    findings = []
    for offset, old, new in renamed_calls(rule.expr):
        line, column = rule.expr_span.position(offset)
        message = (
            f"{rule.what}: {old} does not exist in Prometheus 3, which the drills run: it was renamed {new}"
            if major >= 3
            else f"{rule.what}: {old} was renamed {new} in Prometheus 3: this rule will not load there"
        )
        fix = rename_advice(old) + ("" if major >= 3 else " when you move to Prometheus 3")
        findings.append(Finding(file=rule.file, line=line, column=column, check=ID, severity=severity,
                                message=message, suggestion=fix))  # fmt: skip
    return findings


CHECK = Check(ID, "a function Prometheus 3 renamed (holt_winters): an error on 3, a warning on 2", on_rule=run)
