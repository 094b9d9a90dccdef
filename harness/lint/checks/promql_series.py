"""``promql/series``: a metric a rule or panel selects that the target does not export."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.contract import ALERT_SERIES, View
from harness.lint.model import Finding, Query
from harness.lint.names import did_you_mean
from harness.promql.walk import find_token, selections

ID = "promql/series"
_UNITS = frozenset({"seconds", "ms", "milliseconds", "bytes", "kilobytes", "megabytes", "percent", "ratio"})


def run(query: Query, ctx: LintContext) -> list[Finding]:
    """Every selected name missing from the targets that answer for it, with did-you-mean.

    >>> from harness.lint.contract import load_contract
    >>> from harness.lint.model import TextSpan
    >>> import promql_parser as pp
    >>> q = Query("r.yml", "alert A", "rate(customerio_api_requests_total[5m]) > 1", TextSpan.at(1), pp.parse(
    ...     "rate(customerio_api_requests_total[5m]) > 1"))
    >>> run(q, LintContext(load_contract(["profile:customerio"])))[0].suggestion
    'did you mean customerio_requests_total?'
    """
    if ctx.contract is None:
        return []
    findings: list[Finding] = []
    reported: set[str] = set()
    for sel in selections(query.node):
        name = sel.name
        if name is None or name in ALERT_SERIES or name in ctx.recorded or name in reported:
            continue
        view = ctx.contract.view(sel.selector)
        if view is not None and view.series(name) is None:
            reported.add(name)
            findings.append(_missing(query, name, view))
    return findings


def _missing(query: Query, name: str, view: View) -> Finding:
    offset = find_token(query.text, name)
    family = [s for s in (f"{name}_bucket", f"{name}_total") if s in view.expo.series]
    if family:
        kind = "a histogram" if family[0].endswith("_bucket") else "a counter"
        exposed = f"{name}_bucket, {name}_sum or {name}_count" if kind == "a histogram" else family[0]
        return query.finding(ID, "error", f"{name} is {kind} family: no series is named {name}", f"select {exposed}",
                             offset)  # fmt: skip
    suggestion = did_you_mean(name, view.expo)
    hint = f"did you mean {suggestion}?" if suggestion else "check the metric name against the exposition"
    if suggestion:
        units = {t for t in name.split("_") if t in _UNITS}, {t for t in suggestion.split("_") if t in _UNITS}
        if units[0] and units[1] and units[0] != units[1]:
            hint += f" (its unit is {'/'.join(sorted(units[1]))}, not {'/'.join(sorted(units[0]))}: check thresholds)"
    return query.finding(ID, "error", f"{name} is not exported by {view.where}", hint, offset)


CHECK = Check(ID, "a selected metric the target does not export (with did you mean)", on_query=run)
